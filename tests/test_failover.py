"""Two daemons on one PostgreSQL store: one leads, the other follows; kill -9 the leader in the
middle of a deployment and the follower completes it, with every note, email, log row and
calendar event exactly once."""

from __future__ import annotations

import collections
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import requests

from emulators.server import RunningEmulator
from emulators.zammad import ZammadEmulator
from integrations.deployment_log import DeploymentLog
from tests.postgres import new_database
from tests.servers import free_port, smtp_sink

pytestmark = pytest.mark.xdist_group("failover")


def wait_for(what: str, check: Callable[[], bool], seconds: float = 40) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {seconds} s: {what}")
        time.sleep(0.2)


def health(port: int) -> dict[str, object]:
    try:
        answer = requests.get(f"http://127.0.0.1:{port}/healthz", timeout=2).json()
    except requests.RequestException:
        return {}
    assert isinstance(answer, dict)
    return answer


def start_daemons(
    config_file: Path, database: str
) -> tuple[list[subprocess.Popen[str]], list[int]]:
    """Two ``deploybot run`` processes on one PostgreSQL store (the first one leads)."""
    text = config_file.read_text(encoding="utf-8")
    text = text.replace("sqlite:///deploybot-state.sqlite", database)
    text = text.replace("  poll_seconds: 60\n", "  poll_seconds: 5\n", 1)
    ports = [free_port(), free_port()]
    processes = []
    env = {**os.environ, "ZAMMAD_TOKEN": "demo-token", "GITLAB_TOKEN": "demo-token"}
    for index, port in enumerate(ports):
        path = config_file.parent / f"instance-{index}.yaml"
        path.write_text(text.replace("  port: 8780\n", f"  port: {port}\n"), encoding="utf-8")
        processes.append(subprocess.Popen(
            [str(Path(sys.executable).parent / "deploybot"), "run", "--config", str(path)],
            env=env, cwd=config_file.parent, stderr=subprocess.DEVNULL, text=True,
        ))  # fmt: skip
        if index == 0:
            wait_for("the first instance leads", lambda: health(ports[0]).get("role") == "leader")
    return processes, ports


def stop(processes: list[subprocess.Popen[str]]) -> None:
    for process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()


@pytest.fixture
def daemons(
    config_file: Path, postgres: str
) -> Iterator[tuple[list[subprocess.Popen[str]], list[int]]]:
    processes, ports = start_daemons(config_file, new_database(postgres))
    yield processes, ports
    stop(processes)


def test_the_follower_completes_a_deployment_the_leader_began(
    daemons: tuple[list[subprocess.Popen[str]], list[int]],
    zammad: RunningEmulator,
    config_file: Path,
) -> None:
    processes, ports = daemons
    app: ZammadEmulator = zammad.app  # type: ignore[assignment]
    wait_for("the second instance follows", lambda: health(ports[1]).get("role") == "follower")

    def tagged(tag: str) -> Callable[[], bool]:
        return lambda: tag in app.tags[1]

    app.set_tags(1, [*app.tags[1], "deploy"])
    wait_for("the request is ready", tagged("deploy-ready"))
    app.set_tags(1, [*app.tags[1], "deploy-slot-1"])
    wait_for("the slot is booked", tagged("deploy-scheduled"))
    processes[0].send_signal(signal.SIGKILL)  # the leader dies in the middle of the deployment
    processes[0].wait()
    app.add_article(1, body="<p>/deploy start force: failover test</p>", internal=True,
                    type_="note", sender="Agent", author="marta.vidal@soffid.example")  # fmt: skip
    app._touch(1)
    wait_for("the follower took over and started", tagged("deploy-in-progress"), 60)
    assert health(ports[1]).get("role") == "leader"
    app.set_tags(1, [*app.tags[1], "deploy-done"])
    wait_for("the deployment is completed", tagged("deployed"))

    markers = [line for a in app.ticket_articles(1) for line in a["body"].splitlines()
               if "deploybot ref" in line]  # fmt: skip
    assert [m for m, n in collections.Counter(markers).items() if n > 1] == []
    mails = list((config_file.parent / "mail-out").glob("*.eml"))
    kinds = collections.Counter(path.name.split(".")[1] for path in mails)
    assert kinds == {"schedule": 1, "invitation": 1, "start": 1, "end": 1}
    assert len(DeploymentLog(config_file.parent / "DEPLOYMENTS", "DIBA").read_rows()) == 1
    assert len(list((config_file.parent / "calendar").glob("*.ics"))) == 1


def test_a_leader_that_loses_its_lock_mid_email_and_the_new_leader_send_it_once(
    config_file: Path, postgres: str, zammad: RunningEmulator
) -> None:
    """Two instances on one host shared their outbox claims (keyed by the host name): with
    the leader's lock connection cut while its schedule email sat at a slow SMTP server, the
    new leader sent it too and the customer got it twice."""
    import psycopg

    database = new_database(postgres)
    with smtp_sink(slow_seconds=12) as sink:
        text = config_file.read_text(encoding="utf-8").replace(
            "smtp:\n  transport: directory\n  directory: mail-out\n",
            f"smtp:\n  transport: smtp\n  host: 127.0.0.1\n  port: {sink.port}\n"
            "  starttls: false\n",
        )
        config_file.write_text(text, encoding="utf-8")
        processes, ports = start_daemons(config_file, database)
        try:
            app: ZammadEmulator = zammad.app  # type: ignore[assignment]
            wait_for(
                "the second instance follows", lambda: health(ports[1]).get("role") == "follower"
            )
            app.set_tags(1, [*app.tags[1], "deploy"])
            wait_for("the request is ready", lambda: "deploy-ready" in app.tags[1])
            app.set_tags(1, [*app.tags[1], "deploy-slot-1"])
            wait_for("an email is at the slow server", sink.in_data.is_set, 60)
            dsn = database.replace("postgresql+psycopg://", "postgresql://")
            with psycopg.connect(dsn, autocommit=True) as admin:
                cut = admin.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory'"
                ).fetchall()
            assert cut, "no advisory lock to cut"
            wait_for("the follower leads", lambda: health(ports[1]).get("role") == "leader", 30)
            wait_for("every email was delivered", lambda: len(sink.received) >= 2, 90)
            time.sleep(6)  # one more poll of each instance: nothing more goes out
        finally:
            stop(processes)
    ids = collections.Counter(str(r.message["Message-ID"]) for r in sink.received)
    assert [i for i, n in ids.items() if n > 1] == []
    kinds = collections.Counter(i.split(".")[1] for i in ids)
    assert kinds["schedule"] == 1
