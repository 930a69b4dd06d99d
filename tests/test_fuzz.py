"""Property-based fuzzing of every text that enters from outside (ticket titles, notes and the
commands in them, organization names) through every channel: nothing raises, nothing wedges,
HTML is escaped, no CR or LF reaches a mail header, workbook cells stay text."""

from __future__ import annotations

import html
import tempfile
from datetime import datetime
from pathlib import Path

import icalendar
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.app.outbox.executors import message_for
from bot.config.models import Config
from bot.domain.effects import Email
from bot.domain.model import Deployment, State, TicketRef
from bot.domain.notifications import calendar_event, compose_email, log_row
from bot.domain.plain import plain
from bot.domain.prerequisites.checks import check_prerequisites
from bot.domain.rendering import EMAIL_KINDS, Renderer
from bot.domain.routing import NoteSeen, Reply, TicketSeen, route_note
from integrations.calendar import to_ics
from integrations.deployment_log import DeploymentLog
from tests.factories import customer_data, make_config, make_deployment, make_facts, ticket_facts

NOW = datetime.fromisoformat("2026-12-01T09:20:00+01:00")
CONFIG: Config = make_config(
    [customer_data(contacts={"managers": ["Núria <npuig@diba.example>"], "helpdesk": []})],
    email_domain="soffid.example",
)
RENDERER = Renderer()
HOSTILE = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=80
) | st.sampled_from(
    [
        "<script>alert(1)</script>",
        '=HYPERLINK("http://evil")',
        "Hola\r\nBcc: evil@example.com",
        "\x00\x07\x0b\x1b[31m",
        "&lt;b&gt; ' \" `",
        "@SUM(A1:A2)",
        "-1+1",
    ]
)
FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def with_title(title: str, state: State = State.IN_PROGRESS) -> Deployment:
    """A deployment whose ticket title came from outside (made plain where it entered)."""
    ticket = TicketRef("7412280", plain(title), id=1)
    return make_deployment(tickets=(ticket,), state=state, description=title, actual_start=NOW)


@FUZZ
@given(body=HOSTILE, command=st.sampled_from(["", "/deploy ", "/deploy schedule ", "/deploy x "]))
def test_any_note_routes_without_raising_and_replies_escaped(body: str, command: str) -> None:
    note = NoteSeen(1, "Marta", f"<p>{html.escape(command + body)}</p>")
    for deployment in (None, with_title("x", State.READY)):
        for routed in route_note(TicketSeen(1, "7412280"), note, deployment, CONFIG, RENDERER):
            if isinstance(routed, Reply):
                for effect in routed.effects:
                    text = getattr(effect, "html", "")
                    assert "<script" not in text


@FUZZ
@given(title=HOSTILE)
def test_any_title_reaches_every_email_safely(title: str) -> None:
    deployment = with_title(title)
    for kind in EMAIL_KINDS:
        email: Email = compose_email(kind, deployment, CONFIG, RENDERER, now=NOW)
        message = message_for(email, now=NOW)
        for name, value in message.items():
            assert "\r" not in str(value) and "\n" not in str(value).strip(), name
        assert "<script" not in email.html


@FUZZ
@given(title=HOSTILE)
def test_any_title_reaches_the_calendar_and_the_comments_safely(title: str) -> None:
    deployment = with_title(title)
    event = calendar_event(deployment, CONFIG, RENDERER, now=NOW)
    parsed = icalendar.Calendar.from_ical(to_ics(event))
    assert parsed.walk("VEVENT")
    comment = RENDERER.completion_comment(deployment, CONFIG, now=NOW)
    assert "<script" not in comment


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(title=HOSTILE)
def test_any_title_is_written_to_the_workbook_as_text(title: str) -> None:
    with tempfile.TemporaryDirectory() as folder:  # a new workbook for every example
        log = DeploymentLog(Path(folder), "DIBA", lock_dir=Path(folder) / "locks")
        log.upsert_row(log_row(with_title(title), CONFIG))
        [row] = log.read_rows()
    assert isinstance(row["description"], str | None)
    assert row["description"] == (plain(title) or None)


@FUZZ
@given(organization=HOSTILE, title=HOSTILE)
def test_any_organization_name_is_explained_not_crashed_on(organization: str, title: str) -> None:
    facts = make_facts(tickets=(ticket_facts(organization=organization, title=title),))
    report = check_prerequisites(facts, CONFIG)
    note = RENDERER.prerequisites_note(report, CONFIG)
    assert "<script" not in note
