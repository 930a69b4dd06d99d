"""What every Google API answer shares: partial answers cut to a ``fields`` mask, and the JSON
error shape (``{"error": {"code", "message", "status", "errors": [...]}}``)."""

from __future__ import annotations

from typing import Any

from werkzeug.wrappers import Request, Response

from emulators.server import json_response

Mask = dict[str, "Mask | None"]


def parse_fields(text: str) -> Mask:
    """A ``fields`` parameter as a tree: ``files(id,name),nextPageToken`` →
    {files: {id: None, name: None}, nextPageToken: None}; ``a.b`` is ``a(b)``."""
    mask, rest = _parse_list(text.replace(" ", ""))
    if rest:
        raise ValueError(f"Invalid field selection {text}")
    return mask


def _parse_list(text: str) -> tuple[Mask, str]:
    mask: Mask = {}
    while text and text[0] != ")":
        name_end = len(text)
        for index, char in enumerate(text):
            if char in ",().":
                name_end = index
                break
        name, text = text[:name_end], text[name_end:]
        child: Mask | None = None
        if text.startswith("("):
            child, text = _parse_list(text[1:])
            if not text.startswith(")"):
                raise ValueError("Invalid field selection: unbalanced parentheses")
            text = text[1:]
        elif text.startswith("."):
            child, text = _parse_step(text[1:])
        existing = mask.get(name)
        mask[name] = _merge(existing, child) if name in mask else child
        if text.startswith(","):
            text = text[1:]
    return mask, text


def _parse_step(text: str) -> tuple[Mask, str]:
    """What follows ``a.`` (``b.c(d)``, up to the next ``,`` or ``)`` of this level) as the
    mask of ``a``'s members."""
    end = len(text)
    depth = 0
    for index, char in enumerate(text):
        if char == "(":
            depth += 1
        elif char == ")":
            if depth == 0:
                end = index
                break
            depth -= 1
        elif char == "," and depth == 0:
            end = index
            break
    mask, rest = _parse_list(text[:end])
    if rest:
        raise ValueError("Invalid field selection")
    return mask, text[end:]


def _merge(left: Mask | None, right: Mask | None) -> Mask | None:
    if left is None or right is None:
        return None
    merged = dict(left)
    for key, value in right.items():
        merged[key] = _merge(merged[key], value) if key in merged else value
    return merged


def apply_mask(value: Any, mask: Mask | None) -> Any:
    """``value`` with only the masked members (lists are masked item by item)."""
    if mask is None or "*" in mask:
        return value
    if isinstance(value, list):
        return [apply_mask(item, mask) for item in value]
    if isinstance(value, dict):
        return {key: apply_mask(value[key], sub) for key, sub in mask.items() if key in value}
    return value


def select_fields(body: dict[str, Any], fields: str | None) -> dict[str, Any]:
    """The answer cut to ``fields`` (all of it without one)."""
    if not fields:
        return body
    cut: dict[str, Any] = apply_mask(body, parse_fields(fields))
    return cut


def answer(request: Request, body: dict[str, Any], status: int = 200) -> Response:
    """A JSON answer cut to the request's ``fields`` parameter, as every Google API does; a
    mask that does not parse is Google's 400."""
    try:
        return json_response(select_fields(body, request.args.get("fields")), status)
    except ValueError as error:
        return google_error(400, str(error), "INVALID_ARGUMENT", reason="invalidParameter")


def google_error(
    code: int,
    message: str,
    status: str,
    *,
    reason: str | None = None,
    domain: str = "global",
    location: str | None = None,
    with_status: bool = True,
) -> Response:
    """An error in the shape Google's JSON APIs answer with. Drive v3 and Calendar v3 answer
    without ``status`` (``with_status=False``); Sheets v4 and sign-in errors carry it."""
    error: dict[str, Any] = {"code": code, "message": message}
    if with_status:
        error["status"] = status
    if reason is not None:
        detail: dict[str, str] = {"message": message, "domain": domain, "reason": reason}
        if location is not None:
            detail.update(location=location, locationType="parameter")
        error["errors"] = [detail]
    return json_response({"error": error}, code)
