"""The TM Forum conventions and mapping rules, without I/O."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest

from accord.errors import InvalidInput
from accord.tmf import mapping
from accord.tmf.conventions import date_time as tmf_date_time
from accord.tmf.conventions import (
    matches,
    missing_required,
    page_bounds,
    parse_fields,
    parse_filters,
    select_fields,
    split_page,
)


def test_fields_selection_keeps_id_href_and_type() -> None:
    resource = {"id": "1", "href": "/x/1", "@type": "Customer", "name": "Moon", "status": "Approved"}
    assert select_fields(resource, parse_fields("name")) == {
        "id": "1",
        "href": "/x/1",
        "@type": "Customer",
        "name": "Moon",
    }
    assert select_fields(resource, parse_fields("href")) == {"id": "1", "href": "/x/1", "@type": "Customer"}
    assert select_fields(resource, None) == resource
    assert parse_fields(" status , engagedParty.id ") == {"status", "engagedParty"}
    assert parse_fields("") is None


def test_filters_split_alternatives_and_refuse_unknown_attributes() -> None:
    params = [("name", "Moon Football Club"), ("status", "Approved,Initialized"), ("fields", "id"), ("limit", "5")]
    assert parse_filters(params, ("name", "status")) == {
        "name": ["Moon Football Club"],
        "status": ["Approved", "Initialized"],
    }
    # The same attribute twice must match both.
    assert parse_filters([("status", "a,b"), ("status", "b,c")], None) == {"status": ["b"]}
    with pytest.raises(InvalidInput) as refused:
        parse_filters([("colour", "blue")], ("name", "status"))
    assert refused.value.errors[0].field == "colour"
    assert "name, status" in refused.value.errors[0].detail


def test_paging_bounds() -> None:
    assert page_bounds(0, None) == (0, 100)
    assert page_bounds(20, 5) == (20, 5)
    with pytest.raises(InvalidInput) as refused:
        page_bounds(-1, 0)
    assert [e.field for e in refused.value.errors] == ["offset", "limit"]


@pytest.mark.parametrize(
    ("offset", "limit", "fixed", "stored_offset", "stored_limit"),
    [
        (0, 10, slice(0, 3), 0, 7),  # all three fixed ones, then seven stored
        (2, 2, slice(2, 3), 0, 1),
        (3, 5, slice(3, 3), 0, 5),
        (10, 5, slice(3, 3), 7, 5),
        (0, 2, slice(0, 2), 0, 0),
    ],
)
def test_paging_over_fixed_then_stored_resources(
    offset: int, limit: int, fixed: slice, stored_offset: int, stored_limit: int
) -> None:
    assert split_page(3, offset, limit) == (fixed, stored_offset, stored_limit)


def test_matches_compares_top_level_values_as_text() -> None:
    resource = {"id": "monthly-5", "name": "Monthly, bill day 5", "frequency": "monthly", "isRef": True}
    assert matches(resource, {"frequency": ["monthly"], "id": ["monthly-5", "x"]})
    assert matches(resource, {"isRef": ["true"]})
    assert not matches(resource, {"name": ["Monthly"]})
    assert not matches(resource, {"missing": ["x"]})


def test_required_attributes_and_related_parties() -> None:
    assert (
        missing_required(
            {
                "name": "Travel account",
                "relatedParty": [{"id": "4665", "@referredType": "Organization", "name": "John Doe"}],
            },
            ("name", "relatedParty"),
        )
        == []
    )
    errors = missing_required({"name": " ", "relatedParty": [{"id": "4665"}, "x"]}, ("name", "relatedParty"))
    assert [e.field for e in errors] == [
        "name",
        "relatedParty[0].@referredType",
        "relatedParty[0].name",
        "relatedParty[1]",
    ]
    assert [e.field for e in missing_required({}, ("relatedParty",))] == ["relatedParty"]


def test_date_times_are_utc_with_z() -> None:
    assert tmf_date_time(date(2026, 12, 3)) == "2026-12-03T00:00:00Z"
    assert tmf_date_time(datetime(2026, 12, 3, 9, 30, tzinfo=UTC)) == "2026-12-03T09:30:00Z"
    assert tmf_date_time(None) is None


def test_statuses_map_both_ways() -> None:
    assert mapping.to_tmf_status(mapping.CUSTOMER_STATUS, "prospect") == "Initialized"
    assert mapping.from_tmf_status(mapping.CUSTOMER_STATUS, ["approved", "Suspended", "closed"]) == [
        "active",
        "suspended",
        "closed",
    ]
    assert mapping.from_tmf_status(mapping.SUBSCRIPTION_STATUS, ["Terminated"]) == ["terminated"]


def test_customer_name_is_always_a_string() -> None:
    assert mapping.customer_name("organisation", None, None, "Moon Football Club", "C1") == "Moon Football Club"
    assert mapping.customer_name("individual", "Ada", "Lovelace", None, "C1") == "Ada Lovelace"
    assert mapping.customer_name("individual", None, None, None, "C1000001") == "C1000001"


def test_a_subscription_as_a_product() -> None:
    subscription = SimpleNamespace(
        id="s-1",
        agreement_id="a-1",
        offering_code="fiber-optic",
        currency="USD",
        list_price=Decimal("70.0000"),
        price_adjustment=Decimal("-5.0000"),
        status="active",
        start_date=date(2026, 1, 15),
        end_date=None,
    )
    product = mapping.product(
        subscription=subscription,
        offering_name="Fiber optic internet",
        agreement_name="A5000001",
        customer_id="c-1",
        customer_name="Ada Lovelace",
    )
    assert product["status"] == "active"
    assert product["startDate"] == "2026-01-15T00:00:00Z"
    assert "terminationDate" not in product
    assert product["productOffering"]["id"] == "fiber-optic"
    assert product["billingAccount"] == {
        "id": "a-1",
        "href": "/tmf-api/accountManagement/v4/billingAccount/a-1",
        "name": "A5000001",
        "@referredType": "BillingAccount",
    }
    assert product["relatedParty"] == [
        {
            "id": "c-1",
            "href": "/tmf-api/customerManagement/v4/customer/c-1",
            "name": "Ada Lovelace",
            "@referredType": "Customer",
            "role": "customer",
        }
    ]
    (price,) = product["productPrice"]
    assert price["price"]["dutyFreeAmount"] == {"unit": "USD", "value": 65.0}
    assert price["productPriceAlteration"][0]["price"]["dutyFreeAmount"] == {"unit": "USD", "value": -5.0}
