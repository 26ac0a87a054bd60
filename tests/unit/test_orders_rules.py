"""Order rules: what check_order refuses, commitment dates, the monthly charge, the request hash."""

from __future__ import annotations

import copy
import dataclasses
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

from accord.errors import FieldError
from accord.rules.catalogue import OfferingTerms, sale_window
from accord.rules.orders import add_months, check_order, commitment_end, monthly_recurring_charge
from accord.schemas.orders import OrderRequest
from accord.services.orders import request_hash

D = Decimal


def _terms(code: str, kind: str, family: str, price: str, currency: str = "USD", active: bool = True):
    return OfferingTerms(code, kind, family, D(price), currency, active)


# As in accord/seed/catalogue.json, plus a retired offering.
CATALOGUE: dict[str, OfferingTerms] = {
    t.code: t
    for t in [
        _terms("phone-line", "access", "phone", "20.00"),
        _terms("multiple-lines", "addon", "phone", "5.00"),
        _terms("dsl", "access", "internet", "25.00"),
        _terms("fiber-optic", "access", "internet", "50.00"),
        _terms("online-backup", "addon", "internet", "5.00"),
        _terms("streaming-tv", "addon", "internet", "10.00"),
        _terms("isdn", "access", "internet", "15.00", active=False),
    ]
}


def order_body(*items: str | dict[str, Any], currency: str = "USD") -> dict[str, Any]:
    return {
        "orderRef": "SHOP-1001",
        "customer": {"type": "individual", "givenName": "Ada", "familyName": "Lovelace"},
        "agreement": {"currency": currency, "paymentMethod": {"type": "creditCard", "automatic": True}},
        "items": [{"offeringCode": item} if isinstance(item, str) else item for item in items],
    }


def make_order(*items: str | dict[str, Any], currency: str = "USD") -> OrderRequest:
    return OrderRequest.model_validate(order_body(*items, currency=currency))


def fields(errors: list[FieldError]) -> list[str]:
    return [e.field for e in errors]


