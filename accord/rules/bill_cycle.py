"""Bill periods of a monthly bill cycle, and when a change of bill day takes effect. Pure: no I/O.

A monthly cycle with bill day d cuts the calendar at day d of every month: a bill period is
[day d of a month, day d of the next month), end exclusive. Bill days are 1-28, so day d exists in
every month."""

from __future__ import annotations

from datetime import date

from accord.rules.orders import add_months


def period_start(day: date, bill_day: int) -> date:
    """The first day of the bill period that contains `day`."""
    start = day.replace(day=bill_day)
    return start if start <= day else add_months(start, -1)


def bill_period(day: date, bill_day: int) -> tuple[date, date]:
    """The bill period that contains `day`: [start, end)."""
    start = period_start(day, bill_day)
    return start, add_months(start, 1)


def next_period_start(day: date, bill_day: int) -> date:
    """The first day of the bill period after the one that contains `day`."""
    return bill_period(day, bill_day)[1]


def bill_day_change_effective(today: date, current_bill_day: int) -> date:
    """A new bill day takes effect from the next bill period: the current period (under the current
    bill day) runs to its end, and the first period under the new bill day starts there."""
    return next_period_start(today, current_bill_day)


def bill_day_on(day: date, bill_day: int, next_bill_day: int | None, next_bill_day_from: date | None) -> int:
    """The bill day in force on `day`, given a pending change (the new day and the date it takes effect)."""
    if next_bill_day is not None and next_bill_day_from is not None and day >= next_bill_day_from:
        return next_bill_day
    return bill_day
