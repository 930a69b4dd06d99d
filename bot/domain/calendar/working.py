"""The provider's working time: which days the team works (Monday to Friday, not its public
holidays, extra days or vacations) and moments a number of working hours or days ahead — the
clock of a customer's choice waiting for the team."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.domain.calendar.rules import Side, public_holidays

#: Ten years of days: a bound on every search, never reached by a sane setting.
_SEARCH_DAYS = 3660


@dataclass(frozen=True)
class WorkingTime:
    """The team's days (``side``) and office hours, in its time zone."""

    side: Side
    tz: ZoneInfo
    opens: time
    closes: time

    def working_day(self, day: date) -> bool:
        """Whether the team works on ``day``."""
        side = self.side
        if day.weekday() >= 5 or day in side.extra:
            return False
        if any(closure.covers(day) for closure in side.vacations):
            return False
        return day not in public_holidays(side.country, side.subdiv, day.year, "en")

    def after_hours(self, start: datetime, amount: timedelta) -> datetime:
        """The moment ``amount`` of working time after ``start``: only the office hours of
        working days count (Friday 17:00 plus 4 hours, office 09:00–18:00: Monday 12:00)."""
        moment, left = start.astimezone(self.tz), amount
        for _ in range(_SEARCH_DAYS):
            day = moment.date()
            if self.working_day(day):
                begin = max(moment, datetime.combine(day, self.opens, tzinfo=self.tz))
                end = datetime.combine(day, self.closes, tzinfo=self.tz)
                if begin < end:
                    if left <= end - begin:
                        return begin + left
                    left -= end - begin
            moment = datetime.combine(day + timedelta(days=1), time(0), tzinfo=self.tz)
        raise ValueError("no working time within ten years")

    def after_days(self, start: datetime, days: int) -> datetime:
        """The same time of day ``days`` working days after ``start`` (out of hours, counted
        from the next opening): Monday 10:05 plus 2 days is Wednesday 10:05."""
        begin = self.after_hours(start, timedelta(0))
        day, left = begin.date(), days
        for _ in range(_SEARCH_DAYS):
            if not left:
                break
            day += timedelta(days=1)
            left -= self.working_day(day)
        return datetime.combine(day, begin.time(), tzinfo=self.tz)
