"""The Google emulator answers in Google's shapes: every answer deploybot reads is checked against
the discovery document of its API (as google-api-python-client ships it), and the recorded
examples of ``tests/fixtures/google`` against both the documents and the emulator's answers."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import requests
from google.oauth2 import service_account
from googleapiclient.discovery_cache import get_static_doc

from tests.google_side import CALENDAR, FOLDER, GoogleSide
from tests.test_google_strict import token_for

FIXTURES = Path(__file__).parent / "fixtures" / "google"
ALL_SCOPES = ["https://www.googleapis.com/auth/drive", "https://www.googleapis.com/auth/calendar"]
DOCUMENTS = {
    "drive": json.loads(get_static_doc("drive", "v3") or "{}"),
    "sheets": json.loads(get_static_doc("sheets", "v4") or "{}"),
    "calendar": json.loads(get_static_doc("calendar", "v3") or "{}"),
}
_TYPES: dict[str, type | tuple[type, ...]] = {
    "string": str,
    "boolean": bool,
    "integer": int,
    "number": (int, float),
    "object": dict,
    "array": list,
}


def violations(value: Any, schema: dict[str, Any], api: str, where: str = "$") -> list[str]:
    """Where ``value`` leaves the schema: members the schema does not know, wrong types."""
    if "$ref" in schema:
        schema = DOCUMENTS[api]["schemas"][schema["$ref"]]
    kind = schema.get("type")
    if kind == "any" or (kind is None and "properties" not in schema):
        return []
    expected = _TYPES.get(str(kind or "object"), object)
    if not isinstance(value, expected) or (kind == "integer" and isinstance(value, bool)):
        return [f"{where}: {type(value).__name__} where the schema says {kind}"]
    found: list[str] = []
    if isinstance(value, list):
        for index, item in enumerate(value):
            found += violations(item, schema.get("items", {}), api, f"{where}[{index}]")
    elif isinstance(value, dict):
        known = schema.get("properties", {})
        extra = schema.get("additionalProperties")
        for key, item in value.items():
            if key in known:
                found += violations(item, known[key], api, f"{where}.{key}")
            elif extra is not None:
                found += violations(item, extra, api, f"{where}.{key}")
            else:
                found.append(f"{where}.{key}: not a member of the documented resource")
    return found


def call(google: GoogleSide, method: str, path: str, body: Any = None, **params: Any) -> Any:
    token = token_for(google, ALL_SCOPES)
    answer = requests.request(
        method,
        f"{google.url}{path}",
        params=params,
        json=body,
        headers={"Authorization": f"Bearer {token}"},
        timeout=5,
    )
    assert answer.ok, answer.text
    return answer.json()


def spreadsheet(google: GoogleSide) -> str:
    return next(
        f.id for f in google.app.drive.files.values() if f.name == "TEMPLATE - Deployment log"
    )


def xlsx(google: GoogleSide) -> str:
    return next(
        f.id for f in google.app.drive.files.values() if f.name == "TEMPLATE - Deployment log.xlsx"
    )


ROW_2 = {"sheetId": 0, "dimension": "ROWS", "startIndex": 1, "endIndex": 2}
MARK = {
    "metadataKey": "k",
    "metadataValue": "v",
    "location": {"dimensionRange": ROW_2},
    "visibility": "DOCUMENT",
}

EVENT = {
    "summary": "Despliegue DIBA PRO",
    "iCalUID": "DIBA-2026-0001@soffid.example",
    "sequence": 0,
    "start": {"dateTime": "2026-11-30T09:00:00+01:00", "timeZone": "Europe/Madrid"},
    "end": {"dateTime": "2026-11-30T10:00:00+01:00", "timeZone": "Europe/Madrid"},
}


def answers(google: GoogleSide) -> list[tuple[str, str, Any]]:
    """(api, schema, answer) of every kind of call deploybot makes, every member asked for."""
    book, file = spreadsheet(google), xlsx(google)
    drives = {"supportsAllDrives": "true", "fields": "*"}
    values = f"/v4/spreadsheets/{book}/values"
    cal = f"/calendar/v3/calendars/{CALENDAR}"
    return [
        ("drive", "File", call(google, "GET", f"/drive/v3/files/{file}", **drives)),
        (
            "drive",
            "FileList",
            call(
                google,
                "GET",
                "/drive/v3/files",
                q=f"'{FOLDER}' in parents",
                includeItemsFromAllDrives="true",
                corpora="allDrives",
                **drives,
            ),
        ),
        (
            "drive",
            "RevisionList",
            call(google, "GET", f"/drive/v3/files/{file}/revisions", fields="*"),
        ),
        (
            "drive",
            "File",
            call(
                google,
                "POST",
                f"/drive/v3/files/{book}/copy",
                {"name": "copy", "parents": [FOLDER]},
                **drives,
            ),
        ),
        (
            "sheets",
            "Spreadsheet",
            call(
                google,
                "GET",
                f"/v4/spreadsheets/{book}",
                includeGridData="true",
                ranges="Sheet1!A1:C1",
            ),
        ),
        (
            "sheets",
            "BatchGetValuesResponse",
            call(google, "GET", f"{values}:batchGet", ranges=["Sheet1", "Sheet1!A1:B2"]),
        ),
        (
            "sheets",
            "BatchUpdateValuesResponse",
            call(
                google,
                "POST",
                f"{values}:batchUpdate",
                {"valueInputOption": "RAW", "data": [{"range": "Sheet1!A2", "values": [["x"]]}]},
            ),
        ),
        (
            "sheets",
            "AppendValuesResponse",
            call(
                google,
                "POST",
                f"{values}/Sheet1!A1:T1:append",
                {"values": [["y", None, 3]]},
                valueInputOption="RAW",
            ),
        ),
        (
            "sheets",
            "BatchUpdateSpreadsheetResponse",
            call(
                google,
                "POST",
                f"/v4/spreadsheets/{book}:batchUpdate",
                {
                    "requests": [
                        {
                            "repeatCell": {
                                "range": {"sheetId": 0, "startColumnIndex": 2, "endColumnIndex": 3},
                                "cell": {
                                    "userEnteredFormat": {"numberFormat": {"type": "DATE_TIME"}}
                                },
                                "fields": "userEnteredFormat.numberFormat",
                            }
                        },
                        {"insertDimension": {"range": ROW_2}},
                        {"createDeveloperMetadata": {"developerMetadata": MARK}},
                    ]
                },
            ),
        ),
        (
            "sheets",
            "BatchUpdateValuesByDataFilterResponse",
            call(
                google,
                "POST",
                f"{values}:batchUpdateByDataFilter",
                {
                    "valueInputOption": "RAW",
                    "data": [
                        {
                            "dataFilter": {
                                "developerMetadataLookup": {
                                    "metadataKey": "k",
                                    "metadataValue": "v",
                                }
                            },
                            "values": [["DIBA-2026-0001", None, 46356.375]],
                        }
                    ],
                },
            ),
        ),
        ("calendar", "Calendar", call(google, "GET", cal)),
        ("calendar", "Event", call(google, "POST", f"{cal}/events", EVENT, sendUpdates="none")),
        (
            "calendar",
            "Events",
            call(google, "GET", f"{cal}/events", iCalUID=EVENT["iCalUID"], showDeleted="true"),
        ),
    ]


def test_every_answer_is_a_documented_resource(google: GoogleSide) -> None:
    problems = [
        f"{api} {schema}: {problem}"
        for api, schema, answer in answers(google)
        for problem in violations(answer, {"$ref": schema}, api)
    ]

    assert problems == []


RECORDED = [
    ("drive-files-list.json", "drive", "FileList"),
    ("drive-revisions-list.json", "drive", "RevisionList"),
    ("sheets-values-batchget.json", "sheets", "BatchGetValuesResponse"),
    ("sheets-values-batchupdate.json", "sheets", "BatchUpdateValuesResponse"),
    ("sheets-values-append.json", "sheets", "AppendValuesResponse"),
    ("calendar-events-list.json", "calendar", "Events"),
]


@pytest.mark.parametrize(("name", "api", "schema"), RECORDED)
def test_recorded_examples_are_documented_resources(name: str, api: str, schema: str) -> None:
    recorded = json.loads((FIXTURES / name).read_text(encoding="utf-8"))

    assert violations(recorded, {"$ref": schema}, api) == []


def members(value: Any) -> set[str]:
    """Every member path of a JSON value (list items merged)."""
    if isinstance(value, list):
        return {f"[]{path}" for item in value for path in members(item)}
    if isinstance(value, dict):
        return {f".{key}" for key in value} | {
            f".{key}{path}" for key, item in value.items() for path in members(item)
        }
    return set()


def test_the_emulator_answers_with_the_recorded_members(google: GoogleSide) -> None:
    by_schema = {schema: answer for _, schema, answer in answers(google)}
    missing = {}
    for name, _, schema in RECORDED:
        if schema not in by_schema:
            continue
        recorded = json.loads((FIXTURES / name).read_text(encoding="utf-8"))
        lacking = members(recorded) - members(by_schema[schema])
        if lacking:
            missing[name] = sorted(lacking)

    assert missing == {}


@pytest.mark.parametrize(
    ("name", "method", "path"),
    [
        ("drive-error-404.json", "GET", "/drive/v3/files/1x8oZbVqIj3Kfq2WcJgE9Xc0MzSx7Y2Ab"),
        ("calendar-error-attendees.json", "POST", f"/calendar/v3/calendars/{CALENDAR}/events"),
    ],
)
def test_errors_have_the_recorded_shape(
    google: GoogleSide, name: str, method: str, path: str
) -> None:
    recorded = json.loads((FIXTURES / name).read_text(encoding="utf-8"))
    body = {**EVENT, "attendees": [{"email": "npuig@diba.example"}]} if method == "POST" else None
    token = token_for(google, ALL_SCOPES)

    answer = requests.request(
        method,
        f"{google.url}{path}",
        json=body,
        timeout=5,
        headers={"Authorization": f"Bearer {token}"},
    )

    assert answer.status_code == recorded["error"]["code"]
    assert members(answer.json()) == members(recorded)
    assert answer.json()["error"]["message"] == recorded["error"]["message"]


def test_the_token_answer_has_the_documented_members(google: GoogleSide) -> None:
    recorded = json.loads((FIXTURES / "oauth-token.json").read_text(encoding="utf-8"))
    info = json.loads(google.key_file.read_text(encoding="utf-8"))
    credentials = service_account.Credentials.from_service_account_info(  # type: ignore[no-untyped-call]
        info, scopes=ALL_SCOPES
    )
    assertion = credentials._make_authorization_grant_assertion()

    answer = requests.post(
        f"{google.url}/token",
        data={"grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer", "assertion": assertion},
        timeout=5,
    )

    assert answer.status_code == 200
    assert set(answer.json()) == set(recorded)
    assert answer.json()["token_type"] == recorded["token_type"]


def test_the_schema_check_notices_what_google_would_never_send() -> None:
    assert violations({"kind": "drive#file", "colour": "red"}, {"$ref": "File"}, "drive") == [
        "$.colour: not a member of the documented resource"
    ]
    assert violations({"files": {}}, {"$ref": "FileList"}, "drive") == [
        "$.files: dict where the schema says array"
    ]
