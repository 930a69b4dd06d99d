"""The lifecycle, pure: every transition and every event that does not apply in a state."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.config.loading import load_config
from bot.config.models import Config
from bot.domain.calendar.rules import Booking, Slot
from bot.domain.effects import (
    PostNote,
    PublishCalendarEvent,
    ScheduleTimer,
    SendEmail,
    SetTags,
    UpsertLogRow,
)
from bot.domain.events import (
    CancelRequested,
    DelayDue,
    DelayRequested,
    DetailsChanged,
    DoneRequested,
    Event,
    Origin,
    Requested,
    RollbackRequested,
    ScheduleRequested,
    StartRequested,
)
from bot.domain.lifecycle import apply
from bot.domain.model import Deployment, State, note_texts
from bot.domain.prerequisites.checks import check_prerequisites
from bot.domain.prerequisites.result import Report
from bot.domain.rendering import Renderer
from bot.resources import example_config_path
from tests.factories import at, component_facts, make_deployment, make_facts

BASE = load_config(example_config_path())
CONFIG: Config = BASE.model_copy(
    update={"provider": BASE.provider.model_copy(update={"language": "en"})}
)
RENDERER = Renderer()
NOW = at("2026-11-26 10:00")
TAG = Origin("tag", "marta", 1)
READY: Report = check_prerequisites(make_facts(), CONFIG)
FAILING: Report = check_prerequisites(
    make_facts(components=(component_facts(latest_version="3.2.12"),)), CONFIG
)
SLOT = at("2026-12-01 09:30")


def step(deployment: Deployment, event: Event, now=NOW):  # type: ignore[no-untyped-def]
    return apply(deployment, event, now, CONFIG, RENDERER)


def of(effects: list[object], kind: type) -> list:  # type: ignore[type-arg]
    return [effect for effect in effects if isinstance(effect, kind)]


def requested(**overrides: object) -> Deployment:
    return make_deployment(state=State.REQUESTED, planned_start=None, **overrides)


def ready() -> Deployment:
    return make_deployment(state=State.READY, planned_start=None, proposals=(SLOT,))


def scheduled() -> Deployment:
    return make_deployment(state=State.SCHEDULED, planned_start=SLOT)


def running() -> Deployment:
    return make_deployment(state=State.IN_PROGRESS, actual_start=SLOT)


def request_event(report: Report = READY) -> Requested:
    d = make_deployment()
    slots = (Slot(SLOT, SLOT + timedelta(minutes=15)),)
    return Requested(TAG, report, d.tickets, d.components, "PRO", slots)


def ignored_message(effects: list[object]) -> str:
    [note] = of(effects, PostNote)
    return str(note.html)


# -- requested ------------------------------------------------------------------------------


def test_ready_request_reports_tags_and_proposes_slots() -> None:
    new, effects = step(requested(), request_event())
    assert new.state is State.READY
    assert new.proposals == (SLOT,)
    notes = of(effects, PostNote)
    assert "all 13 prerequisites pass" in notes[0].html
    assert "deploy-slot-1" in notes[1].html and "Draft to send to DIBA" in notes[1].html
    tag_changes = of(effects, SetTags)
    assert {t.ticket_id for t in tag_changes} == {1, 2}
    assert all(t.add == ("deploy-ready",) and "deploy" in t.remove for t in tag_changes)
    assert not of(effects, SendEmail)


def test_blocked_request_reports_without_proposals() -> None:
    new, effects = step(requested(), request_event(FAILING))
    assert new.state is State.BLOCKED
    assert new.proposals == ()
    [note] = of(effects, PostNote)
    assert "1 of 13 prerequisites fail" in note.html
    assert all(t.add == ("deploy-blocked",) for t in of(effects, SetTags))


def test_a_request_once_scheduled_is_ignored_with_a_reason() -> None:
    new, effects = step(scheduled(), request_event())
    assert new.state is State.SCHEDULED
    assert "deploy ignored: DIBA-2026-0007 is already scheduled" in ignored_message(effects)


# -- scheduling -----------------------------------------------------------------------------


def test_schedule_books_logs_emails_and_tags() -> None:
    new, effects = step(ready(), ScheduleRequested(TAG, SLOT, report=READY))
    assert new.state is State.SCHEDULED and new.planned_start == SLOT
    kinds = [type(e).__name__ for e in effects]
    assert kinds[:4] == ["UpsertLogRow", "PublishCalendarEvent", "SendEmail", "SendEmail"]
    emails = of(effects, SendEmail)
    assert [e.email.message_id for e in emails] == [
        "<DIBA-2026-0007.schedule.0@soffid.example>",
        "<DIBA-2026-0007.invitation.0@soffid.example>",
    ]
    assert of(effects, UpsertLogRow)[0].row.status == "planned"
    assert all(t.add == ("deploy-scheduled",) for t in of(effects, SetTags))


def test_refuses_a_friday_and_says_why() -> None:
    friday = at("2026-12-04 09:30")
    new, effects = step(ready(), ScheduleRequested(TAG, friday, report=READY))
    assert new.state is State.READY and new.planned_start is None
    note = ignored_message(effects)
    assert "cannot be scheduled" in note and "it is a Friday" in note
    assert not of(effects, SendEmail) and not of(effects, UpsertLogRow)


def test_refuses_when_prerequisites_fail_at_scheduling_time() -> None:
    new, effects = step(ready(), ScheduleRequested(TAG, SLOT, report=FAILING))
    assert new.state is State.READY
    assert "release_is_latest" in ignored_message(effects)


def test_refuses_a_slot_taken_by_another_deployment_of_the_customer() -> None:
    other = Booking("DIBA-2026-0006", "DIBA", SLOT, SLOT + timedelta(minutes=30))
    new, effects = step(ready(), ScheduleRequested(TAG, SLOT, report=READY, bookings=(other,)))
    assert new.state is State.READY
    assert "DIBA-2026-0006" in ignored_message(effects)


def test_refuses_a_booking_more_than_max_days_ahead_unless_forced() -> None:
    far = at("2028-03-07 09:30")  # a Tuesday, about 460 days ahead
    new, effects = step(ready(), ScheduleRequested(TAG, far, report=READY))
    assert new.state is State.READY
    assert "more than 400 days ahead" in ignored_message(effects)
    forced = ScheduleRequested(TAG, far, report=READY, force="annual freeze window")
    assert step(ready(), forced)[0].state is State.SCHEDULED


def test_forced_schedule_records_the_reason_everywhere() -> None:
    friday = at("2026-12-04 09:30")
    event = ScheduleRequested(TAG, friday, force="security fix cannot wait", report=READY)
    new, effects = step(ready(), event)
    assert new.state is State.SCHEDULED
    assert new.forced == "security fix cannot wait"
    assert note_texts(new, "en") == (
        "Forced (it is a Friday; it is the eve of a non-working day (Saturday 05/12/2026); "
        "Friday is not in the window of DIBA (Monday–Thursday 09:00–13:00)): "
        "security fix cannot wait",
    )
    # The customer shares the log: a fixed sentence in Catalan, not the operator's reason or
    # the rules it broke; the team's event keeps the reason.
    log_notes = of(effects, UpsertLogRow)[0].row.notes or ""
    assert log_notes == "Data fixada per l'equip de suport fora de les condicions habituals"
    assert "security fix cannot wait" in of(effects, PublishCalendarEvent)[0].event.description


def test_reschedule_raises_the_calendar_sequence_and_the_email_sequence() -> None:
    later = at("2026-12-02 10:00")
    new, effects = step(scheduled(), ScheduleRequested(TAG, later, report=READY))
    assert new.calendar_sequence == 1 and new.planned_start == later
    assert of(effects, PublishCalendarEvent)[0].event.sequence == 1
    assert (
        of(effects, SendEmail)[0].email.message_id == "<DIBA-2026-0007.schedule.1@soffid.example>"
    )


def test_schedule_before_the_report_is_ignored() -> None:
    new, effects = step(requested(), ScheduleRequested(TAG, SLOT, report=READY))
    assert new.state is State.REQUESTED
    assert "is still waiting for its prerequisite report" in ignored_message(effects)


# -- start, delay, done ---------------------------------------------------------------------


def test_start_emails_posts_the_checklist_and_arms_the_delay_timer() -> None:
    new, effects = step(scheduled(), StartRequested(TAG, READY), now=SLOT)
    assert new.state is State.IN_PROGRESS and new.actual_start == SLOT
    assert of(effects, SendEmail)[0].email.message_id == "<DIBA-2026-0007.start.0@soffid.example>"
    assert any("Checklist for DIBA-2026-0007" in n.html for n in of(effects, PostNote))
    timers = {timer.name: timer.due for timer in of(effects, ScheduleTimer)}
    assert timers == {"delay": SLOT + timedelta(minutes=15 + 10), "reminder": None, "overdue": None}


def test_start_is_blocked_by_a_newer_release_unless_forced() -> None:
    new, effects = step(scheduled(), StartRequested(TAG, FAILING), now=SLOT)
    assert new.state is State.SCHEDULED
    assert "release_is_latest" in ignored_message(effects)
    forced, _ = step(scheduled(), StartRequested(TAG, FAILING, force="hotfix"), now=SLOT)
    assert forced.state is State.IN_PROGRESS
    [note] = note_texts(forced, "en")
    assert note.startswith("Started by force (release_is_latest: addon-diba 3.2.11")
    assert note.endswith("): hotfix")


def test_refuses_to_start_before_the_booked_slot_or_on_a_forbidden_day() -> None:
    booked = scheduled()  # Tuesday 1 December 2026, 09:30
    too_early, effects = step(booked, StartRequested(TAG, READY), now=at("2026-12-01 08:59"))
    assert too_early.state is State.SCHEDULED
    assert "outside the booked slot (01/12/2026 09:30–09:45)" in ignored_message(effects)
    assert not of(effects, SendEmail)
    friday, effects = step(booked, StartRequested(TAG, READY), now=at("2026-11-27 09:30"))
    assert friday.state is State.SCHEDULED
    assert "it is a Friday" in ignored_message(effects)
    just_in, _ = step(booked, StartRequested(TAG, READY), now=at("2026-12-01 09:00"))
    assert just_in.state is State.IN_PROGRESS
    late, _ = step(booked, StartRequested(TAG, READY), now=at("2026-12-01 09:46"))
    assert late.state is State.SCHEDULED


def test_a_forced_start_outside_the_slot_is_recorded() -> None:
    event = StartRequested(TAG, READY, force="the customer asked for today")
    new, effects = step(scheduled(), event, now=at("2026-11-27 09:30"))
    assert new.state is State.IN_PROGRESS
    [note] = note_texts(new, "en")
    assert note.endswith("): the customer asked for today")
    assert "it is a Friday" in note
    assert any("the customer asked for today" in n.html for n in of(effects, PostNote))
    row_notes = of(effects, UpsertLogRow)[0].row.notes or ""
    assert row_notes == "Iniciat per l'equip de suport fora de les condicions habituals"


def test_start_before_scheduling_explains_how_to_schedule() -> None:
    new, effects = step(ready(), StartRequested(TAG, READY))
    assert new.state is State.READY
    assert (
        "deploy-start ignored: DIBA-2026-0007 is not scheduled yet (ready) — schedule it first "
        "with /deploy schedule YYYY-MM-DD HH:MM"
    ) in ignored_message(effects)


def test_delay_timer_sends_one_delay_email_and_disarms() -> None:
    new, effects = step(running(), DelayDue(Origin("timer", "deploybot")))
    assert new.state is State.DELAYED and new.delays == 1
    assert of(effects, SendEmail)[0].email.message_id == "<DIBA-2026-0007.delay.0@soffid.example>"
    assert of(effects, SendEmail)[0].email.in_reply_to == "<DIBA-2026-0007.start.0@soffid.example>"
    assert of(effects, ScheduleTimer)[0].due is None
    again, more = step(new, DelayRequested(TAG))
    assert again.delays == 1 and not of(more, SendEmail)
    assert "already marked delayed" in ignored_message(more)


def test_delay_with_an_extension_re_arms_the_timer_and_names_the_new_end() -> None:
    new, effects = step(running(), DelayRequested(TAG, timedelta(minutes=30)))
    assert new.duration == timedelta(minutes=45) and new.state is State.DELAYED
    [timer] = of(effects, ScheduleTimer)
    assert timer.due == SLOT + timedelta(minutes=45 + 10)
    # DIBA reads Catalan in the example configuration.
    assert "Estimem que acabarà cap a les 10:15." in of(effects, SendEmail)[0].email.text


def test_a_timer_after_the_end_does_nothing() -> None:
    done = make_deployment(state=State.COMPLETED)
    new, effects = step(done, DelayDue(Origin("timer", "deploybot")))
    assert new.state is State.COMPLETED
    assert [type(e) for e in effects] == [ScheduleTimer]


def test_done_ends_in_the_start_thread_comments_every_ticket_and_closes_the_row() -> None:
    end = SLOT + timedelta(minutes=21)
    new, effects = step(running(), DoneRequested(TAG), now=end)
    assert new.state is State.COMPLETED and new.actual_end == end
    [email] = of(effects, SendEmail)
    assert email.email.in_reply_to == "<DIBA-2026-0007.start.0@soffid.example>"
    comments = [n for n in of(effects, PostNote) if n.public]
    assert [c.ticket_id for c in comments] == [1, 2]
    assert of(effects, UpsertLogRow)[0].row.duration == timedelta(minutes=21)
    assert of(effects, PublishCalendarEvent)[0].event.end == end
    assert all(t.add == ("deployed",) for t in of(effects, SetTags))


def test_done_before_start_is_ignored() -> None:
    new, effects = step(scheduled(), DoneRequested(TAG))
    assert new.state is State.SCHEDULED
    assert "tag deploy-start when it begins" in ignored_message(effects)


# -- rollback and cancel --------------------------------------------------------------------


def test_rollback_notifies_and_records_what_was_rolled_back_and_why() -> None:
    new, effects = step(running(), RollbackRequested(TAG, "login loop after restart"))
    assert new.state is State.ROLLED_BACK
    assert note_texts(new, "en")[-1] == (
        "Rolled back: addon-diba 3.2.11 → 3.2.10, iam-sync 3.2.1 → 3.2.0. "
        "Reason: login loop after restart"
    )
    # The reason is the operator's: the team's event keeps it, the customer's log row does not.
    row_notes = of(effects, UpsertLogRow)[0].row.notes or ""
    assert "login loop" not in row_notes
    assert row_notes == "Marxa enrere: addon-diba 3.2.11 → 3.2.10, iam-sync 3.2.1 → 3.2.0"
    assert "login loop" in of(effects, PublishCalendarEvent)[0].event.description
    # The tickets keep saying what happened to them.
    assert all(t.add == ("deploy-rolled-back",) for t in of(effects, SetTags))
    assert (
        of(effects, SendEmail)[0].email.message_id == "<DIBA-2026-0007.rollback.0@soffid.example>"
    )
    assert of(effects, UpsertLogRow)[0].row.status == "rolled_back"


def test_rollback_of_a_deployment_not_started_is_ignored() -> None:
    new, effects = step(scheduled(), RollbackRequested(TAG, "x"))
    assert new.state is State.SCHEDULED
    assert "is not in progress (scheduled)" in ignored_message(effects)


def test_cancel_after_scheduling_cancels_the_event_and_tells_the_customer() -> None:
    new, effects = step(scheduled(), CancelRequested(TAG, "customer freeze"))
    assert new.state is State.CANCELLED and new.calendar_sequence == 1
    [event] = of(effects, PublishCalendarEvent)
    assert event.event.cancelled and event.event.sequence == 1
    kinds = [e.email.message_id for e in of(effects, SendEmail)]
    assert kinds == [
        "<DIBA-2026-0007.cancel.1@soffid.example>",
        "<DIBA-2026-0007.invitation.1@soffid.example>",
    ]
    assert (
        of(effects, SendEmail)[0].email.in_reply_to == "<DIBA-2026-0007.schedule.1@soffid.example>"
    )


def test_cancel_before_anyone_was_told_only_notes() -> None:
    new, effects = step(ready(), CancelRequested(TAG))
    assert new.state is State.CANCELLED
    assert not of(effects, SendEmail) and not of(effects, PublishCalendarEvent)


def test_cancel_after_completion_is_ignored() -> None:
    new, effects = step(make_deployment(state=State.COMPLETED), CancelRequested(TAG))
    assert new.state is State.COMPLETED
    assert "is already completed" in ignored_message(effects)


def test_details_are_recorded_and_acknowledged() -> None:
    new, effects = step(ready(), DetailsChanged(TAG, restarts="only the syncservers"))
    assert new.restarts == "only the syncservers"
    assert "restart: only the syncservers" in ignored_message(effects)


# -- keys ---------------------------------------------------------------------------------------


def test_effect_keys_are_stable_and_unique_per_transition() -> None:
    first, effects = step(ready(), ScheduleRequested(TAG, SLOT, report=READY))
    _, same = step(ready(), ScheduleRequested(TAG, SLOT, report=READY))
    keys = [e.key for e in effects]
    assert keys == [e.key for e in same]
    assert len(set(keys)) == len(keys)
    assert all(key.startswith("DIBA-2026-0007/1/") for key in keys)
    _, later = step(first, CancelRequested(TAG))
    assert all(e.key.startswith("DIBA-2026-0007/2/") for e in later)


@pytest.mark.parametrize("state", [State.COMPLETED, State.ROLLED_BACK, State.CANCELLED])
def test_ended_deployments_accept_no_more_changes(state: State) -> None:
    ended = make_deployment(state=state)
    for event in (StartRequested(TAG, READY), DoneRequested(TAG), DelayRequested(TAG)):
        new, effects = step(ended, event)
        assert new.state is state
        assert not of(effects, SendEmail)
