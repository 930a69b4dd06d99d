"""The daemon as a process: it starts, works, and stops cleanly on SIGTERM."""

from __future__ import annotations

import hashlib
import hmac
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import requests
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import STATE_STOPPED
from click.testing import CliRunner

from bot.app.intake.gitlab_poll import DAEMON_STARTED
from bot.app.run.daemon import stop_handler
from bot.app.store import read_markers
from bot.cli import main
from emulators.server import RunningEmulator
from emulators.zammad import ZammadEmulator
from tests.servers import free_port


def test_daemon_acts_then_stops_gracefully_on_sigterm(
    config_file: Path,
    zammad: RunningEmulator,
) -> None:
    app: ZammadEmulator = zammad.app  # type: ignore[assignment]
    app.set_tags(4, ["deploy"])
    port = free_port()
    text = config_file.read_text(encoding="utf-8")
    text = text.replace(
        "  poll_seconds: 60\n", "  poll_seconds: 60\n  webhook_secret_env: HOOK_SECRET\n", 1
    )
    config_file.write_text(text.replace("  port: 8780\n", f"  port: {port}\n"), encoding="utf-8")
    env = {
        **os.environ,
        "ZAMMAD_TOKEN": "demo-token",
        "GITLAB_TOKEN": "demo-token",
        "HOOK_SECRET": "hook",
    }
    deploybot = Path(sys.executable).parent / "deploybot"
    process = subprocess.Popen(
        [str(deploybot), "run", "--config", str(config_file)],
        env=env, stderr=subprocess.PIPE, text=True, cwd=config_file.parent,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if any("deploybot ref" in a["body"] for a in app.ticket_articles(4)):
                break
            time.sleep(0.2)
        else:
            raise AssertionError("the daemon did not answer the tagged ticket in 30 s")
        # The note is posted inside the first cycle; health turns "ok" once the cycle ends.
        while time.monotonic() < deadline:
            health = requests.get(f"http://127.0.0.1:{port}/healthz", timeout=5)
            if health.json()["status"] != "starting":
                break
            time.sleep(0.1)
        assert health.status_code == 200 and health.json()["status"] == "ok"
        body = b"{}"
        signature = "sha1=" + hmac.new(b"hook", body, hashlib.sha1).hexdigest()
        hook = requests.post(
            f"http://127.0.0.1:{port}/webhooks/zammad",
            data=body,
            headers={"X-Hub-Signature": signature},
            timeout=5,
        )
        assert hook.status_code == 202
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, stderr
    assert (
        "daemon started: zammad every 60s, gitlab by polling (every project read every 300s)"
        in stderr
    )
    state = f"sqlite:///{config_file.parent / 'deploybot-state.sqlite'}"
    assert DAEMON_STARTED in read_markers(state, [DAEMON_STARTED])  # doctor asks since when
    assert "signal=SIGTERM stopping after the current effect" in stderr
    # The scheduler's own bookkeeping ("Running job …", "executed successfully") is not news.
    assert "apscheduler" not in stderr.replace("WARNING apscheduler", "")
    assert "daemon stopped" in stderr
    assert "event=deploy deployment=CAIB-2026-0001" in stderr


def test_a_second_daemon_on_the_same_sqlite_file_refuses_to_start(config_file: Path) -> None:
    state = config_file.parent / "deploybot-state.sqlite"
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import filelock, sys, time; lock = filelock.FileLock(sys.argv[1]); lock.acquire();"
         " print('held', flush=True); time.sleep(60)", f"{state}.daemon.lock"],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        env = {"ZAMMAD_TOKEN": "demo-token", "GITLAB_TOKEN": "demo-token"}
        result = CliRunner(env=env).invoke(main, ["run", "--config", str(config_file)])
        assert result.exit_code == 2
        assert f"another deploybot daemon already runs on {state}" in result.output
    finally:
        holder.kill()
        holder.wait()


def test_a_stop_signal_arriving_while_a_job_is_handed_over_does_not_wedge_the_daemon() -> None:
    """The signal handler runs in the main thread, which may be inside the executor's submit()
    holding its (non-reentrant) lock: stopping must not take that lock in the handler."""
    scheduler = BackgroundScheduler()
    scheduler.start()
    pool = scheduler._lookup_executor("default")._pool
    stopping = threading.Event()
    handler = stop_handler(stopping, scheduler)
    returned = threading.Event()

    def interrupted_submission() -> None:
        with pool._shutdown_lock:  # where the main thread is while it submits a job
            handler(signal.SIGTERM, None)
        returned.set()

    threading.Thread(target=interrupted_submission, daemon=True).start()

    assert returned.wait(3), "the stop handler blocked on the executor's lock"
    assert stopping.is_set()
    deadline = time.monotonic() + 3
    while scheduler.state != STATE_STOPPED and time.monotonic() < deadline:
        time.sleep(0.01)
    assert scheduler.state == STATE_STOPPED
