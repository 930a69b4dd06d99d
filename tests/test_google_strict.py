"""The Google emulator is as strict as Google where a lenient answer would let a wrong request
pass: sign-in, scopes, sharing, shared drives, ``valueInputOption``, grid limits, queries."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import requests
from google.auth.transport.requests import Request
from google.oauth2 import service_account

from emulators.google_fields import parse_fields
from integrations.google_api import (
    GoogleApiError,
    GoogleApis,
    GoogleCredentialsError,
    GoogleSettings,
)
from tests.google_side import ACCOUNT, FOLDER, GoogleSide, key_file

SHARED_DRIVE = "0ASoffidSharedDriveUk9PVA"


def token_for(google: GoogleSide, scopes: list[str]) -> str:
    """An access token of deploybot's account for ``scopes`` (signed by the client library)."""
    info = json.loads(google.key_file.read_text())
    credentials = service_account.Credentials.from_service_account_info(info, scopes=scopes)  # type: ignore[no-untyped-call]
    credentials.refresh(Request())
    return str(credentials.token)


def get(google: GoogleSide, path: str, token: str, **params: Any) -> requests.Response:
    return requests.get(
        f"{google.url}{path}",
        params=params,
        headers={"Authorization": f"Bearer {token}"},
        timeout=5,
    )


def test_an_unknown_token_is_googles_401(google: GoogleSide) -> None:
    answer = get(google, "/drive/v3/files", "ya29.made-up")

    assert answer.status_code == 401
    assert answer.json()["error"]["status"] == "UNAUTHENTICATED"


def test_a_key_replaced_in_the_console_no_longer_signs_in(
    google: GoogleSide, tmp_path: Path
) -> None:
    old = tmp_path / "old.json"
    old.write_text(google.key_file.read_text())
    key_file(google.app, google.url, tmp_path, ACCOUNT)  # a new key: the old one's id is gone

    apis = GoogleApis(GoogleSettings(old, api_url=google.url))
    with pytest.raises(GoogleCredentialsError, match="Invalid JWT Signature"):
        apis.call("Google Drive: list", lambda: apis.service("drive").files().list().execute())


def test_a_token_without_the_drive_scope_is_refused(google: GoogleSide) -> None:
    token = token_for(google, ["https://www.googleapis.com/auth/calendar"])

    answer = get(google, "/drive/v3/files", token)

    assert answer.status_code == 403
    assert answer.json()["error"]["message"] == "Request had insufficient authentication scopes."


def test_a_shared_drive_item_wants_supports_all_drives(google: GoogleSide) -> None:
    token = token_for(google, ["https://www.googleapis.com/auth/drive"])

    assert get(google, f"/drive/v3/files/{FOLDER}", token).status_code == 404
    found = get(google, f"/drive/v3/files/{FOLDER}", token, supportsAllDrives="true")
    assert found.json() == {
        "kind": "drive#file",
        "id": FOLDER,
        "name": "DEPLOYMENTS",
        "mimeType": "application/vnd.google-apps.folder",
    }


def test_a_listing_leaves_shared_drives_out_unless_asked(google: GoogleSide) -> None:
    token = token_for(google, ["https://www.googleapis.com/auth/drive"])
    query = {"q": f"'{FOLDER}' in parents and trashed = false"}

    mine = get(google, "/drive/v3/files", token, **query).json()["files"]
    refused = get(google, "/drive/v3/files", token, includeItemsFromAllDrives="true", **query)
    everything = get(
        google,
        "/drive/v3/files",
        token,
        includeItemsFromAllDrives="true",
        supportsAllDrives="true",
        corpora="allDrives",
        **query,
    )

    assert mine == []
    assert refused.status_code == 403
    assert sorted(f["name"] for f in everything.json()["files"]) == [
        "TEMPLATE - Deployment log",
        "TEMPLATE - Deployment log.xlsx",
    ]


def test_a_folder_not_shared_with_the_account_does_not_exist_for_it(google: GoogleSide) -> None:
    del google.app.drive.access[SHARED_DRIVE][ACCOUNT]
    drive = google.apis.service("drive")

    with pytest.raises(GoogleApiError, match=f"File not found: {FOLDER}. \\(HTTP 404\\)"):
        google.apis.call(
            "Google Drive: open",
            lambda: drive.files().get(fileId=FOLDER, supportsAllDrives=True).execute(),
        )


