"""Bill periods of a monthly cycle and when a new bill day takes effect."""

from __future__ import annotations

from datetime import date

import pytest

from accord.rules.bill_cycle import (
    bill_day_change_effective,
    bill_day_on,
    bill_period,
    next_period_start,
    period_start,
)


@pytest.mark.parametrize(
    ("day", "bill_day", "period"),
    [
        (date(2026, 12, 3), 15, (date(2026, 11, 15), date(2026, 12, 15))),
        (date(2026, 12, 15), 15, (date(2026, 12, 15), date(2027, 1, 15))),
        (date(2026, 12, 14), 15, (date(2026, 11, 15), date(2026, 12, 15))),
        (date(2026, 12, 31), 1, (date(2026, 12, 1), date(2027, 1, 1))),
        (date(2027, 1, 10), 28, (date(2026, 12, 28), date(2027, 1, 28))),
        (date(2027, 3, 1), 28, (date(2027, 2, 28), date(2027, 3, 28))),
    ],
)
def test_the_period_that_contains_a_day(day: date, bill_day: int, period: tuple[date, date]) -> None:
    assert bill_period(day, bill_day) == period
    assert period_start(day, bill_day) == period[0]
    assert next_period_start(day, bill_day) == period[1]


def test_a_new_bill_day_waits_for_the_end_of_the_current_period() -> None:
    # Billed on the 15th; on 3 December the current period runs 15 Nov - 15 Dec.
    assert bill_day_change_effective(date(2026, 12, 3), 15) == date(2026, 12, 15)
    # On the bill day itself a new period has just started: the change waits for the next one.
    assert bill_day_change_effective(date(2026, 12, 15), 15) == date(2027, 1, 15)


def test_the_bill_day_in_force() -> None:
    assert bill_day_on(date(2026, 12, 14), 15, 3, date(2026, 12, 15)) == 15
    assert bill_day_on(date(2026, 12, 15), 15, 3, date(2026, 12, 15)) == 3
    assert bill_day_on(date(2026, 12, 15), 15, None, None) == 15
