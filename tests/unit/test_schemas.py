"""The shop's order as pydantic validates it: camelCase, no unknown fields, NFC text."""

from __future__ import annotations

import copy
import unicodedata
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from pydantic import ValidationError

from accord.schemas.orders import OrderCustomer, OrderItem, OrderRequest

NGUYEN_NFD = "Nguye\u0302\u0303n"
NGUYEN_NFC = "Nguy\u1ec5n"

BODY: dict[str, Any] = {
    "orderRef": "SHOP-2001",
    "customer": {
        "type": "individual",
        "givenName": "Ada",
        "familyName": "Lovelace",
        "email": "ada@example.com",
        "phone": "+44 20 7946 0958",
        "address": {"line1": "12 St James's Square", "city": "London", "country": "GB"},
    },
    "agreement": {
        "currency": "GBP",
        "billCycle": {"frequency": "monthly", "billDay": 15},
        "billDelivery": "paper",
        "paymentMethod": {"type": "bankTransfer", "automatic": True},
        "commitmentTerm": 12,
    },
    "items": [
        {"offeringCode": "dsl", "priceAdjustment": "-2.50", "startDate": "2024-01-01"},
        {"offeringCode": "streaming-tv"},
    ],
}


def body_with(path: tuple[str | int, ...], value: Any) -> dict[str, Any]:
    body = copy.deepcopy(BODY)
    target: Any = body
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = value
    return body


def error_locs(exc: pytest.ExceptionInfo[ValidationError]) -> list[tuple[int | str, ...]]:
    return [tuple(e["loc"]) for e in exc.value.errors()]


class TestOrderRequest:
    def test_a_full_order_reads_into_snake_case(self) -> None:
        order = OrderRequest.model_validate(BODY)
        assert order.order_ref == "SHOP-2001"
        assert order.customer.given_name == "Ada"
        assert order.agreement.bill_cycle.bill_day == 15
        assert order.agreement.payment_method.type == "bankTransfer"
        assert order.agreement.commitment_term == 12
        assert order.items[0].price_adjustment == Decimal("-2.50")
        assert order.items[0].start_date == date(2024, 1, 1)
        assert order.items[1].price_adjustment == 0
        assert order.items[1].start_date is None

    def test_dumps_back_in_camel_case(self) -> None:
        dumped = OrderRequest.model_validate(BODY).model_dump(mode="json", by_alias=True)
        assert dumped["orderRef"] == "SHOP-2001"
        assert dumped["items"][0]["priceAdjustment"] == "-2.5"
        assert dumped["agreement"]["billCycle"] == {"frequency": "monthly", "billDay": 15}

    def test_defaults(self) -> None:
        order = OrderRequest.model_validate(
            {
                "orderRef": "r",
                "customer": {},
                "agreement": {"currency": "USD", "paymentMethod": {"type": "mailedCheck"}},
                "items": [{"offeringCode": "dsl"}],
            }
        )
        assert order.customer.type == "individual"
        assert order.agreement.bill_delivery == "electronic"
        assert order.agreement.bill_cycle.bill_day == 1
        assert order.agreement.commitment_term == 0
        assert order.agreement.payment_method.automatic is False

    def test_malformed_email_is_refused_at_its_field(self) -> None:
        with pytest.raises(ValidationError) as exc:
            OrderRequest.model_validate(body_with(("customer", "email"), "ada.example.com"))
        assert error_locs(exc) == [("customer", "email")]

    def test_organisation_needs_a_trading_name(self) -> None:
        body = body_with(("customer", "type"), "organisation")
        with pytest.raises(ValidationError, match="tradingName") as exc:
            OrderRequest.model_validate(body)
        assert error_locs(exc) == [("customer",)]

    def test_organisation_with_a_trading_name_is_accepted(self) -> None:
        customer = OrderCustomer.model_validate({"type": "organisation", "tradingName": "Analytical Engines"})
        assert customer.trading_name == "Analytical Engines"

    def test_blank_trading_name_is_refused(self) -> None:
        with pytest.raises(ValidationError):
            OrderCustomer.model_validate({"type": "organisation", "tradingName": "   "})

    def test_end_date_before_start_date_is_refused(self) -> None:
        body = body_with(("items", 0, "endDate"), "2023-12-31")
        with pytest.raises(ValidationError, match="endDate is before startDate") as exc:
            OrderRequest.model_validate(body)
        assert error_locs(exc) == [("items", 0)]

    def test_end_date_on_the_start_date_is_accepted(self) -> None:
        item = OrderItem.model_validate({"offeringCode": "dsl", "startDate": "2024-01-01", "endDate": "2024-01-01"})
        assert item.end_date == item.start_date == date(2024, 1, 1)

    @pytest.mark.parametrize(
        "path",
        [("discountCode",), ("customer", "nickname"), ("agreement", "taxRate"), ("items", 1, "quantity")],
    )
    def test_unknown_fields_are_refused(self, path: tuple[str | int, ...]) -> None:
        with pytest.raises(ValidationError) as exc:
            OrderRequest.model_validate(body_with(path, "x"))
        assert exc.value.errors()[0]["type"] == "extra_forbidden"
        assert error_locs(exc) == [path]

    @pytest.mark.parametrize(
        ("path", "value"),
        [
            (("agreement", "currency"), "usd"),
            (("agreement", "currency"), "US"),
            (("agreement", "commitmentTerm"), 6),
            (("agreement", "billCycle", "billDay"), 29),
            (("agreement", "billCycle", "billDay"), 0),
            (("agreement", "paymentMethod", "type"), "bitcoin"),
            (("customer", "phone"), "call me"),
            (("customer", "address", "country"), "GBR"),
            (("items", 0, "offeringCode"), "  "),
            (("items", 0, "priceAdjustment"), "five"),
            (("orderRef",), ""),
            (("orderRef",), "x" * 101),
        ],
    )
    def test_invalid_values_are_refused_at_their_field(self, path: tuple[str | int, ...], value: Any) -> None:
        with pytest.raises(ValidationError) as exc:
            OrderRequest.model_validate(body_with(path, value))
        assert error_locs(exc)[0][: len(path)] == path

    def test_an_order_needs_an_item(self) -> None:
        with pytest.raises(ValidationError) as exc:
            OrderRequest.model_validate(body_with(("items",), []))
        assert error_locs(exc) == [("items",)]

    def test_snake_case_names_are_also_accepted(self) -> None:
        item = OrderItem.model_validate({"offering_code": "dsl", "price_adjustment": "1.00"})
        assert item.offering_code == "dsl"
        assert item.price_adjustment == Decimal("1.00")


