"""The pure rules of business configuration: attributes per kind, validity, tax-rate overlaps,
settings, and reason codes by action."""

from __future__ import annotations

from datetime import date

import pytest

from accord.errors import InvalidInput
from accord.rules.configuration import (
    KINDS,
    Period,
    allowed_reasons,
    check_attributes,
    check_setting,
    check_validity,
    is_timezone,
    overlap_errors,
    overlaps,
)
from accord.rules.reasons import check_reason


def test_attributes_are_stored_camel_case_with_defaults() -> None:
    stored, errors = check_attributes(KINDS["tax-rate"], {"region": "US-CA", "rate": "7.25", "inclusive": False})
    assert errors == []
    assert stored == {"region": "US-CA", "category": "standard", "rate": "7.25", "inclusive": False}
    stored, _ = check_attributes(KINDS["bill-cycle"], {"frequency": "monthly", "billDays": [15, 1]})
    assert stored == {"frequency": "monthly", "billDays": [1, 15]}


def test_attribute_errors_name_the_field() -> None:
    _, errors = check_attributes(KINDS["currency"], {"minorUnits": 7})
    assert [e.field for e in errors] == ["attributes.minorUnits"]
    _, errors = check_attributes(KINDS["bill-cycle"], {"frequency": "monthly", "billDays": [1, 29]})
    assert [e.field for e in errors] == ["attributes.billDays[1]"]
    _, errors = check_attributes(KINDS["tax-rate"], {"region": "GB", "rate": "120", "inclusive": True})
    assert [(e.field, e.detail) for e in errors] == [("attributes.rate", "a percentage from 0 to 100")]


def test_a_tax_rate_needs_its_first_day_and_ends_after_it() -> None:
    assert [e.field for e in check_validity(KINDS["tax-rate"], None, None)] == ["validFrom"]
    assert [e.field for e in check_validity(KINDS["currency"], date(2027, 2, 1), date(2027, 1, 31))] == ["validTo"]
    assert check_validity(KINDS["tax-rate"], date(2027, 1, 1), date(2027, 1, 1)) == []


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ((date(2027, 1, 1), date(2027, 6, 30)), (date(2027, 7, 1), None), False),
        ((date(2027, 1, 1), date(2027, 6, 30)), (date(2027, 6, 30), None), True),  # both ends inclusive
        ((date(2027, 1, 1), None), (date(2030, 1, 1), date(2030, 1, 2)), True),
        ((date(2027, 3, 1), date(2027, 3, 31)), (date(2027, 1, 1), date(2027, 2, 28)), False),
    ],
)
def test_periods_overlap_when_they_share_a_day(
    a: tuple[date, date | None], b: tuple[date, date | None], expected: bool
) -> None:
    assert overlaps(Period("a", *a), Period("b", *b)) is expected
    assert overlaps(Period("b", *b), Period("a", *a)) is expected


def test_an_overlap_names_the_other_rate_and_ignores_itself() -> None:
    new = Period("ie-2027", date(2027, 1, 1), None)
    others = [Period("ie-2027", date(2020, 1, 1), None), Period("ie-2026", date(2026, 1, 1), date(2027, 1, 1))]
    errors = overlap_errors(new, others, scope="IE standard")
    assert [(e.field, e.detail) for e in errors] == [
        (
            "validFrom",
            "overlaps ie-2026 (2026-01-01 to 2027-01-01) for IE standard: end that one first (set its validTo)",
        )
    ]


def test_timezones_are_iana_names() -> None:
    assert is_timezone("Europe/London")
    assert is_timezone("Asia/Ho_Chi_Minh")
    assert is_timezone("UTC")
    assert not is_timezone("Mars/Olympus_Mons")
    assert not is_timezone("+02:00")
    assert not is_timezone(3)


def test_settings() -> None:
    assert check_setting("timezone", "America/New_York", currencies=[]) == []
    assert [e.field for e in check_setting("timezone", "EST5EDT-ish", currencies=[])] == ["attributes.value"]
    assert check_setting("defaultCurrency", "EUR", currencies=["EUR", "USD"]) == []
    assert [e.field for e in check_setting("defaultCurrency", "XXX", currencies=["EUR"])] == ["attributes.value"]
    assert check_setting("taxRounding", "perBill", currencies=[]) == []
    assert [e.field for e in check_setting("emailUniqueness", "sometimes", currencies=[])] == ["attributes.value"]
    assert [e.field for e in check_setting("colour", "blue", currencies=[])] == ["code"]


def test_reason_codes_come_from_the_codes_passed_in() -> None:
    by_action = allowed_reasons([("dispute", ["suspend"]), ("customer-request", ["suspend", "resume"])])
    assert by_action == {
        "suspend": frozenset({"dispute", "customer-request"}),
        "resume": frozenset({"customer-request"}),
    }
    assert check_reason("suspend", "dispute", field="reasonCode", codes=by_action["suspend"]) == "dispute"
    with pytest.raises(InvalidInput) as refused:
        check_reason("suspend", "non-payment", field="reasonCode", codes=by_action["suspend"])
    assert refused.value.errors[0].field == "reasonCode"
    assert check_reason("suspend", "non-payment") == "non-payment"  # the seed's codes by default
