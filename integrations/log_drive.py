"""The deployment log as ``.xlsx`` files in a Google Drive folder (a shared drive's too).

deploybot finds ``<CUSTOMER> - Deployment log.xlsx`` by name in the folder (copying the
template file there when it is missing), downloads it, updates the deployment's row with the
same code as the folder backend, and uploads a new revision. Drive takes no conditional writes,
so a person's edit is protected twice: before uploading, deploybot checks that the head revision
is still the one it read (else it reads again); after uploading, it checks that no one else's
revision slipped in between (else it builds again on that revision and uploads once more).
Drive keeps every revision, so nothing deploybot writes over is ever gone.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

from googleapiclient.http import MediaIoBaseUpload
from openpyxl.workbook.workbook import Workbook

from integrations.google_api import GoogleApis
from integrations.log_columns import (
    DeploymentLogError,
    LogConflictError,
    LogRow,
    require_known_status,
)
from integrations.log_workbook import (
    apply_row,
    build_template,
    read_workbook,
    workbook_bytes,
    workbook_rows,
    workbook_summary,
)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_DRIVES = {"supportsAllDrives": True}
_RESTORE = " from its version history in Drive (File > Version history)"


def drive_query_text(value: str) -> str:
    """A value quoted for Drive's ``q``: backslashes and single quotes escaped."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


class DriveFolder:
    """One Drive folder: files found by name, created, copied, downloaded and uploaded."""

    def __init__(self, apis: GoogleApis, folder_id: str) -> None:
        self.apis = apis
        self.folder_id = folder_id

    @property
    def drive(self) -> Any:
        """The Drive v3 client."""
        return self.apis.service("drive")

    def check(self) -> str:
        """Whether the folder is there and deploybot may add files to it; says its name."""
        answer = self.apis.call(
            "Google Drive: open the log folder",
            lambda: (
                self.drive.files()
                .get(
                    fileId=self.folder_id,
                    fields="name,driveId,capabilities(canAddChildren)",
                    **_DRIVES,
                )
                .execute()
            ),
        )
        if not answer.get("capabilities", {}).get("canAddChildren"):
            raise PermissionError(
                f"the Drive folder {answer.get('name')!r} is read-only for {self.apis.account}: "
                "share it with the service account as Editor (Content manager on a shared drive)"
            )
        where = " (in a shared drive)" if answer.get("driveId") else ""
        return f"folder {answer.get('name')!r}{where}: deploybot may add and change files"

    def find(self, name: str, mime_type: str | None = None) -> dict[str, Any] | None:
        """The file of that name in the folder (id, name, headRevisionId), or None; two files of
        one name are an error, since deploybot must not guess which is the log."""
        query = f"name = {drive_query_text(name)} and {drive_query_text(self.folder_id)} in parents"
        query += " and trashed = false"
        if mime_type is not None:
            query += f" and mimeType = {drive_query_text(mime_type)}"
        found = self.apis.call(
            f"Google Drive: find {name!r}",
            lambda: (
                self.drive.files()
                .list(
                    q=query,
                    fields="files(id,name,mimeType,headRevisionId)",
                    corpora="allDrives",
                    includeItemsFromAllDrives=True,
                    pageSize=10,
                    **_DRIVES,
                )
                .execute()
            ),
        )["files"]
        if len(found) > 1:
            raise DeploymentLogError(
                f"the Drive folder holds {len(found)} files named {name!r}: deploybot will not "
                "guess which is the log — rename or remove all but one"
            )
        return found[0] if found else None

    def created(self, what: str, name: str, make: Callable[[], Any]) -> dict[str, Any]:
        """A new file made once: a creation whose answer is lost (the file may exist) is not
        sent again blindly — the folder is searched for the name first, and the file found is
        the one made. A blind retry had left two files of the log's name, which blocks the log
        until a person removes one."""
        made = self.apis.once(
            lambda: dict(self.apis.call(f"{what} {name!r}", make, retry=False)),
            lambda: self.find(name),
        )
        if made is None:
            raise DeploymentLogError(
                f"Google Drive did not create {name!r}; deploybot will try again"
            )
        return made

    def copy(self, source_id: str, name: str) -> dict[str, Any]:
        """A copy of ``source_id`` in the folder, named ``name`` (made once)."""
        body = {"name": name, "parents": [self.folder_id]}
        return self.created(
            "Google Drive: copy the template to",
            name,
            lambda: (
                self.drive.files()
                .copy(fileId=source_id, body=body, fields="id,name,headRevisionId", **_DRIVES)
                .execute()
            ),
        )

    def upload_new(self, name: str, content: bytes, mime_type: str = XLSX) -> dict[str, Any]:
        """A new file of that name and content in the folder (made once)."""
        body = {"name": name, "parents": [self.folder_id], "mimeType": mime_type}
        return self.created(
            "Google Drive: create",
            name,
            lambda: (
                self.drive.files()
                .create(
                    body=body,
                    media_body=MediaIoBaseUpload(io.BytesIO(content), XLSX, resumable=False),
                    fields="id,name,headRevisionId",
                    **_DRIVES,
                )
                .execute()
            ),
        )

    def head(self, file_id: str) -> str:
        """The file's head revision id now."""
        answer = self.apis.call(
            "Google Drive: read the log's revision",
            lambda: (
                self.drive.files().get(fileId=file_id, fields="headRevisionId", **_DRIVES).execute()
            ),
        )
        return str(answer["headRevisionId"])

    def download(self, file_id: str, revision_id: str) -> bytes:
        """The content of one revision of the file."""
        content = self.apis.call(
            "Google Drive: download the log",
            lambda: (
                self.drive.revisions().get_media(fileId=file_id, revisionId=revision_id).execute()
            ),
        )
        return bytes(content)

    def upload(self, file_id: str, content: bytes) -> str:
        """Upload a new revision; its id."""
        media = MediaIoBaseUpload(io.BytesIO(content), XLSX, resumable=False)
        answer = self.apis.call(
            "Google Drive: upload the log",
            lambda: (
                self.drive.files()
                .update(fileId=file_id, media_body=media, fields="headRevisionId", **_DRIVES)
                .execute()
            ),
        )
        return str(answer["headRevisionId"])

    def revisions(self, file_id: str) -> list[str]:
        """The file's revision ids, oldest first."""
        ids: list[str] = []
        token: str | None = None
        while True:
            listing = self.drive.revisions().list(
                fileId=file_id, fields="nextPageToken,revisions(id)", pageSize=1000, pageToken=token
            )
            answer = self.apis.call("Google Drive: list the log's revisions", listing.execute)
            ids.extend(str(item["id"]) for item in answer.get("revisions", []))
            token = answer.get("nextPageToken")
            if not token:
                return ids


