"""The rules of a slot's hours: inside the customer's window, clear of other bookings (its own
customer's, and ``max_parallel`` of everyone's), and far enough ahead (``min_notice``).

The day's own rules (weekends, holidays, eves, vacations) are ``rules.day_reasons``; a slot is
allowed when neither refuses it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from bot.domain.calendar.rules import Booking, Reason, SlotRules, day_reasons
from bot.domain.texts import say, say_count
from bot.domain.texts.calendar import short_date, short_datetime


def _slot_text(start: datetime, end: datetime) -> str:
    return f"{short_date(start.date())} {start:%H:%M}–{end:%H:%M}"


def _overlaps(start: datetime, end: datetime, booking: Booking) -> bool:
    return start < booking.end and booking.start < end


def slot_reasons(
    rules: SlotRules,
    start: datetime,
    end: datetime,
    *,
    now: datetime,
    bookings: Sequence[Booking] = (),
) -> list[Reason]:
    """Every reason a concrete slot is refused: its day's reasons, then time, conflicts, notice.

    ``start`` and ``end`` must be timezone-aware; they are judged in the provider's zone.
    """
    reasons = day_reasons(rules, start.astimezone(rules.tz).date())
    return reasons + timing_reasons(rules, start, end, now=now, bookings=bookings)


def timing_reasons(
    rules: SlotRules,
    start: datetime,
    end: datetime,
    *,
    now: datetime,
    bookings: Sequence[Booking],
) -> list[Reason]:
    """Reasons that depend on the slot's hours, not its day: window, conflicts, notice."""
    lang = rules.language
    local_start = start.astimezone(rules.tz)
    local_end = end.astimezone(rules.tz)
    reasons: list[Reason] = []
    fits = (
        local_end.date() == local_start.date()
        and rules.window_start <= local_start.time()
        and local_end.time() <= rules.window_end
    )
    if not fits:
        reasons.append(
            Reason(
                "outside_window",
                say(
                    lang,
                    "outside_window_time",
                    slot=_slot_text(local_start, local_end),
                    customer=rules.customer,
                    window=rules.window_text(),
                ),
            )
        )
    reasons.extend(_conflicts(rules, local_start, local_end, bookings))
    earliest = now + rules.min_notice
    if start <= earliest:
        reasons.append(
            Reason(
                "past",
                say(
                    lang,
                    "past",
                    notice=_notice_text(rules.min_notice),
                    earliest=short_datetime(earliest.astimezone(rules.tz)),
                ),
            )
        )
    return reasons


def _notice_text(notice: timedelta) -> str:
    hours = notice.total_seconds() / 3600
    return f"{hours:g} h"


def _conflicts(
    rules: SlotRules, start: datetime, end: datetime, bookings: Sequence[Booking]
) -> list[Reason]:
    lang = rules.language
    overlapping = [b for b in bookings if _overlaps(start, end, b)]
    reasons = [
        Reason(
            "conflict",
            say(
                lang,
                "conflict_customer",
                other=b.id,
                customer=b.customer,
                slot=_slot_text(b.start.astimezone(rules.tz), b.end.astimezone(rules.tz)),
            ),
        )
        for b in overlapping
        if b.customer.casefold() == rules.customer.casefold()
    ]
    # Counting every overlapping booking is conservative: two of them may not overlap each
    # other, but a slot that touches max_parallel others is never the safe choice.
    if not reasons and len(overlapping) >= rules.max_parallel:
        reasons.append(
            Reason(
                "conflict",
                say_count(
                    lang,
                    "conflict_parallel",
                    len(overlapping),
                    others=", ".join(b.id for b in overlapping),
                    limit=rules.max_parallel,
                ),
            )
        )
    return reasons
