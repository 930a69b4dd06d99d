"""Drive v3 as deploybot uses it: find a file by name in a folder (shared drives included),
download it, upload a new revision, copy a template, list and download revisions.

Access is Drive's: a principal sees a file when it (or the shared drive holding it) was shared
with it; a reader cannot write; items of a shared drive answer 404 to a request without
``supportsAllDrives=true`` and are left out of a listing without ``includeItemsFromAllDrives``.
"""

from __future__ import annotations

import functools
import hashlib
import secrets
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from werkzeug.wrappers import Request, Response

from emulators.google_fields import answer, google_error, select_fields
from emulators.google_query import DriveQuery, QueryError
from emulators.google_upload import upload_parts
from emulators.server import json_response
from integrations.log_columns import COLUMNS, column_header
from integrations.log_workbook import build_template, workbook_bytes

#: Drive v3 and Calendar v3 errors carry no ``status`` member.
_error = functools.partial(google_error, with_status=False)

if TYPE_CHECKING:
    from emulators.google import GoogleEmulator
    from emulators.google_sheets import SheetsApi

FOLDER = "application/vnd.google-apps.folder"
SHEET = "application/vnd.google-apps.spreadsheet"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_WRITE_ROLES = frozenset({"owner", "organizer", "fileOrganizer", "writer"})
_DEFAULT_FIELDS = "kind,id,name,mimeType"


@dataclass
class Revision:
    """One stored version of a binary file."""

    id: str
    content: bytes
    modified: str
    author: str


@dataclass
class DriveFile:
    """A file, folder or native Google document."""

    id: str
    name: str
    mime_type: str
    parents: list[str]
    drive_id: str | None
    created: str
    modified: str
    author: str
    revisions: list[Revision] = field(default_factory=list)
    trashed: bool = False
    version: int = 1

    @property
    def binary(self) -> bool:
        """Whether it has content of its own (Google's native documents and folders do not)."""
        return not self.mime_type.startswith("application/vnd.google-apps.")


def template_bytes() -> bytes:
    """deploybot's shipped log template, as an ``.xlsx`` file."""
    return workbook_bytes(build_template("es"))


def template_rows() -> list[list[Any]]:
    """The header row of deploybot's log template, for a template Sheet."""
    return [[column_header(key, "es") for key in COLUMNS]]


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _user(email: str) -> dict[str, Any]:
    return {
        "kind": "drive#user",
        "displayName": email.split("@")[0],
        "emailAddress": email,
        "me": False,
    }