@pytest.mark.parametrize(
    ("query", "found"),
    [
        ("name = 'TEMPLATE - Deployment log.xlsx'", 1),
        ("name contains 'template'", 2),
        ("mimeType = 'application/vnd.google-apps.spreadsheet'", 1),
        ("mimeType != 'application/vnd.google-apps.spreadsheet' and trashed = false", 2),
        ("name = 'it\\'s not there'", 0),
    ],
)
def test_drive_queries(google: GoogleSide, query: str, found: int) -> None:
    token = token_for(google, ["https://www.googleapis.com/auth/drive"])
    answer = get(
        google,
        "/drive/v3/files",
        token,
        q=query,
        includeItemsFromAllDrives="true",
        supportsAllDrives="true",
        corpora="allDrives",
    )

    assert len(answer.json()["files"]) == found


def test_a_query_drive_would_refuse_is_a_400(google: GoogleSide) -> None:
    token = token_for(google, ["https://www.googleapis.com/auth/drive"])

    answer = get(google, "/drive/v3/files", token, q="name = ")

    assert answer.status_code == 400
    assert answer.json()["error"]["errors"][0]["location"] == "q"


def sheet_id(google: GoogleSide) -> str:
    return next(
        f.id for f in google.app.drive.files.values() if f.name == "TEMPLATE - Deployment log"
    )


def test_sheets_wants_a_value_input_option(google: GoogleSide) -> None:
    values = google.person.service("sheets").spreadsheets().values()

    with pytest.raises(GoogleApiError, match="'valueInputOption' is required"):
        google.person.call(
            "write",
            lambda: values.batchUpdate(
                spreadsheetId=sheet_id(google), body={"data": [{"range": "A5", "values": [["x"]]}]}
            ).execute(),
        )


def test_sheets_refuses_a_write_beyond_the_grid(google: GoogleSide) -> None:
    values = google.person.service("sheets").spreadsheets().values()

    with pytest.raises(
        GoogleApiError, match=r"exceeds grid limits\. Max rows: 1000, max columns: 26"
    ):
        google.person.call(
            "write",
            lambda: values.update(
                spreadsheetId=sheet_id(google),
                range="Sheet1!AA1",
                valueInputOption="RAW",
                body={"values": [["x"]]},
            ).execute(),
        )


def test_a_reader_of_the_sheet_cannot_write_it(google: GoogleSide) -> None:
    google.app.drive.access[SHARED_DRIVE][ACCOUNT] = "reader"
    values = google.apis.service("sheets").spreadsheets().values()

    with pytest.raises(GoogleApiError, match="The caller does not have permission \\(HTTP 403\\)"):
        google.apis.call(
            "write",
            lambda: values.update(
                spreadsheetId=sheet_id(google),
                range="Sheet1!A5",
                valueInputOption="RAW",
                body={"values": [["x"]]},
            ).execute(),
        )


def test_fields_cut_every_answer(google: GoogleSide) -> None:
    sheets = google.person.service("sheets").spreadsheets()

    answer = google.person.call(
        "get",
        lambda: sheets.get(
            spreadsheetId=sheet_id(google), fields="sheets.properties(title)"
        ).execute(),
    )

    assert answer == {"sheets": [{"properties": {"title": "Sheet1"}}]}


@pytest.mark.parametrize(
    ("fields", "mask"),
    [
        (
            "files(id,name),nextPageToken",
            {"files": {"id": None, "name": None}, "nextPageToken": None},
        ),
        ("sheets.properties(title)", {"sheets": {"properties": {"title": None}}}),
        (
            "sheets.properties(sheetId,gridProperties.rowCount)",
            {"sheets": {"properties": {"sheetId": None, "gridProperties": {"rowCount": None}}}},
        ),
        ("a.b,a.c", {"a": {"b": None, "c": None}}),
        ("*", {"*": None}),
    ],
)
def test_fields_masks_read_as_google_reads_them(fields: str, mask: dict[str, Any]) -> None:
    assert parse_fields(fields) == mask


def test_an_unbalanced_fields_mask_is_a_400(google: GoogleSide) -> None:
    token = token_for(google, ["https://www.googleapis.com/auth/drive"])

    answer = get(google, "/drive/v3/files", token, fields="files(id")

    assert answer.status_code == 400
