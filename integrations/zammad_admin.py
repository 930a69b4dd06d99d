"""Zammad's admin API, as far as deploybot's setup uses it: tags (``tag_list``), roles and the
admin objects (overviews, macros, webhooks, triggers), listed and created by name.

An admin token is needed; an agent's gets ``ZammadPermissionError`` (403 Not authorized).
"""

from __future__ import annotations

from typing import Any

from integrations.zammad import ZammadClient


class ZammadAdminClient(ZammadClient):
    """A Zammad client with the admin calls of ``deploybot setup zammad``."""

    def tag_names(self) -> list[str]:
        """Every tag Zammad knows (``GET /tag_list``, admins only)."""
        return [str(item["name"]) for item in self._request("GET", "/tag_list") or []]

    def create_tag(self, name: str) -> None:
        """Create a tag (``POST /tag_list``); creating one that exists changes nothing."""
        self._request("POST", "/tag_list", json={"name": name})

    def role_id(self, name: str) -> int | None:
        """The id of the role called ``name`` (``Agent``), if any."""
        roles = self._request("GET", "/roles") or []
        return next((int(role["id"]) for role in roles if role.get("name") == name), None)

    def objects(self, collection: str) -> list[dict[str, Any]]:
        """Every object of an admin collection (``overviews``, ``macros`` …)."""
        return list(self._request("GET", f"/{collection}") or [])

    def create(self, collection: str, body: dict[str, Any]) -> dict[str, Any]:
        """Create one object in an admin collection; returns it as Zammad stored it."""
        return dict(self._request("POST", f"/{collection}", json=body))
