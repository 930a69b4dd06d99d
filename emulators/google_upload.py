"""Drive's simple uploads: the bytes alone (``uploadType=media``) or metadata and bytes in one
``multipart/related`` body (``uploadType=multipart``), as the client library sends them."""

from __future__ import annotations

import json
import re
from typing import Any

from werkzeug.wrappers import Request, Response

from emulators.google_fields import google_error


def upload_parts(request: Request) -> tuple[dict[str, Any], bytes] | Response:
    """(metadata, content) of a simple upload: ``uploadType=media`` or ``multipart``."""
    kind = request.args.get("uploadType")
    data = request.get_data()
    if kind == "media":
        return {}, data
    if kind != "multipart":
        return google_error(
            400, "Invalid Value", "INVALID_ARGUMENT", reason="invalid", location="uploadType"
        )
    found = re.search(r'boundary="?([^";]+)"?', request.headers.get("Content-Type", ""))
    if found is None:
        return google_error(
            400, "Malformed multipart body.", "INVALID_ARGUMENT", reason="badContent"
        )
    parts = []
    for chunk in data.split(b"--" + found.group(1).encode())[1:]:
        if chunk.startswith(b"--"):
            break
        chunk = chunk.removeprefix(b"\r\n").removeprefix(b"\n")
        ends = [index for index in (chunk.find(b"\r\n\r\n"), chunk.find(b"\n\n")) if index >= 0]
        if not ends:
            continue
        cut = min(ends)
        payload = chunk[cut + (4 if chunk.startswith(b"\r\n\r\n", cut) else 2) :]
        parts.append(
            payload.removesuffix(b"\r\n")
            if payload.endswith(b"\r\n")
            else payload.removesuffix(b"\n")
        )
    if len(parts) != 2:
        return google_error(
            400, "Malformed multipart body.", "INVALID_ARGUMENT", reason="badContent"
        )
    return json.loads(parts[0] or b"{}"), parts[1]
