"""Shared fixtures."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.resources import example_config_path

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def example_config() -> Path:
    """The shipped example configuration."""
    return example_config_path()
