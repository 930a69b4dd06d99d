"""Secrets come from an environment variable or a file, never from the configuration itself."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path


class MissingSecretError(RuntimeError):
    """A secret that is configured but not available; the message names where it was looked for."""


def read_secret(
    env_name: str | None,
    file_path: Path | None,
    *,
    what: str,
    environ: Mapping[str, str] | None = None,
) -> str:
    """The secret from ``file_path`` if given, else from the environment variable ``env_name``."""
    if file_path is not None:
        try:
            value = file_path.read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise MissingSecretError(f"{what}: cannot read {file_path}: {exc.strerror}") from None
        if not value:
            raise MissingSecretError(f"{what}: {file_path} is empty")
        return value
    env = os.environ if environ is None else environ
    if env_name and env.get(env_name, "").strip():
        return env[env_name].strip()
    raise MissingSecretError(
        f"{what}: set the environment variable {env_name}"
        if env_name
        else f"{what}: not configured"
    )
