"""The daemon's HTTP endpoint: signed Zammad webhooks wake the poll; health; metrics."""

from __future__ import annotations

import hashlib
import hmac
import logging

import pytest
from werkzeug.test import Client

from bot.app.web.webhook import ControlApp, signature_matches
from bot.cli.demo import Workbench
from emulators.server import Faults
from integrations.retry import RetryPolicy
from integrations.zammad import ZammadClient

pytestmark = pytest.mark.both_stores

SECRET = b"s3cret-webhook"


def signed(body: bytes, secret: bytes = SECRET) -> dict[str, str]:
    return {"X-Hub-Signature": "sha1=" + hmac.new(secret, body, hashlib.sha1).hexdigest()}


def client(bench: Workbench, woken: list[bool], secret: bytes | None = SECRET) -> Client:
    return Client(ControlApp(bench.service, secret, lambda: woken.append(True)))


def test_a_signed_webhook_wakes_the_zammad_poll(bench: Workbench) -> None:
    woken: list[bool] = []
    body = b'{"ticket": {"id": 1}, "article": {"id": 1005}}'
    response = client(bench, woken).post("/webhooks/zammad", data=body, headers=signed(body))
    assert response.status_code == 202
    assert woken == [True]


def test_a_webhook_with_a_wrong_or_missing_signature_is_refused(bench: Workbench) -> None:
    woken: list[bool] = []
    body = b'{"ticket": {"id": 1}}'
    http = client(bench, woken)
    assert http.post("/webhooks/zammad", data=body).status_code == 401
    forged = signed(body, b"guess")
    assert http.post("/webhooks/zammad", data=body, headers=forged).status_code == 401
    tampered = signed(body)
    assert http.post("/webhooks/zammad", data=body + b" ", headers=tampered).status_code == 401
    assert woken == []


def test_without_a_secret_the_webhook_is_off(bench: Workbench) -> None:
    woken: list[bool] = []
    body = b"{}"
    response = client(bench, woken, secret=None).post("/webhooks/zammad", data=body,
                                                      headers=signed(body))  # fmt: skip
    assert response.status_code == 404
    assert "webhook_secret_env" in response.get_data(as_text=True)
    assert woken == []


def test_signature_comparison() -> None:
    assert signature_matches(SECRET, b"x", signed(b"x")["X-Hub-Signature"])
    assert not signature_matches(SECRET, b"x", None)
    assert not signature_matches(SECRET, b"x", "sha1=00")


def test_health_says_starting_then_ok(bench: Workbench) -> None:
    http = client(bench, [])
    starting = http.get("/healthz").json
    assert starting is not None
    assert {k: starting[k] for k in ("status", "last_cycle_at", "last_cycle_errors")} == {
        "status": "starting", "last_cycle_at": None, "last_cycle_errors": [],
    }  # fmt: skip
    assert starting["failing"] == [] and set(starting["systems"]) == {
        "zammad", "gitlab", "email", "calendar", "log",
    }  # fmt: skip
    bench.cycle()
    data = http.get("/healthz").json
    assert data is not None and data["status"] == "ok"
    from datetime import timedelta

    bench.clock.advance(timedelta(hours=1))
    stale = http.get("/healthz")
    assert stale.status_code == 503 and stale.json["status"] == "stale"  # type: ignore[index]


def test_metrics_count_cycles_effects_and_deployments(bench: Workbench) -> None:
    bench.person_tags(1, "deploy")
    bench.cycle()
    text = client(bench, []).get("/metrics").get_data(as_text=True)
    assert "deploybot_cycles_total 1.0" in text
    # Ticket 1 alone: the report, its tags, the proposals.
    assert 'deploybot_effects_total{result="done"} 3.0' in text
    assert 'deploybot_deployments{state="ready"} 1.0' in text
    assert "deploybot_outbox_pending 0.0" in text


def test_health_is_degraded_while_zammad_refuses_the_token(bench: Workbench) -> None:
    url = bench.config.zammad.url
    assert url is not None
    bench.service.zammad = ZammadClient(url, "wrong-token",
                                        retry=RetryPolicy(sleep=lambda _: None))  # fmt: skip
    bench.cycle()
    answer = client(bench, []).get("/healthz")
    assert answer.status_code == 503
    data = answer.json
    assert data is not None and data["status"] == "degraded"
    assert data["failing"] == ["zammad"]
    assert "401" in data["systems"]["zammad"]["last_error"]
    assert "wrong-token" not in answer.get_data(as_text=True)


def test_a_gitlab_outage_is_one_line_per_cycle_and_the_outbox_still_drains(
    bench: Workbench, caplog: pytest.LogCaptureFixture
) -> None:
    bench.service.run_cycle(zammad=False, timers=False)  # the release window opens
    bench.gitlab.faults = Faults(error_rate=1.0, seed=3)
    bench.person_tags(4, "deploy-start")
    bench.service.poll_zammad()  # the answer is committed, not carried out yet
    assert bench.store.outbox.pending()
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="deploybot"):
        bench.service.run_cycle(zammad=False, timers=False)
    assert bench.store.outbox.pending() == []
    outage = [r for r in caplog.records if "poll=gitlab" in r.getMessage()]
    assert len(outage) == 1 and outage[0].exc_info is None
    assert bench.service.health.failing() == ["gitlab"]