class TestCheckOrder:
    def test_a_valid_order_has_no_errors(self) -> None:
        order = make_order("phone-line", "multiple-lines", "fiber-optic", "streaming-tv", "online-backup")
        assert check_order(order, CATALOGUE) == []

    def test_a_single_access_offering_is_enough(self) -> None:
        assert check_order(make_order("dsl"), CATALOGUE) == []

    def test_unknown_offering_names_its_item(self) -> None:
        errors = check_order(make_order("phone-line", "satellite"), CATALOGUE)
        assert fields(errors) == ["items[1].offeringCode"]
        assert "satellite" in errors[0].detail

    def test_retired_offering_is_refused(self) -> None:
        errors = check_order(make_order("isdn"), CATALOGUE)
        assert fields(errors) == ["items[0].offeringCode"]
        assert "isdn" in errors[0].detail

    def test_add_on_without_its_access_offering_is_refused(self) -> None:
        errors = check_order(make_order("streaming-tv"), CATALOGUE)
        assert fields(errors) == ["items[0].offeringCode"]
        assert "streaming-tv" in errors[0].detail
        assert "internet" in errors[0].detail

    def test_add_on_with_its_access_offering_is_accepted_in_any_item_order(self) -> None:
        assert check_order(make_order("dsl", "streaming-tv"), CATALOGUE) == []
        assert check_order(make_order("streaming-tv", "dsl"), CATALOGUE) == []

    def test_add_on_with_access_of_another_family_is_refused(self) -> None:
        errors = check_order(make_order("multiple-lines", "dsl"), CATALOGUE)
        assert fields(errors) == ["items[0].offeringCode"]
        assert "phone" in errors[0].detail

    def test_add_on_whose_access_is_retired_is_refused(self) -> None:
        errors = check_order(make_order("isdn", "streaming-tv"), CATALOGUE)
        assert fields(errors) == ["items[0].offeringCode", "items[1].offeringCode"]

    def test_two_access_offerings_of_one_family_are_refused(self) -> None:
        errors = check_order(make_order("dsl", "fiber-optic"), CATALOGUE)
        assert fields(errors) == ["items[1].offeringCode"]
        assert "internet" in errors[0].detail

    def test_access_offerings_of_different_families_are_fine(self) -> None:
        assert check_order(make_order("phone-line", "dsl"), CATALOGUE) == []

    def test_offerings_priced_in_another_currency_are_each_refused(self) -> None:
        errors = check_order(make_order("phone-line", "dsl", currency="EUR"), CATALOGUE)
        assert fields(errors) == ["items[0].offeringCode", "items[1].offeringCode"]
        for error in errors:
            assert "USD" in error.detail
            assert "EUR" in error.detail

    def test_unknown_currency_is_the_only_error(self) -> None:
        errors = check_order(make_order("satellite", "streaming-tv", currency="XXX"), CATALOGUE)
        assert fields(errors) == ["agreement.currency"]
        assert "XXX" in errors[0].detail

    def test_adjustment_finer_than_a_cent_is_refused(self) -> None:
        errors = check_order(make_order({"offeringCode": "phone-line", "priceAdjustment": "0.005"}), CATALOGUE)
        assert fields(errors) == ["items[0].priceAdjustment"]

    @pytest.mark.parametrize("adjustment", ["-1.50", "2", "-0.01", "0.10", "100.00"])
    def test_adjustments_in_whole_cents_are_accepted(self, adjustment: str) -> None:
        order = make_order({"offeringCode": "phone-line", "priceAdjustment": adjustment})
        assert check_order(order, CATALOGUE) == []

    def test_adjustment_making_the_price_negative_is_refused(self) -> None:
        order = make_order("dsl", {"offeringCode": "streaming-tv", "priceAdjustment": "-10.01"})
        errors = check_order(order, CATALOGUE)
        assert fields(errors) == ["items[1].priceAdjustment"]
        assert "streaming-tv" in errors[0].detail

    @pytest.mark.parametrize("adjustment", ["-20.00", "-20"])
    def test_adjustment_down_to_exactly_zero_is_accepted(self, adjustment: str) -> None:
        order = make_order({"offeringCode": "phone-line", "priceAdjustment": adjustment})
        assert check_order(order, CATALOGUE) == []

    def test_minor_unit_follows_the_agreement_currency(self) -> None:
        catalogue = {"hikari": _terms("hikari", "access", "internet", "5000", currency="JPY")}
        ok = make_order({"offeringCode": "hikari", "priceAdjustment": "-500"}, currency="JPY")
        assert check_order(ok, catalogue) == []
        too_fine = make_order({"offeringCode": "hikari", "priceAdjustment": "0.5"}, currency="JPY")
        assert fields(check_order(too_fine, catalogue)) == ["items[0].priceAdjustment"]

    def test_errors_are_sorted_by_field(self) -> None:
        # found in the order items[0].offeringCode, items[1].priceAdjustment, items[1].offeringCode
        order = make_order("satellite", {"offeringCode": "streaming-tv", "priceAdjustment": "0.001"})
        errors = check_order(order, CATALOGUE)
        assert fields(errors) == [
            "items[0].offeringCode",
            "items[1].offeringCode",
            "items[1].priceAdjustment",
        ]

    def test_a_huge_adjustment_is_refused_at_the_field_not_a_crash(self) -> None:
        with pytest.raises(ValidationError) as refused:
            make_order({"offeringCode": "phone-line", "priceAdjustment": "1E+30"})
        assert refused.value.errors()[0]["loc"] == ("items", 0, "priceAdjustment")


