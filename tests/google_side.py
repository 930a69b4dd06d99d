"""The emulated Google side of the tests: the emulator on the demo scenario, deploybot's key file
and clients, and a person of the team editing the same files through the same API."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import openpyxl

from emulators.google import GoogleEmulator
from emulators.server import RunningEmulator
from integrations.google_api import GoogleApis, GoogleSettings
from integrations.log_drive import DriveFolder
from integrations.retry import RetryPolicy

ACCOUNT = "deploybot@deploybot-demo.iam.gserviceaccount.com"
PERSON = "ana.garcia@soffid.example"
#: A Workspace tool's service account that acts for the person (domain-wide delegation).
PERSON_TOOL = "sheets-tool@deploybot-demo.iam.gserviceaccount.com"
FOLDER = "1DeploymentsFolderXk3mQ9"
CALENDAR = "despliegues@group.calendar.google.com"


@dataclass
class GoogleSide:
    """The emulator, deploybot's clients on it (sleeps recorded) and the person's."""

    app: GoogleEmulator
    url: str
    key_file: Path
    apis: GoogleApis
    person: GoogleApis
    sleeps: list[float] = field(default_factory=list)

    def requests(self, prefix: str = "") -> list[str]:
        """The endpoints asked so far (the token endpoint left out), optionally of one API."""
        return [
            e.endpoint
            for e in self.app.log
            if e.endpoint != "token" and e.endpoint.startswith(prefix)
        ]


def key_file(app: GoogleEmulator, url: str, folder: Path, account: str) -> Path:
    """A key file of ``account`` issued by the emulator."""
    path = folder / f"{account.split('@')[0]}.json"
    path.write_text(json.dumps(app.issue_key(account, f"{url}/token")), encoding="utf-8")
    return path


@contextmanager
def google_side(scenario: dict[str, Any], folder: Path, **emulator: Any) -> Iterator[GoogleSide]:
    """The Google emulator running on ``scenario`` with deploybot's and the person's clients."""
    app = GoogleEmulator(scenario, **emulator)
    with RunningEmulator(app) as server:
        sleeps: list[float] = []
        ours = key_file(app, server.url, folder, ACCOUNT)
        tool = key_file(app, server.url, folder, PERSON_TOOL)
        apis = GoogleApis(
            GoogleSettings(ours, api_url=server.url), RetryPolicy(sleep=sleeps.append)
        )
        person = GoogleApis(GoogleSettings(tool, impersonate=PERSON, api_url=server.url))
        yield GoogleSide(app, server.url, ours, apis, person, sleeps)


def person_edits_workbook(person: GoogleApis, name: str, cell: str, value: str) -> None:
    """A person opens the workbook from Drive, writes one cell and saves a new revision."""
    folder = DriveFolder(person, FOLDER)
    found = folder.find(name)
    assert found is not None
    data = folder.download(str(found["id"]), str(found["headRevisionId"]))
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    workbook.worksheets[0][cell] = value
    buffer = io.BytesIO()
    workbook.save(buffer)
    folder.upload(str(found["id"]), buffer.getvalue())


def workbook_cell(person: GoogleApis, name: str, cell: str) -> object:
    """One cell of the workbook's head revision in Drive."""
    folder = DriveFolder(person, FOLDER)
    found = folder.find(name)
    assert found is not None
    data = folder.download(str(found["id"]), str(found["headRevisionId"]))
    return openpyxl.load_workbook(io.BytesIO(data)).worksheets[0][cell].value
