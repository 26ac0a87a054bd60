"""Money rules: minor units, half-up rounding, and allocation that never loses a cent."""

from __future__ import annotations

import random
from decimal import Decimal

import pytest

from accord.rules.money import allocate, fits_minor_unit, is_known_currency, minor_unit, round_money

D = Decimal


class TestMinorUnit:
    @pytest.mark.parametrize(
        ("currency", "unit"),
        [("USD", D("0.01")), ("EUR", D("0.01")), ("JPY", D("1")), ("KRW", D("1")), ("KWD", D("0.001"))],
    )
    def test_smallest_amount_of_the_currency(self, currency: str, unit: Decimal) -> None:
        assert minor_unit(currency) == unit
        assert minor_unit(currency).as_tuple().exponent == unit.as_tuple().exponent

    def test_unknown_currency_has_no_minor_unit(self) -> None:
        with pytest.raises(KeyError):
            minor_unit("XXX")

    def test_known_currencies(self) -> None:
        assert is_known_currency("USD")
        assert is_known_currency("KWD")
        assert not is_known_currency("XXX")
        assert not is_known_currency("usd")


class TestRoundMoney:
    @pytest.mark.parametrize(
        ("amount", "currency", "expected"),
        [
            ("2.345", "USD", "2.35"),
            ("-2.345", "USD", "-2.35"),
            ("2.344", "USD", "2.34"),
            ("-2.344", "USD", "-2.34"),
            ("2.3449999", "USD", "2.34"),
            ("0.005", "USD", "0.01"),
            ("2", "USD", "2.00"),
            ("2.5", "JPY", "3"),
            ("-2.5", "JPY", "-3"),
            ("2.4", "JPY", "2"),
            ("1.2345", "KWD", "1.235"),
            ("1.2344", "KWD", "1.234"),
        ],
    )
    def test_rounds_half_up_to_the_minor_unit(self, amount: str, currency: str, expected: str) -> None:
        rounded = round_money(D(amount), currency)
        assert rounded == D(expected)
        assert str(rounded) == expected  # the currency's own number of decimals


class TestFitsMinorUnit:
    @pytest.mark.parametrize(
        ("amount", "currency"),
        [
            ("2.34", "USD"),
            ("-0.01", "USD"),
            ("5", "USD"),
            ("5.000", "USD"),  # the value fits, however many zeros it was written with
            ("0", "USD"),
            ("1500", "JPY"),
            ("1.234", "KWD"),
            ("-1.234", "KWD"),
        ],
    )
    def test_amounts_that_fit(self, amount: str, currency: str) -> None:
        assert fits_minor_unit(D(amount), currency)

    @pytest.mark.parametrize(
        ("amount", "currency"),
        [
            ("2.345", "USD"),
            ("-2.345", "USD"),
            ("0.001", "USD"),
            ("2.5", "JPY"),
            ("0.1", "JPY"),
            ("1.2345", "KWD"),
        ],
    )
    def test_amounts_too_fine_for_the_currency(self, amount: str, currency: str) -> None:
        assert not fits_minor_unit(D(amount), currency)

    def test_a_huge_amount_is_answered_not_raised(self) -> None:
        assert fits_minor_unit(D("1E+30"), "USD")


def _assert_in_minor_units(parts: list[Decimal], currency: str) -> None:
    unit = minor_unit(currency)
    for part in parts:
        assert part % unit == 0, f"{part} is not a whole number of {unit}"


