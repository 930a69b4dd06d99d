"""How long the outgoing channels take: rendering, building emails, .ics, and the Excel log.

Run: .venv/bin/python benchmarks/bench_channels.py   (prints figures; not a timed test)
"""

from __future__ import annotations

import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import openpyxl
from timing import measure

from bot.config.loading import load_config
from bot.domain.model import ComponentVersion, Deployment, State, TicketRef
from bot.domain.notifications import calendar_event, compose_email, log_row
from bot.domain.rendering import EMAIL_KINDS, Renderer
from bot.resources import example_config_path
from integrations.calendar import to_ics
from integrations.deployment_log import DeploymentLog, write_template
from integrations.mail import build_message

NOW = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)


def main() -> None:
    config = load_config(example_config_path())
    renderer = Renderer()
    deployment = Deployment(
        id="DIBA-2026-0007",
        customer="DIBA",
        environment="PRO",
        state=State.SCHEDULED,
        requested_at=NOW,
        tickets=tuple(TicketRef(f"ES-74122{n:02d}", f"Ticket {n}") for n in range(5)),
        components=(ComponentVersion("addon-diba", "3.2.11", "3.2.10"),),
        planned_start=NOW + timedelta(days=5),
    )
    renderer.email("start", deployment, config, now=NOW)  # warm the template cache
    measure(
        "render every email kind (7 kinds, text+html)",
        50,
        lambda: [renderer.email(kind, deployment, config, now=NOW) for kind in EMAIL_KINDS],
    )
    measure(
        "compose + build one MIME start email",
        200,
        lambda: build_message(
            compose_email("start", deployment, config, renderer, now=NOW), date=NOW
        ),
    )
    measure(
        "calendar event + .ics",
        200,
        lambda: to_ics(calendar_event(deployment, config, renderer, now=NOW)),
    )
    with tempfile.TemporaryDirectory() as folder:
        log = DeploymentLog(Path(folder), "DIBA")
        measure("upsert into a new log (create from template)", 1, lambda: log.upsert_row(
            log_row(deployment, config)))  # fmt: skip
        workbook = openpyxl.load_workbook(write_template(log.path))
        for number in range(1, 1001):
            workbook.active.append([f"DIBA-2025-{number:04d}", NOW.replace(tzinfo=None)])
        workbook.save(log.path)
        measure(
            "upsert (update) in a 1,000-row log",
            10,
            lambda: log.upsert_row(log_row(deployment, config)),
        )


if __name__ == "__main__":
    main()
