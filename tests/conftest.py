"""Shared fixtures: the example configuration and the Zammad and GitLab emulators."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Browser

from bot.cli.demo import Workbench, workbench
from bot.config.loading import load_config
from bot.resources import example_config_path
from emulators.gitlab import GitLabEmulator
from emulators.scenario import load_scenario
from emulators.server import RunningEmulator
from emulators.zammad import ZammadEmulator
from integrations.gitlab import GitLabClient
from integrations.retry import RetryPolicy
from integrations.zammad import ZammadClient
from tests.browser_side import CHROMIUM
from tests.google_side import GoogleSide, google_side
from tests.postgres import new_database, postgres_server, skip_reason

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Headless Chromium (``tests/browser_side.py``) for the tests of one module."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-dev-shm-usage"]
        )
        yield launched
        launched.close()


@pytest.fixture
def example_config() -> Path:
    """The shipped example configuration."""
    return example_config_path()


@pytest.fixture(scope="session")
def shipped_scenario() -> dict[str, Any]:
    """The shipped demo scenario, read once."""
    return load_scenario()


@pytest.fixture
def search_backend() -> str:
    """How the Zammad emulator searches: ``sql`` (no Elasticsearch, Zammad's default) unless a
    test is marked ``both_searches``."""
    return "sql"


@pytest.fixture
def demo_scenario(shipped_scenario: dict[str, Any], search_backend: str) -> dict[str, Any]:
    """The demo scenario on the Zammad search of this test (emulators copy what they keep)."""
    if search_backend == "sql":
        return shipped_scenario
    scenario = copy.deepcopy(shipped_scenario)
    scenario["zammad"]["search"] = search_backend
    return scenario


@pytest.fixture
def zammad(demo_scenario: dict[str, Any]) -> Iterator[RunningEmulator]:
    """A Zammad emulator on the demo scenario, on a free loopback port."""
    with RunningEmulator(ZammadEmulator(demo_scenario)) as running:
        yield running


@pytest.fixture
def gitlab(demo_scenario: dict[str, Any]) -> Iterator[RunningEmulator]:
    """A GitLab emulator on the demo scenario, on a free loopback port."""
    with RunningEmulator(GitLabEmulator(demo_scenario)) as running:
        yield running


@pytest.fixture
def google(demo_scenario: dict[str, Any], tmp_path: Path) -> Iterator[GoogleSide]:
    """The Google emulator (Drive, Sheets, Calendar) on the demo scenario, with deploybot's
    service account and a person of the team as its clients."""
    with google_side(demo_scenario, tmp_path) as side:
        yield side


@pytest.fixture
def sleeps() -> list[float]:
    """The delays a client asked to sleep (tests never really wait)."""
    return []


@pytest.fixture
def zammad_client(zammad: RunningEmulator, sleeps: list[float]) -> ZammadClient:
    """A Zammad client talking to the emulator, with sleeping recorded instead of done."""
    return ZammadClient(zammad.url, "demo-token", retry=RetryPolicy(sleep=sleeps.append))


@pytest.fixture
def gitlab_client(gitlab: RunningEmulator) -> GitLabClient:
    """A GitLab client talking to the emulator."""
    return GitLabClient(gitlab.url, "demo-token", max_retries=3)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Modules marked ``both_stores`` run every workbench test on SQLite and on PostgreSQL;
    tests marked ``both_searches`` run on a Zammad without and with Elasticsearch."""
    marked = metafunc.definition.get_closest_marker("both_stores") is not None
    if marked and "bench" in metafunc.fixturenames:
        metafunc.parametrize("store_kind", ["sqlite", "postgresql"])
    if metafunc.definition.get_closest_marker("both_searches") is not None:
        metafunc.parametrize("search_backend", ["sql", "es"])


@pytest.fixture
def store_kind() -> str:
    """Which store the workbench uses (SQLite unless a module asks for both)."""
    return "sqlite"


@pytest.fixture(scope="session")
def postgres() -> Iterator[str]:
    """A PostgreSQL server on loopback for the whole run (skips, saying why, where impossible)."""
    reason = skip_reason()
    if reason is not None:
        pytest.skip(reason)
    with postgres_server() as url:
        yield url


@pytest.fixture
def bench(
    tmp_path: Path, demo_scenario: dict[str, Any], store_kind: str, request: pytest.FixtureRequest
) -> Iterator[Workbench]:
    """The example configuration on emulators, with a store and files under tmp_path."""
    store_url = (
        new_database(request.getfixturevalue("postgres")) if store_kind == "postgresql" else None
    )
    config = load_config(example_config_path())
    with workbench(config, demo_scenario, tmp_path / "out", store_url=store_url) as built:
        yield built


@pytest.fixture
def config_file(tmp_path: Path, zammad: RunningEmulator, gitlab: RunningEmulator) -> Path:
    """The example configuration pointed at the emulators, its files under tmp_path."""
    text = example_config_path().read_text(encoding="utf-8")
    text = text.replace("http://127.0.0.1:8081", zammad.url).replace(
        "http://127.0.0.1:8082", gitlab.url
    )
    path = tmp_path / "deploybot.yaml"
    path.write_text(text, encoding="utf-8")
    return path
