"""The errors of the Google adapters, apart from the client library so that the shell can tell
them without loading it."""

from __future__ import annotations

from integrations.errors import OutsideError


class GoogleApiError(OutsideError):
    """Google refused a request, or could not be signed in to; the message says which."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status
        # A 400 refuses the request itself; a sharing problem (403/404) can be fixed by a person.
        self.permanent = status == 400


class GoogleCredentialsError(GoogleApiError):
    """The key file is missing or is not a service account's key."""
