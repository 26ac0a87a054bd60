"""TMF620 mapping rules (accord/tmf/catalogue.py), without I/O."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest

from accord.errors import InvalidInput
from accord.tmf import catalogue as tmf

AT = datetime(2026, 12, 3, 20, 1, 2, 345678, tzinfo=UTC)


def entry(resource: str, definition: dict[str, object], **kwargs: object) -> tmf.Entry:
    return tmf.Entry(resource, definition, AT, **kwargs)  # type: ignore[arg-type]


def test_live_offering_reads_as_a_product_offering() -> None:
    offering = entry(
        "productOffering",
        {
            "code": "fiber-optic",
            "name": "Fiber optic internet",
            "description": "Fast",
            "categoryCode": "internet",
            "specificationCode": "fiber-access",
            "kind": "access",
            "family": "internet",
            "status": "active",
            "channels": ["shop"],
            "segments": ["residential"],
            "validFrom": "2026-01-01",
            "validTo": "2026-12-31",
            "commitment": {"terms": [12, 24]},
        },
        version=3,
    )
    names = {("category", "internet"): "Internet", ("productSpecification", "fiber-access"): "Fiber access"}
    resource = tmf.offering(offering, timezone="Europe/Amsterdam", names=names, prices=[("fiber-m", "Monthly")])
    assert resource["id"] == "fiber-optic"
    assert resource["href"] == "/tmf-api/productCatalogManagement/v4/productOffering/fiber-optic"
    assert resource["lifecycleStatus"] == "Active"
    assert resource["isSellable"] is True
    assert resource["isBundle"] is False
    assert resource["version"] == "3"
    assert resource["lastUpdate"] == "2026-12-03T20:01:02.345678Z"
    assert resource["productSpecification"]["id"] == "fiber-access"
    assert resource["productSpecification"]["name"] == "Fiber access"
    assert resource["category"] == [
        {"id": "internet", "href": "/tmf-api/productCatalogManagement/v4/category/internet", "name": "Internet"}
    ]
    # Validity: from the first day's start to the end of the last day, Amsterdam time, in UTC.
    assert resource["validFor"] == {"startDateTime": "2025-12-31T23:00:00Z", "endDateTime": "2026-12-31T23:00:00Z"}
    assert [t["duration"] for t in resource["productOfferingTerm"]] == [
        {"amount": 12, "units": "month"},
        {"amount": 24, "units": "month"},
    ]
    assert resource["productOfferingPrice"][0]["id"] == "fiber-m"


def test_a_pending_addition_is_in_design_whatever_it_asks_for() -> None:
    offering = entry("productOffering", {"code": "x-1", "name": "X", "status": "active"}, pending=True)
    resource = tmf.offering(offering, timezone="UTC")
    assert resource["lifecycleStatus"] == "In design"
    assert resource["isSellable"] is False
    assert "productSpecification" in resource  # the kit expects the key on every offering


def test_bundle_lists_its_components() -> None:
    bundle = entry(
        "productOffering",
        {"code": "b", "name": "B", "status": "active", "bundle": [{"offeringCode": "tv", "minQuantity": 0}]},
    )
    resource = tmf.offering(bundle, timezone="UTC")
    assert resource["isBundle"] is True
    assert resource["bundledProductOffering"][0]["id"] == "tv"
    assert resource["bundledProductOffering"][0]["bundledProductOfferingOption"] == {
        "numberRelOfferLowerLimit": 0,
        "numberRelOfferUpperLimit": 1,
    }


def test_price_reads_as_product_offering_price() -> None:
    price = entry(
        "productOfferingPrice",
        {
            "code": "fiber-q",
            "offeringCode": "fiber-optic",
            "name": "Quarterly",
            "priceType": "recurring",
            "period": "quarter",
            "amount": "150.00",
            "currency": "EUR",
        },
    )
    resource = tmf.price(price, timezone="UTC", offering_name="Fiber")
    assert resource["priceType"] == "recurring"
    assert (resource["recurringChargePeriodType"], resource["recurringChargePeriodLength"]) == ("month", 3)
    assert resource["price"] == {"unit": "EUR", "value": 150.0}
    assert resource["productOffering"]["id"] == "fiber-optic"
    one_off = tmf.price(entry("productOfferingPrice", {"code": "a", "priceType": "oneOff"}), timezone="UTC")
    assert one_off["priceType"] == "oneTime"
    assert one_off["name"] == "a"  # a price without a name is named by its code


def test_price_fields_from_tmf() -> None:
    fields = tmf.price_fields(
        {
            "name": "Monthly",
            "priceType": "recurring",
            "recurringChargePeriodType": "month",
            "recurringChargePeriodLength": 12,
            "price": {"unit": "USD", "value": 19.99},
            "productOffering": {"id": "dsl"},
        },
        "UTC",
    )
    assert fields == {
        "name": "Monthly",
        "priceType": "recurring",
        "period": "year",
        "amount": "19.99",
        "currency": "USD",
        "offeringCode": "dsl",
    }
    assert tmf.price_fields({"priceType": "oneTime"}, "UTC") == {"priceType": "oneOff"}
    with pytest.raises(InvalidInput) as refused:
        tmf.price_fields({"priceType": "discount"}, "UTC")
    assert refused.value.errors[0].field == "priceType"
    with pytest.raises(InvalidInput) as weekly:
        tmf.price_fields({"recurringChargePeriodType": "week"}, "UTC")
    assert weekly.value.errors[0].field == "recurringChargePeriodType"


def test_offering_fields_from_tmf() -> None:
    fields = tmf.offering_fields(
        {
            "name": "TV",
            "lifecycleStatus": "Launched",
            "category": [{"id": "entertainment"}],
            "channel": [{"id": "shop"}, {"id": "csa"}],
            "validFor": {"startDateTime": "2026-01-01T00:00:00Z", "endDateTime": "2027-01-01T00:00:00Z"},
            "productOfferingTerm": [{"duration": {"amount": 1, "units": "year"}}],
        },
        "UTC",
    )
    assert fields == {
        "name": "TV",
        "status": "active",
        "categoryCode": "entertainment",
        "channels": ["shop", "csa"],
        "validFrom": "2026-01-01",
        "validTo": "2026-12-31",  # the end instant is exclusive: midnight ends the day before
        "commitment": {"terms": [12]},
    }
    with pytest.raises(InvalidInput) as bad:
        tmf.offering_fields({"lifecycleStatus": "Sold out"}, "UTC")
    assert bad.value.errors[0].field == "lifecycleStatus"
    with pytest.raises(InvalidInput) as term:
        tmf.offering_fields({"productOfferingTerm": [{"duration": {"amount": 6, "units": "month"}}]}, "UTC")
    assert term.value.errors[0].field == "productOfferingTerm[0].duration"


def test_specification_characteristics_both_ways() -> None:
    spec = entry(
        "productSpecification",
        {
            "code": "fiber-access",
            "name": "Fiber access",
            "characteristics": [
                {
                    "name": "download",
                    "valueType": "number",
                    "unit": "Mbit/s",
                    "values": ["500", "1000"],
                    "default": "500",
                }
            ],
        },
    )
    resource = tmf.specification(spec)
    characteristic = resource["productSpecCharacteristic"][0]
    assert characteristic["name"] == "download"
    assert characteristic["configurable"] is True
    assert [
        (v["value"], v["isDefault"], v["unitOfMeasure"]) for v in characteristic["productSpecCharacteristicValue"]
    ] == [
        ("500", True, "Mbit/s"),
        ("1000", False, "Mbit/s"),
    ]
    back = tmf.specification_fields({"productSpecCharacteristic": resource["productSpecCharacteristic"]})
    assert back["characteristics"] == [
        {"name": "download", "valueType": "number", "unit": "Mbit/s", "values": ["500", "1000"], "default": "500"}
    ]


def test_category_tree_attributes() -> None:
    child = entry("category", {"code": "phone-extras", "name": "Phone extras", "parentCode": "phone"})
    resource = tmf.category(child, offerings=[("multiple-lines", "Multiple lines")])
    assert resource["isRoot"] is False
    assert resource["parentId"] == "phone"
    assert resource["productOffering"][0]["id"] == "multiple-lines"
    assert tmf.category_fields({"name": "Top", "parentId": None}) == {"name": "Top", "parentCode": None}


def test_new_codes_are_catalogue_codes_and_differ() -> None:
    first, second = tmf.new_code("Cisco Firepower NGFW"), tmf.new_code("Cisco Firepower NGFW")
    assert first != second
    assert re.fullmatch(r"cisco-firepower-ngfw-[0-9a-f]{8}", first)
    assert re.fullmatch(r"^[a-z0-9][a-z0-9._-]{0,59}$", tmf.new_code("Überfast 1000 — Ünlimited " * 5))
    assert tmf.new_code("!!!").startswith("tmf-")


def test_lifecycle_filter_values_are_case_insensitive() -> None:
    assert tmf.filter_values("productOffering", "lifecycleStatus", ["in design", "ACTIVE"]) == ["In design", "Active"]
    assert tmf.filter_values("productOffering", "name", ["in design"]) == ["in design"]


def test_dates_in_uses_the_operator_timezone() -> None:
    assert tmf.dates_in({"endDateTime": "2026-06-30T22:00:00Z"}, "Europe/Amsterdam") == (None, date(2026, 6, 30))