class TestTextNormalisation:
    def test_names_are_stored_nfc(self) -> None:
        assert not unicodedata.is_normalized("NFC", NGUYEN_NFD)
        customer = OrderCustomer.model_validate(
            {"givenName": NGUYEN_NFD, "familyName": NGUYEN_NFD, "tradingName": NGUYEN_NFD}
        )
        for name in (customer.given_name, customer.family_name, customer.trading_name):
            assert name == NGUYEN_NFC
            assert name is not None
            assert unicodedata.is_normalized("NFC", name)

    def test_address_and_characteristics_are_stored_nfc(self) -> None:
        customer = OrderCustomer.model_validate(
            {
                "address": {
                    "line1": f"1 {NGUYEN_NFD} Street",
                    "city": "H\u00e0 N\u00f4\u0323i",
                    "country": "VN",
                },
                "characteristics": [{"name": "nickname", "value": NGUYEN_NFD}],
            }
        )
        assert customer.address is not None
        assert customer.address.line1 == f"1 {NGUYEN_NFC} Street"
        assert customer.address.city == unicodedata.normalize("NFC", "H\u00e0 N\u00f4\u0323i")
        assert customer.characteristics[0].value == NGUYEN_NFC

    def test_names_are_trimmed(self) -> None:
        assert OrderCustomer.model_validate({"givenName": "  Ada\t"}).given_name == "Ada"

    def test_name_length_is_counted_in_nfc_characters(self) -> None:
        decomposed = "e\u0301" * 200  # 400 code points, 200 characters
        customer = OrderCustomer.model_validate({"familyName": decomposed})
        assert customer.family_name == "\u00e9" * 200
        with pytest.raises(ValidationError) as exc:
            OrderCustomer.model_validate({"familyName": "e\u0301" * 201})
        assert exc.value.errors()[0]["msg"] == "String should have at most 200 characters"
