"""GitLab's objects as deploybot reads them: releases (and their pages, read lazily),
pipelines, deployments, packages."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, overload

from integrations.timestamps import parse_timestamp


@dataclass(frozen=True)
class AssetLink:
    """A release asset link (the published artifact, for ``artifact: release_link``)."""

    name: str
    url: str
    link_type: str | None


@dataclass(frozen=True)
class Release:
    """A GitLab release of a project."""

    project: str
    tag_name: str
    name: str
    description: str
    released_at: datetime | None
    upcoming: bool
    commit_sha: str | None
    links: tuple[AssetLink, ...]
    web_url: str | None

    @classmethod
    def from_json(cls, project: str, data: Mapping[str, Any]) -> Release:
        """Parse a release object."""
        assets = data.get("assets") or {}
        links = tuple(
            AssetLink(str(link.get("name", "")), str(link.get("url", "")), link.get("link_type"))
            for link in assets.get("links") or []
        )
        commit = data.get("commit") or {}
        return cls(
            project=project,
            tag_name=str(data["tag_name"]),
            name=str(data.get("name") or data["tag_name"]),
            description=str(data.get("description") or ""),
            released_at=parse_timestamp(data.get("released_at")),
            upcoming=bool(data.get("upcoming_release", False)),
            commit_sha=commit.get("id"),
            links=links,
            web_url=(data.get("_links") or {}).get("self"),
        )


@dataclass(frozen=True)
class Pipeline:
    """A CI pipeline."""

    id: int
    status: str
    ref: str | None
    sha: str | None
    web_url: str | None

    @property
    def succeeded(self) -> bool:
        """Whether the pipeline finished successfully."""
        return self.status == "success"


@dataclass(frozen=True)
class Deployment:
    """A GitLab deployment of a commit to an environment."""

    id: int
    status: str
    sha: str | None
    ref: str | None
    environment: str
    finished_at: datetime | None


@dataclass(frozen=True)
class Package:
    """A package in the project's package registry."""

    id: int
    name: str
    version: str
    package_type: str


class ReleasePages(Sequence[Release]):
    """A project's releases newest first, read page by page only as far as they are asked for
    (iterating stops early; ``len`` and indexing read everything)."""

    def __init__(self, source: Iterator[Release]) -> None:
        self._source = source
        self._read: list[Release] = []

    def __iter__(self) -> Iterator[Release]:
        index = 0
        while True:
            if index < len(self._read):
                yield self._read[index]
                index += 1
                continue
            following = next(self._source, None)
            if following is None:
                return
            self._read.append(following)

    def _all(self) -> list[Release]:
        for _ in self:
            pass
        return self._read

    def __len__(self) -> int:
        return len(self._all())

    @overload
    def __getitem__(self, index: int) -> Release: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[Release]: ...
    def __getitem__(self, index: int | slice) -> Release | Sequence[Release]:
        return self._all()[index]