class TestAddMonths:
    @pytest.mark.parametrize(
        ("day", "months", "expected"),
        [
            (date(2024, 1, 31), 1, date(2024, 2, 29)),  # leap year
            (date(2023, 1, 31), 1, date(2023, 2, 28)),
            (date(2024, 1, 31), 2, date(2024, 3, 31)),  # clamping does not carry over
            (date(2024, 3, 31), -1, date(2024, 2, 29)),
            (date(2024, 5, 31), -3, date(2024, 2, 29)),
            (date(2024, 1, 15), -1, date(2023, 12, 15)),
            (date(2024, 11, 15), 3, date(2025, 2, 15)),
            (date(2024, 12, 31), 1, date(2025, 1, 31)),
            (date(2024, 1, 10), -25, date(2021, 12, 10)),
            (date(2024, 2, 29), 12, date(2025, 2, 28)),
            (date(2024, 2, 29), 48, date(2028, 2, 29)),
            (date(2024, 6, 30), 0, date(2024, 6, 30)),
        ],
    )
    def test_same_day_months_later_clamped_to_month_end(self, day: date, months: int, expected: date) -> None:
        assert add_months(day, months) == expected


class TestCommitmentEnd:
    TODAY = date(2024, 3, 15)

    def test_no_commitment_has_no_end(self) -> None:
        assert commitment_end(date(2020, 1, 1), 0, self.TODAY) is None

    def test_a_term_starting_today_ends_a_term_later(self) -> None:
        assert commitment_end(self.TODAY, 12, self.TODAY) == date(2025, 3, 15)
        assert commitment_end(self.TODAY, 24, self.TODAY) == date(2026, 3, 15)

    def test_an_expired_term_renews_to_the_next_anniversary_after_today(self) -> None:
        start = add_months(self.TODAY, -30)
        assert start == date(2021, 9, 15)
        assert commitment_end(start, 12, self.TODAY) == add_months(start, 36) == date(2024, 9, 15)

    def test_a_term_ending_today_has_renewed(self) -> None:
        start = date(2023, 3, 15)
        assert commitment_end(start, 12, self.TODAY) == date(2025, 3, 15)

    def test_a_term_ending_tomorrow_is_still_in_force(self) -> None:
        start = date(2023, 3, 16)
        assert commitment_end(start, 12, self.TODAY) == date(2024, 3, 16)

    def test_two_year_term_renews_by_two_years(self) -> None:
        assert commitment_end(date(2019, 6, 1), 24, self.TODAY) == date(2025, 6, 1)

    def test_month_end_start_keeps_its_day_across_renewals(self) -> None:
        # computed from the start each time, so a Feb 29 start is not stuck on the 28th
        assert commitment_end(date(2020, 2, 29), 12, self.TODAY) == date(2025, 2, 28)
        assert commitment_end(date(2020, 2, 29), 24, date(2027, 1, 1)) == date(2028, 2, 29)


class TestMonthlyRecurringCharge:
    def test_sums_list_price_plus_adjustment(self) -> None:
        charges = [(D("20.00"), D("0")), (D("50.00"), D("-1.75")), (D("10.00"), D("0.50"))]
        assert monthly_recurring_charge(charges) == D("78.75")

    def test_nothing_active_costs_nothing(self) -> None:
        assert monthly_recurring_charge([]) == 0

    def test_a_fully_discounted_subscription_costs_nothing(self) -> None:
        assert monthly_recurring_charge([(D("20.00"), D("-20.00"))]) == 0

    def test_exact_decimals_not_floats(self) -> None:
        total = monthly_recurring_charge([(D("0.10"), D("0")), (D("0.20"), D("0"))])
        assert total == D("0.30")
        assert isinstance(total, Decimal)


def _reversed_keys(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _reversed_keys(value[k]) for k in reversed(list(value))}
    if isinstance(value, list):
        return [_reversed_keys(v) for v in value]
    return value