class TestAllocate:
    def test_the_worked_example_for_a_negative_total(self) -> None:
        # 1.15 over 20:25:10 is 0.418.., 0.522.., 0.209..; the two largest remainders take a cent.
        parts = allocate(D("-1.15"), [D(20), D(25), D(10)], "USD")
        assert parts == [D("-0.42"), D("-0.52"), D("-0.21")]
        assert sum(parts) == D("-1.15")

    def test_the_same_split_for_a_positive_total(self) -> None:
        parts = allocate(D("1.15"), [D(20), D(25), D(10)], "USD")
        assert parts == [D("0.42"), D("0.52"), D("0.21")]

    def test_thirds_give_the_leftover_cent_to_the_first_part(self) -> None:
        assert allocate(D("100"), [D(1), D(1), D(1)], "USD") == [D("33.34"), D("33.33"), D("33.33")]
        assert allocate(D("-100"), [D(1), D(1), D(1)], "USD") == [D("-33.34"), D("-33.33"), D("-33.33")]

    def test_ties_go_to_the_earlier_part(self) -> None:
        assert allocate(D("0.01"), [D(1), D(1)], "USD") == [D("0.01"), D("0.00")]
        assert allocate(D("0.15"), [D(25), D(5)], "USD") == [D("0.13"), D("0.02")]

    def test_parts_come_back_in_the_currency_decimals(self) -> None:
        assert [str(p) for p in allocate(D("10"), [D(1), D(3)], "USD")] == ["2.50", "7.50"]
        assert [str(p) for p in allocate(D("1"), [D(1), D(3)], "KWD")] == ["0.250", "0.750"]
        # 2.5 : 7.5 yen, the tied unit goes to the first part
        assert [str(p) for p in allocate(D("10"), [D(1), D(3)], "JPY")] == ["3", "7"]

    def test_zero_total_is_all_zeros_with_no_negative_zero(self) -> None:
        parts = allocate(D("0"), [D(20), D(25), D(10)], "USD")
        assert parts == [D(0), D(0), D(0)]
        assert not any(p.is_signed() for p in parts)
        assert [str(p) for p in parts] == ["0.00", "0.00", "0.00"]

    def test_jpy_has_no_decimals(self) -> None:
        parts = allocate(D("10"), [D(1), D(1), D(1)], "JPY")
        assert parts == [D(4), D(3), D(3)]
        parts = allocate(D("-1001"), [D(1), D(2)], "JPY")
        assert parts == [D(-334), D(-667)]
        _assert_in_minor_units(parts, "JPY")

    def test_kwd_has_three_decimals(self) -> None:
        assert allocate(D("1.000"), [D(1), D(1), D(1)], "KWD") == [D("0.334"), D("0.333"), D("0.333")]
        parts = allocate(D("-12.345"), [D(1), D(1)], "KWD")
        assert parts == [D("-6.173"), D("-6.172")]

    def test_a_single_part_takes_the_whole_total(self) -> None:
        assert allocate(D("-7.77"), [D(3)], "USD") == [D("-7.77")]

    def test_a_zero_weight_gets_nothing(self) -> None:
        assert allocate(D("9.99"), [D(0), D(1), D(0)], "USD") == [D(0), D("9.99"), D(0)]

    def test_all_zero_weights_split_evenly(self) -> None:
        assert allocate(D("1.00"), [D(0), D(0)], "USD") == [D("0.50"), D("0.50")]
        assert allocate(D("1.00"), [D(0), D(0), D(0)], "USD") == [D("0.34"), D("0.33"), D("0.33")]

    def test_nothing_to_allocate_over_is_refused(self) -> None:
        with pytest.raises(ValueError, match="nothing to allocate"):
            allocate(D("1.00"), [], "USD")

    @pytest.mark.parametrize("currency", ["USD", "JPY", "KWD"])
    def test_parts_always_sum_exactly_and_stay_proportional(self, currency: str) -> None:
        rng = random.Random(f"allocate-{currency}")
        unit = minor_unit(currency)
        for _ in range(500):
            total = rng.randint(-1_000_000, 1_000_000) * unit
            weights = [D(rng.randint(0, 10_000)) / 100 for _ in range(rng.randint(1, 8))]
            parts = allocate(total, weights, currency)
            assert len(parts) == len(weights)
            assert sum(parts) == total, (total, weights, parts)
            _assert_in_minor_units(parts, currency)
            weight_sum = sum(weights)
            for part, weight in zip(parts, weights, strict=True):
                if total:
                    assert part == 0 or (part > 0) == (total > 0)  # every part has the total's sign
                if weight_sum:
                    assert abs(part - total * weight / weight_sum) < unit