class DriveDeploymentLog:
    """One customer's ``.xlsx`` log in a Drive folder."""

    #: How often deploybot builds its row again on someone else's newer revision before it
    #: gives up for this round (the outbox retries later).
    ATTEMPTS = 4

    def __init__(
        self,
        apis: GoogleApis,
        folder_id: str,
        customer: str,
        *,
        template_name: str = "TEMPLATE - Deployment log.xlsx",
        language: str = "es",
    ) -> None:
        self.folder = DriveFolder(apis, folder_id)
        self.customer = customer
        self.template_name = template_name
        self.language = language

    @property
    def name(self) -> str:
        """``<CUSTOMER> - Deployment log.xlsx``."""
        return f"{self.customer} - Deployment log.xlsx"

    def _file(self) -> tuple[str, str]:
        """(file id, head revision) of the log, created from the template when missing."""
        found = self.folder.find(self.name)
        if found is None:
            template = self.folder.find(self.template_name)
            if template is not None:
                found = self.folder.copy(str(template["id"]), self.name)
            else:
                content = workbook_bytes(build_template(self.language))
                found = self.folder.upload_new(self.name, content)
        return str(found["id"]), str(found["headRevisionId"])

    def upsert_row(self, row: LogRow) -> int:
        """Add or update the deployment's row in a new revision; a revision someone else
        uploaded meanwhile is built on, never written over."""
        require_known_status(row.status)
        file_id, base = self._file()
        ours: set[str] = set()
        for _ in range(self.ATTEMPTS):
            workbook = read_workbook(self.folder.download(file_id, base), self.name, where=_RESTORE)
            number = apply_row(workbook, row, self.name)
            head = self.folder.head(file_id)
            if head != base and head not in ours:
                base = head  # someone saved since we read: read their version
                continue
            written = self.folder.upload(file_id, workbook_bytes(workbook))
            ours.add(written)
            revisions = self.folder.revisions(file_id)
            between = (
                revisions[revisions.index(base) + 1 : revisions.index(written)]
                if (base in revisions and written in revisions)
                else []
            )
            theirs = [revision for revision in between if revision not in ours]
            if not theirs:
                return number
            base = theirs[-1]  # saved between our check and our upload: build on it again
        raise LogConflictError(
            f"{self.name} in Drive kept changing while deploybot wrote its row "
            f"({self.ATTEMPTS} attempts); deploybot will try again"
        )

    def check(self) -> str:
        """Whether deploybot can write this log: the folder is writable and an existing log
        opens and has its columns. Writes nothing."""
        found = self.folder.find(self.name)
        if found is None:
            template = self.folder.find(self.template_name)
            source = (
                f"copied from {self.template_name!r}"
                if template
                else "made from deploybot's template"
            )
            return f"no {self.name} yet: it will be {source}"
        return workbook_summary(self._workbook(found), self.name)

    def read_rows(self) -> list[dict[str, object]]:
        """Every data row as {field: value} for deploybot's columns."""
        found = self.folder.find(self.name)
        return [] if found is None else workbook_rows(self._workbook(found), self.name)

    def _workbook(self, found: dict[str, Any]) -> Workbook:
        """The head revision of the file ``find`` answered with, as a workbook."""
        data = self.folder.download(str(found["id"]), str(found["headRevisionId"]))
        return read_workbook(data, self.name, where=_RESTORE)