class DriveApi:
    """The Drive state (files, shared drives, who may see what) and its routes."""

    def __init__(self, app: GoogleEmulator, seed: dict[str, Any]) -> None:
        self.app = app
        self.files: dict[str, DriveFile] = {}
        self.drives: dict[str, str] = {}
        #: file, folder or shared drive id → {email: role}
        self.access: dict[str, dict[str, str]] = {}
        for drive in seed.get("shared_drives", []):
            self.drives[str(drive["id"])] = str(drive["name"])
            self.access[str(drive["id"])] = dict(drive.get("members", {}))

    def register(self) -> None:
        """Drive's routes on the emulator."""
        route = self.app.route
        route("/drive/v3/files", "drive.files.list", ["GET"], self._list)
        route("/drive/v3/files", "drive.files.create", ["POST"], self._create)
        route("/upload/drive/v3/files", "drive.files.upload", ["POST"], self._upload_new)
        route("/drive/v3/files/<file_id>", "drive.files.get", ["GET"], self._get)
        route("/drive/v3/files/<file_id>", "drive.files.update", ["PATCH"], self._update)
        route(
            "/upload/drive/v3/files/<file_id>",
            "drive.files.upload_update",
            ["PATCH"],
            self._upload_revision,
        )
        route("/drive/v3/files/<file_id>/copy", "drive.files.copy", ["POST"], self._copy)
        route(
            "/drive/v3/files/<file_id>/revisions", "drive.revisions.list", ["GET"], self._revisions
        )
        route(
            "/drive/v3/files/<file_id>/revisions/<revision_id>",
            "drive.revisions.get",
            ["GET"],
            self._revision,
        )

    # --- state ----------------------------------------------------------------------------

    def seed_files(self, seed: dict[str, Any], sheets: SheetsApi) -> None:
        """Folders and files of the scenario. A file's ``content: template`` (or a Sheet's
        ``rows: template``) is deploybot's shipped template."""
        author = str(seed.get("person", "person@example.com"))
        for folder in seed.get("folders", []):
            parent = str(folder.get("parent", "")) or None
            made = self.add(str(folder["name"]), FOLDER, parent, author, file_id=str(folder["id"]))
            if "shared_with" in folder:
                self.access[made.id] = dict(folder["shared_with"])
        for item in seed.get("files", []):
            parent, name = str(item["parent"]), str(item["name"])
            if item.get("kind") == "sheet":
                rows = item.get("rows", [])
                made = self.add(name, SHEET, parent, author)
                sheets.create_for(made.id, name, template_rows() if rows == "template" else rows)
            else:
                content = item.get("content", b"")
                data = template_bytes() if content == "template" else str(content).encode()
                self.add(name, XLSX, parent, author, data)

    def add(
        self,
        name: str,
        mime_type: str,
        parent: str | None,
        author: str,
        content: bytes | None = None,
        *,
        file_id: str | None = None,
        drive_id: str | None = None,
    ) -> DriveFile:
        """A new file in ``parent`` (which gives it its shared drive)."""
        now = _stamp(self.app.clock())
        if parent is not None and parent in self.files:
            drive_id = self.files[parent].drive_id
        elif parent is not None and parent in self.drives:
            drive_id = parent
        made = DriveFile(
            file_id or "1" + secrets.token_urlsafe(24),
            name,
            mime_type,
            [parent] if parent else [],
            drive_id,
            now,
            now,
            author,
        )
        if content is not None and made.binary:
            made.revisions.append(Revision(self._revision_id(), content, now, author))
        self.files[made.id] = made
        return made

    def write(self, file: DriveFile, content: bytes, author: str) -> Revision:
        """A new head revision of ``file`` (what an upload does)."""
        now = _stamp(self.app.clock())
        revision = Revision(self._revision_id(), content, now, author)
        file.revisions.append(revision)
        file.modified = now
        file.version += 1
        return revision

    @staticmethod
    def _revision_id() -> str:
        return "0B" + secrets.token_urlsafe(30)

    def role(self, principal: str, file: DriveFile) -> str | None:
        """The principal's role on ``file``: shared with it directly, through a folder above
        it, or as a member of its shared drive."""
        seen: set[str] = set()
        pending = [file.id]
        while pending:
            current = pending.pop()
            if current in seen:
                continue
            seen.add(current)
            role = self.access.get(current, {}).get(principal)
            if role is not None:
                return role
            if current in self.files:
                pending.extend(self.files[current].parents)
        if file.drive_id is not None:
            return self.access.get(file.drive_id, {}).get(principal)
        return None

    def resource(self, file: DriveFile, principal: str) -> dict[str, Any]:
        """The file as Drive's ``File`` resource."""
        writable = self.role(principal, file) in _WRITE_ROLES
        body: dict[str, Any] = {
            "kind": "drive#file",
            "id": file.id,
            "name": file.name,
            "mimeType": file.mime_type,
            "parents": file.parents,
            "trashed": file.trashed,
            "createdTime": file.created,
            "modifiedTime": file.modified,
            "version": str(file.version),
            "webViewLink": f"https://drive.google.com/file/d/{file.id}/view",
            "lastModifyingUser": _user(
                file.revisions[-1].author if file.revisions else file.author
            ),
            "capabilities": {
                "canEdit": writable,
                "canAddChildren": writable and file.mime_type == FOLDER,
                "canDownload": True,
            },
        }
        if file.drive_id is not None:
            body["driveId"] = file.drive_id
        if file.binary and file.revisions:
            head = file.revisions[-1]
            body.update(
                headRevisionId=head.id,
                size=str(len(head.content)),
                md5Checksum=hashlib.md5(head.content).hexdigest(),
            )
        return body

    # --- answers ----------------------------------------------------------------------------

    def _denied(self, request: Request) -> Response | None:
        return self.app.scope_error(request, "drive")

    def visible(
        self, request: Request, file_id: str, *, all_drives_flag: bool = True
    ) -> DriveFile | Response:
        """The file, or Drive's 404 when the caller cannot see it (Drive does not say 403). A
        shared drive's item wants ``supportsAllDrives=true`` where the method takes it."""
        denied = self._denied(request)
        if denied is not None:
            return denied
        file = self.files.get(file_id)
        principal = self.app.grant(request).principal
        hidden = file is None or self.role(principal, file) is None
        if not hidden and file is not None and file.drive_id is not None and all_drives_flag:
            hidden = request.args.get("supportsAllDrives") != "true"
        if hidden or file is None:
            return _error(
                404,
                f"File not found: {file_id}.",
                "NOT_FOUND",
                reason="notFound",
                location="fileId",
            )
        return file

    def writable(self, request: Request, file_id: str) -> DriveFile | Response:
        """The file, if the caller may change it (else Drive's 403)."""
        file = self.visible(request, file_id)
        if (
            isinstance(file, DriveFile)
            and self.role(self.app.grant(request).principal, file) not in _WRITE_ROLES
        ):
            return _error(
                403,
                "The user does not have sufficient permissions for this file.",
                "PERMISSION_DENIED",
                reason="insufficientFilePermissions",
            )
        return file

    def _list(self, request: Request) -> Response:
        denied = self._denied(request)
        if denied is not None:
            return denied
        args = request.args
        all_drives = args.get("includeItemsFromAllDrives") == "true"
        if all_drives and args.get("supportsAllDrives") != "true":
            return _error(
                403,
                "The includeItemsFromAllDrives parameter can only be set "
                "to true when supportsAllDrives is true.",
                "PERMISSION_DENIED",
                reason="teamDrivesParameterNotSupported",
            )
        corpora = args.get("corpora", "user")
        try:
            query = DriveQuery.parse(args.get("q", ""))
        except QueryError as error:
            return _error(
                400, f"Invalid Value: {error}", "INVALID_ARGUMENT", reason="invalid", location="q"
            )
        principal = self.app.grant(request).principal
        found = []
        for file in self.files.values():
            if self.role(principal, file) is None or not query.matches(file):
                continue
            if file.drive_id is not None and not (
                all_drives and (corpora == "allDrives" or args.get("driveId") == file.drive_id)
            ):
                continue
            found.append(self.resource(file, principal))
        found.sort(key=lambda item: str(item["name"]))
        body = {"kind": "drive#fileList", "incompleteSearch": False, "files": found}
        return self._answer(request, body, "files(kind,id,name,mimeType)")

    def _answer(
        self,
        request: Request,
        body: dict[str, Any],
        default: str = _DEFAULT_FIELDS,
        status: int = 200,
    ) -> Response:
        if "fields" not in request.args:
            return json_response(select_fields(body, f"kind,{default}"), status)
        return answer(request, body, status)

    def _get(self, request: Request, file_id: str) -> Response:
        file = self.visible(request, file_id)
        if isinstance(file, Response):
            return file
        if request.args.get("alt") == "media":
            if not file.binary or not file.revisions:
                return _error(
                    403,
                    "Only files with binary content can be downloaded. "
                    "Use Export with Docs Editors files.",
                    "PERMISSION_DENIED",
                    reason="fileNotDownloadable",
                    location="alt",
                )
            return Response(file.revisions[-1].content, content_type=file.mime_type)
        return self._answer(request, self.resource(file, self.app.grant(request).principal))

    def _parent_for_new(self, request: Request, parents: list[str]) -> str | Response:
        if len(parents) != 1:
            return _error(
                400,
                "A file must have exactly one parent here.",
                "INVALID_ARGUMENT",
                reason="invalidParents",
            )
        folder = self.writable(request, parents[0])
        return folder if isinstance(folder, Response) else folder.id

    def _create(self, request: Request) -> Response:
        meta = request.get_json(silent=True) or {}
        return self._make(request, meta, None)

    def _make(self, request: Request, meta: dict[str, Any], content: bytes | None) -> Response:
        parent = self._parent_for_new(request, list(meta.get("parents", [])))
        if isinstance(parent, Response):
            return parent
        grant = self.app.grant(request)
        made = self.add(
            str(meta.get("name", "Untitled")),
            str(meta.get("mimeType", XLSX)),
            parent,
            grant.principal,
            content if content is not None else b"",
        )
        if made.mime_type == SHEET:
            self.app.sheets.create_for(made.id, made.name, [])
        return self._answer(request, self.resource(made, grant.principal))

    def _upload_new(self, request: Request) -> Response:
        parsed = upload_parts(request)
        if isinstance(parsed, Response):
            return parsed
        meta, content = parsed
        return self._make(request, meta, content)

    def _upload_revision(self, request: Request, file_id: str) -> Response:
        file = self.writable(request, file_id)
        if isinstance(file, Response):
            return file
        parsed = upload_parts(request)
        if isinstance(parsed, Response):
            return parsed
        _, content = parsed
        principal = self.app.grant(request).principal
        self.write(file, content, principal)
        return self._answer(request, self.resource(file, principal))

    def _update(self, request: Request, file_id: str) -> Response:
        file = self.writable(request, file_id)
        if isinstance(file, Response):
            return file
        meta = request.get_json(silent=True) or {}
        if "name" in meta:
            file.name = str(meta["name"])
        return self._answer(request, self.resource(file, self.app.grant(request).principal))

    def _copy(self, request: Request, file_id: str) -> Response:
        source = self.visible(request, file_id)
        if isinstance(source, Response):
            return source
        meta = request.get_json(silent=True) or {}
        parent = self._parent_for_new(request, list(meta.get("parents", source.parents)))
        if isinstance(parent, Response):
            return parent
        principal = self.app.grant(request).principal
        content = source.revisions[-1].content if source.revisions else None
        made = self.add(
            str(meta.get("name", f"Copy of {source.name}")),
            source.mime_type,
            parent,
            principal,
            content,
        )
        if source.mime_type == SHEET:
            self.app.sheets.copy(source.id, made.id, made.name)
        return self._answer(request, self.resource(made, principal))

    def _revisions(self, request: Request, file_id: str) -> Response:
        file = self.visible(request, file_id, all_drives_flag=False)
        if isinstance(file, Response):
            return file
        items = [_revision(file, revision) for revision in file.revisions]
        body = {"kind": "drive#revisionList", "revisions": items}
        return self._answer(request, body, "revisions(kind,id,mimeType,modifiedTime)")

    def _revision(self, request: Request, file_id: str, revision_id: str) -> Response:
        file = self.visible(request, file_id, all_drives_flag=False)
        if isinstance(file, Response):
            return file
        for revision in file.revisions:
            if revision.id == revision_id:
                if request.args.get("alt") == "media":
                    return Response(revision.content, content_type=file.mime_type)
                return self._answer(request, _revision(file, revision), "id,mimeType,modifiedTime")
        return _error(
            404,
            f"Revision not found: {revision_id}.",
            "NOT_FOUND",
            reason="notFound",
            location="revisionId",
        )


def _revision(file: DriveFile, revision: Revision) -> dict[str, Any]:
    return {
        "kind": "drive#revision",
        "id": revision.id,
        "mimeType": file.mime_type,
        "modifiedTime": revision.modified,
        "keepForever": False,
        "size": str(len(revision.content)),
        "lastModifyingUser": _user(revision.author),
        "md5Checksum": hashlib.md5(revision.content).hexdigest(),
        "originalFilename": file.name,
    }
