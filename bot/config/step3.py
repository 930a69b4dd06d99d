"""Step 3 of the procedure as configuration: the live checks of a customer's systems (an HTTP(S)
answer, a TCP port) and the monitoring whose alerts must not start firing during a deployment.

Secrets (basic auth, bearer tokens, client certificates) are named by ``_env`` / ``_file`` fields
only, never written in the file.
"""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, StringConstraints, field_validator, model_validator

from bot.config.base import StrictModel
from bot.languages import Language


def _timeout(value: Any) -> timedelta:
    """``10s``, ``500ms``, ``2m`` or a number of seconds."""
    if isinstance(value, timedelta):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return timedelta(seconds=value)
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*(ms|s|m)\s*", str(value))
    if match is None and re.fullmatch(r"PT\d+(?:\.\d+)?S", str(value)):
        match = re.fullmatch(r"PT(\d+(?:\.\d+)?)(S)", str(value))  # as the models dump it
    if match is None:
        raise ValueError(f"{value!r} is not a timeout (write it like 10s, 500ms or 2m)")
    number, unit = float(match[1]), match[2].lower()
    seconds = number / 1000 if unit == "ms" else number * 60 if unit == "m" else number
    if not 0 < seconds <= 600:
        raise ValueError(f"{value!r}: a timeout is more than 0 and at most 10 minutes")
    return timedelta(seconds=seconds)


Timeout = Annotated[timedelta, BeforeValidator(_timeout)]

#: ``{version:addon-diba}``: the version of that component being deployed.
VERSION_PLACEHOLDER = re.compile(r"\{version:(?P<component>[A-Za-z0-9][\w.-]*)\}")
#: What a check looks at, for the neutral words a customer reads when its name is not given in
#: the customer's language ("el sistema", "la consola").
CheckKind = Literal["system", "console", "api", "server", "service", "database", "website"]
_CheckName = Annotated[str, StringConstraints(min_length=1, max_length=80)]
_HOST_PORT = re.compile(r"^(?P<host>\[[0-9A-Fa-f:]+\]|[A-Za-z0-9.-]+):(?P<port>\d{1,5})$")


class BasicAuth(StrictModel):
    """HTTP basic authentication; the password from the environment or a file."""

    user: str = Field(min_length=1, description="The login.")
    password_env: str | None = Field(
        default=None, description="The environment variable holding the password."
    )
    password_file: Path | None = Field(
        default=None, description="A file holding the password, instead of the variable."
    )

    @model_validator(mode="after")
    def _one_source(self) -> BasicAuth:
        if (self.password_env is None) == (self.password_file is None):
            raise ValueError("give the password as password_env or password_file (one of them)")
        return self


class LiveCheck(StrictModel):
    """One check: ``url`` (an HTTP(S) GET whose status and body are checked) or ``tcp``
    (``host:port`` accepts a connection)."""

    name: _CheckName | dict[Language, _CheckName] = Field(
        description=(
            "What is checked, as the team reads it (`la consola`): one name in the operator's "
            "language, or one per language (`{ca: …, es: …, en: …}`) for customers."
        ),
    )
    kind: CheckKind = Field(
        default="system",
        description=(
            "What sort of thing is checked (system, console, api, server, service, database, "
            "website): customers whose language has no name read it in neutral words."
        ),
    )
    url: str | None = Field(
        default=None,
        description=(
            "An HTTP(S) address to GET; `{version:NAME}` is the version of that component being "
            "deployed."
        ),
    )
    tcp: str | None = Field(
        default=None, description="A `host:port` that must accept a connection (instead of `url`)."
    )
    expect_status: int = Field(
        default=200, ge=100, le=599, description="The HTTP status the check expects."
    )
    expect_contains: str | None = Field(
        default=None, description="Text the answer's body must contain (`{version:NAME}` allowed)."
    )
    timeout: Timeout = Field(
        default=timedelta(seconds=10),
        description="How long the check may take (`10s`, `500ms`, `2m`).",
    )
    env: list[str] = Field(
        default=[], description="Only in these environments of the customer (all when empty)."
    )
    basic_auth: BasicAuth | None = Field(default=None, description="HTTP basic authentication.")
    bearer_env: str | None = Field(
        default=None, description="The environment variable holding a bearer token."
    )
    bearer_file: Path | None = Field(default=None, description="A file holding a bearer token.")
    client_cert_file: Path | None = Field(
        default=None,
        description="A client certificate (and its key, unless in the same file) for mutual TLS.",
    )
    client_key_file: Path | None = Field(default=None, description="The client certificate's key.")
    ca_file: Path | None = Field(
        default=None,
        description="The CA bundle that signs the server's certificate, when not a public one.",
    )

    @model_validator(mode="after")
    def _one_kind(self) -> LiveCheck:
        if (self.url is None) == (self.tcp is None):
            raise ValueError(f"check '{self.label}': give either url or tcp (exactly one)")
        if self.tcp is not None:
            self._tcp_target(self.tcp)
        elif not str(self.url).startswith(("http://", "https://")):
            raise ValueError(f"check '{self.label}': url must start with http:// or https://")
        if self.bearer_env and self.bearer_file:
            raise ValueError(f"check '{self.label}': give bearer_env or bearer_file, not both")
        return self

    @property
    def label(self) -> str:
        """The name the team and the records know the check by: the plain name, else the
        first one given."""
        if isinstance(self.name, str):
            return self.name
        return next(iter(self.name.values()), "")

    @staticmethod
    def _tcp_target(value: str) -> tuple[str, int]:
        match = _HOST_PORT.match(value)
        if match is None or not 0 < int(match["port"]) < 65536:
            raise ValueError(f"tcp '{value}' is not host:port (like sync.example:760)")
        return match["host"].strip("[]"), int(match["port"])

    @property
    def target(self) -> tuple[str, int]:
        """The host and port of a ``tcp`` check."""
        return self._tcp_target(self.tcp or "")

    @property
    def seconds(self) -> float:
        """The timeout in seconds."""
        return max(self.timeout.total_seconds(), 0.1)

    def applies_to(self, environment: str) -> bool:
        """Whether the check runs for deployments to ``environment``."""
        return not self.env or environment.casefold() in {e.casefold() for e in self.env}


class AlertmanagerConfig(StrictModel):
    """Prometheus Alertmanager: the alerts matching ``matchers`` are the customer's."""

    url: str = Field(description="The Alertmanager's address.")
    matchers: list[str] = Field(
        min_length=1,
        description='Alertmanager matchers selecting the customer\'s alerts (`customer="DIBA"`).',
    )
    bearer_env: str | None = Field(
        default=None, description="The environment variable holding a bearer token."
    )
    bearer_file: Path | None = Field(default=None, description="A file holding a bearer token.")
    timeout: Timeout = Field(
        default=timedelta(seconds=10), description="How long the read may take."
    )

    @field_validator("matchers")
    @classmethod
    def _matchers(cls, value: list[str]) -> list[str]:
        for matcher in value:
            if not re.match(r'^[A-Za-z_][A-Za-z0-9_]*(=|!=|=~|!~)".*"$', matcher):
                raise ValueError(f"'{matcher}' is not a matcher (write it like customer=\"DIBA\")")
        return value


class Monitoring(StrictModel):
    """Where the customer's machines are watched."""

    alertmanager: AlertmanagerConfig | None = Field(
        default=None, description="The Alertmanager whose alerts hold the close of a deployment."
    )