class TestRequestHash:
    BODY = order_body("phone-line", {"offeringCode": "dsl", "priceAdjustment": "-2.50"})

    def test_is_a_sha256_hex_digest(self) -> None:
        digest = request_hash(OrderRequest.model_validate(self.BODY))
        assert len(digest) == 64
        assert int(digest, 16) >= 0

    def test_key_order_does_not_matter(self) -> None:
        reordered = _reversed_keys(self.BODY)
        assert list(reordered) != list(self.BODY)
        assert request_hash(OrderRequest.model_validate(reordered)) == request_hash(
            OrderRequest.model_validate(self.BODY)
        )

    def test_defaults_written_out_or_left_out_hash_the_same(self) -> None:
        explicit = copy.deepcopy(self.BODY)
        explicit["agreement"]["billCycle"] = {"frequency": "monthly", "billDay": 1}
        explicit["agreement"]["commitmentTerm"] = 0
        explicit["items"][0]["priceAdjustment"] = "0"
        assert request_hash(OrderRequest.model_validate(explicit)) == request_hash(
            OrderRequest.model_validate(self.BODY)
        )

    def test_surrounding_whitespace_in_names_does_not_matter(self) -> None:
        padded = copy.deepcopy(self.BODY)
        padded["customer"]["givenName"] = "  Ada "
        assert request_hash(OrderRequest.model_validate(padded)) == request_hash(OrderRequest.model_validate(self.BODY))

    def test_a_changed_item_changes_the_hash(self) -> None:
        other_offering = copy.deepcopy(self.BODY)
        other_offering["items"][1]["offeringCode"] = "fiber-optic"
        other_price = copy.deepcopy(self.BODY)
        other_price["items"][1]["priceAdjustment"] = "-2.49"
        one_item_less = copy.deepcopy(self.BODY)
        del one_item_less["items"][0]
        digests = {
            request_hash(OrderRequest.model_validate(body))
            for body in (self.BODY, other_offering, other_price, one_item_less)
        }
        assert len(digests) == 4

    def test_a_changed_customer_changes_the_hash(self) -> None:
        other = copy.deepcopy(self.BODY)
        other["customer"]["familyName"] = "Byron"
        assert request_hash(OrderRequest.model_validate(other)) != request_hash(OrderRequest.model_validate(self.BODY))

    def test_an_amount_as_a_json_number_is_refused(self) -> None:
        other = copy.deepcopy(self.BODY)
        other["items"][1]["priceAdjustment"] = -2.5
        with pytest.raises(ValidationError) as refused:
            OrderRequest.model_validate(other)
        assert refused.value.errors()[0]["loc"] == ("items", 1, "priceAdjustment")
        assert "send amounts as strings" in refused.value.errors()[0]["msg"]

    def test_the_same_amount_written_another_way_hashes_the_same(self) -> None:
        other = copy.deepcopy(self.BODY)
        other["items"][1]["priceAdjustment"] = "-2.5"  # instead of "-2.50"
        assert request_hash(OrderRequest.model_validate(other)) == request_hash(OrderRequest.model_validate(self.BODY))


class TestSaleWindow:
    """An offering's validity ends with the last day of it in the operator's timezone (inclusive)."""

    @pytest.mark.parametrize("timezone", ["America/New_York", "Asia/Ho_Chi_Minh", "UTC"])
    def test_an_order_a_minute_before_the_end_is_accepted_a_minute_after_refused(self, timezone: str) -> None:
        last_day = date(2026, 11, 30)
        starts, ends = sale_window(None, last_day, timezone)
        assert starts is None
        assert ends == datetime(2026, 12, 1, tzinfo=ZoneInfo(timezone))  # the next midnight there
        fiber = dataclasses.replace(CATALOGUE["fiber-optic"], sale_ends_at=ends)
        catalogue = {**CATALOGUE, "fiber-optic": fiber}
        order = make_order("fiber-optic")

        assert check_order(order, catalogue, at=ends - timedelta(minutes=1)) == []
        [refused] = check_order(order, catalogue, at=ends + timedelta(minutes=1))
        assert refused.field == "items[0].offeringCode"
        assert "on sale until" in refused.detail

    def test_the_end_is_midnight_in_the_operators_timezone_not_utc(self) -> None:
        _, ends = sale_window(None, date(2026, 11, 30), "America/New_York")
        assert ends is not None
        assert ends.astimezone(UTC) == datetime(2026, 12, 1, 5, 0, tzinfo=UTC)  # EST is UTC-5
