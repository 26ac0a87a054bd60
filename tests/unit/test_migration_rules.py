"""The legacy telco base → onboarding orders, checked on real rows of the Telco Customer Churn file."""

from __future__ import annotations

import csv
import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

import accord
from accord.rules.catalogue import OfferingTerms
from accord.rules.migration import RowError, row_to_order
from accord.rules.orders import add_months, check_order
from accord.schemas.orders import OrderRequest
from tests.conftest import TELCO_CSV, needs_telco_data

D = Decimal

SEED_JSON = Path(accord.__file__).parent / "seed" / "catalogue.json"
SEED_CATALOGUE = json.loads(SEED_JSON.read_text())["offerings"]
LIST_PRICES: dict[str, Decimal] = {o["code"]: D(o["monthlyPrice"]) for o in SEED_CATALOGUE}
CATALOGUE: dict[str, OfferingTerms] = {
    o["code"]: OfferingTerms(o["code"], o["kind"], o["family"], D(o["monthlyPrice"]), o["currency"], True)
    for o in SEED_CATALOGUE
}
TODAY = date(2024, 3, 31)  # a month end, so tenure months clamp (31 Mar - 1 month = 29 Feb)


def _rows() -> list[dict[str, str]]:
    if not TELCO_CSV.is_file():
        return []
    with TELCO_CSV.open(newline="") as f:
        return list(csv.DictReader(f))


ROWS = _rows()
BY_ID = {row["customerID"]: row for row in ROWS}


def codes(order: OrderRequest) -> list[str]:
    return [item.offering_code for item in order.items]


def charged(order: OrderRequest) -> Decimal:
    return sum((LIST_PRICES[i.offering_code] + i.price_adjustment for i in order.items), D(0))


@needs_telco_data
class TestRowToOrderOnKnownRows:
    def test_the_file_has_the_expected_columns(self) -> None:
        assert list(ROWS[0]) == [
            "customerID", "gender", "SeniorCitizen", "Partner", "Dependents", "tenure", "PhoneService",
            "MultipleLines", "InternetService", "OnlineSecurity", "OnlineBackup", "DeviceProtection",
            "TechSupport", "StreamingTV", "StreamingMovies", "Contract", "PaperlessBilling",
            "PaymentMethod", "MonthlyCharges", "TotalCharges", "Churn",
        ]  # fmt: skip

    def test_dsl_customer_without_phone(self) -> None:
        # 7590-VHVEG: Female, tenure 1, no phone, DSL + online backup, month-to-month, paperless,
        # electronic check, 29.85 a month, still a customer
        order = row_to_order(BY_ID["7590-VHVEG"], LIST_PRICES, TODAY)
        assert order.order_ref == "7590-VHVEG"
        assert order.customer.external_ref == "7590-VHVEG"
        assert order.customer.type == "individual"
        assert codes(order) == ["dsl", "online-backup"]
        # list 30.00, charged 29.85: -0.15 split 25:5, the tied cent to the first
        assert [i.price_adjustment for i in order.items] == [D("-0.13"), D("-0.02")]
        assert charged(order) == D("29.85")
        assert order.agreement.currency == "USD"
        assert order.agreement.commitment_term == 0
        assert order.agreement.bill_delivery == "electronic"
        assert order.agreement.payment_method.type == "electronicCheck"
        assert order.agreement.payment_method.automatic is False
        assert all(i.start_date == date(2024, 2, 29) for i in order.items)
        assert all(i.end_date is None for i in order.items)

    def test_phone_and_dsl_on_a_one_year_contract(self) -> None:
        # 5575-GNVDE: tenure 34, phone, DSL, online security, device protection, one year, paper bill,
        # mailed check, 56.95
        order = row_to_order(BY_ID["5575-GNVDE"], LIST_PRICES, TODAY)
        assert codes(order) == ["phone-line", "dsl", "online-security", "device-protection"]
        # list 55.00, charged 56.95: +1.95 over 20:25:5:5 = 70.9, 88.6, 17.7, 17.7 cents
        assert [i.price_adjustment for i in order.items] == [D("0.71"), D("0.88"), D("0.18"), D("0.18")]
        assert charged(order) == D("56.95")
        assert order.agreement.commitment_term == 12
        assert order.agreement.bill_delivery == "paper"
        assert order.agreement.payment_method.type == "mailedCheck"
        assert order.agreement.payment_method.automatic is False
        assert all(i.start_date == date(2021, 5, 31) for i in order.items)

    def test_a_churned_customer_ends_today(self) -> None:
        # 3668-QPYBK: tenure 2, Churn = Yes
        order = row_to_order(BY_ID["3668-QPYBK"], LIST_PRICES, TODAY)
        assert codes(order) == ["phone-line", "dsl", "online-security", "online-backup"]
        assert charged(order) == D("53.85")
        assert all(i.start_date == date(2024, 1, 31) for i in order.items)
        assert all(i.end_date == TODAY for i in order.items)

    def test_automatic_bank_transfer(self) -> None:
        order = row_to_order(BY_ID["7795-CFOCW"], LIST_PRICES, TODAY)
        assert order.agreement.payment_method.type == "bankTransfer"
        assert order.agreement.payment_method.automatic is True
        assert order.agreement.commitment_term == 12
        assert codes(order) == ["dsl", "online-security", "device-protection", "tech-support"]

    def test_phone_only_on_a_two_year_contract_by_credit_card(self) -> None:
        order = row_to_order(BY_ID["7469-LKBCI"], LIST_PRICES, TODAY)
        assert codes(order) == ["phone-line"]
        assert [i.price_adjustment for i in order.items] == [D("-1.05")]
        assert order.agreement.commitment_term == 24
        assert order.agreement.payment_method.type == "creditCard"
        assert order.agreement.payment_method.automatic is True

    def test_every_service_at_once(self) -> None:
        order = row_to_order(BY_ID["3655-SNQYZ"], LIST_PRICES, TODAY)
        assert codes(order) == [
            "phone-line", "multiple-lines", "fiber-optic", "online-security", "online-backup",
            "device-protection", "tech-support", "streaming-tv", "streaming-movies",
        ]  # fmt: skip
        assert charged(order) == D("113.25")

    def test_characteristics_carry_the_demographics(self) -> None:
        order = row_to_order(BY_ID["5575-GNVDE"], LIST_PRICES, TODAY)
        assert {c.name: c.value for c in order.customer.characteristics} == {
            "gender": "Male",
            "SeniorCitizen": "0",
            "Partner": "No",
            "Dependents": "No",
        }

    def test_tenure_zero_starts_today(self) -> None:
        row = next(r for r in ROWS if r["tenure"] == "0")
        assert not row["TotalCharges"].strip()  # new customers have no total yet; it is not needed
        order = row_to_order(row, LIST_PRICES, TODAY)
        assert all(i.start_date == TODAY for i in order.items)


@needs_telco_data
class TestRowToOrderOnTheWholeFile:
    def test_every_row_is_charged_exactly_its_monthly_charges(self) -> None:
        wrong = []
        for row in ROWS:
            order = row_to_order(row, LIST_PRICES, TODAY)
            if charged(order) != D(row["MonthlyCharges"]):
                wrong.append((row["customerID"], row["MonthlyCharges"], charged(order)))
        assert len(ROWS) > 7000
        assert wrong == []

    def test_every_row_maps_field_by_field(self) -> None:
        for row in ROWS[:500]:
            order = row_to_order(row, LIST_PRICES, TODAY)
            ref = row["customerID"]
            assert order.order_ref == ref
            assert order.customer.external_ref == ref
            has_phone = row["PhoneService"] == "Yes"
            assert ("phone-line" in codes(order)) == has_phone, ref
            assert ("multiple-lines" in codes(order)) == (row["MultipleLines"] == "Yes"), ref
            assert ("fiber-optic" in codes(order)) == (row["InternetService"] == "Fiber optic"), ref
            assert ("dsl" in codes(order)) == (row["InternetService"] == "DSL"), ref
            assert ("streaming-tv" in codes(order)) == (row["StreamingTV"] == "Yes"), ref
            assert (
                order.agreement.commitment_term
                == {"Month-to-month": 0, "One year": 12, "Two year": 24}[row["Contract"]]
            )
            assert (order.agreement.bill_delivery == "electronic") == (row["PaperlessBilling"] == "Yes"), ref
            assert order.agreement.payment_method.automatic == row["PaymentMethod"].endswith("(automatic)")
            start = add_months(TODAY, -int(row["tenure"]))
            end = TODAY if row["Churn"] == "Yes" else None
            assert [(i.start_date, i.end_date) for i in order.items] == [(start, end)] * len(order.items)
            for item in order.items:
                assert item.price_adjustment % D("0.01") == 0
                assert LIST_PRICES[item.offering_code] + item.price_adjustment >= 0

    def test_every_order_passes_the_order_rules(self) -> None:
        refused = {}
        for row in ROWS:
            errors = check_order(row_to_order(row, LIST_PRICES, TODAY), CATALOGUE)
            if errors:
                refused[row["customerID"]] = errors
        assert refused == {}


def _row(**changes: str) -> dict[str, str]:
    return {**BY_ID["7590-VHVEG"], **changes}


@needs_telco_data
class TestRowToOrderRefusesBadRows:
    def test_missing_monthly_charges(self) -> None:
        row = _row()
        del row["MonthlyCharges"]
        with pytest.raises(RowError, match="MonthlyCharges"):
            row_to_order(row, LIST_PRICES, TODAY)

    @pytest.mark.parametrize("value", ["", "  ", "abc", "-1.00", "29.855", "NaN", "Infinity"])
    def test_bad_monthly_charges(self, value: str) -> None:
        with pytest.raises(RowError, match="MonthlyCharges"):
            row_to_order(_row(MonthlyCharges=value), LIST_PRICES, TODAY)

    @pytest.mark.parametrize("value", ["x", "1.5", "", "-1"])
    def test_bad_tenure(self, value: str) -> None:
        with pytest.raises(RowError, match="tenure"):
            row_to_order(_row(tenure=value), LIST_PRICES, TODAY)

    def test_unknown_contract(self) -> None:
        with pytest.raises(RowError, match="Contract 'Weekly'"):
            row_to_order(_row(Contract="Weekly"), LIST_PRICES, TODAY)

    def test_unknown_payment_method(self) -> None:
        with pytest.raises(RowError, match="PaymentMethod"):
            row_to_order(_row(PaymentMethod="Bitcoin"), LIST_PRICES, TODAY)

    @pytest.mark.parametrize("column", ["PaperlessBilling", "Churn"])
    def test_yes_no_columns_take_only_yes_or_no(self, column: str) -> None:
        with pytest.raises(RowError, match=column):
            row_to_order(_row(**{column: "Maybe"}), LIST_PRICES, TODAY)

    def test_missing_customer_id(self) -> None:
        with pytest.raises(RowError, match="customerID"):
            row_to_order(_row(customerID=""), LIST_PRICES, TODAY)

    def test_missing_service_column(self) -> None:
        row = _row()
        del row["StreamingTV"]
        with pytest.raises(RowError, match="StreamingTV"):
            row_to_order(row, LIST_PRICES, TODAY)

    def test_no_phone_and_no_internet(self) -> None:
        no_internet = "No internet service"
        row = _row(
            PhoneService="No",
            MultipleLines="No phone service",
            InternetService="No",
            OnlineSecurity=no_internet,
            OnlineBackup=no_internet,
            DeviceProtection=no_internet,
            TechSupport=no_internet,
            StreamingTV=no_internet,
            StreamingMovies=no_internet,
        )
        with pytest.raises(RowError, match="neither phone nor internet"):
            row_to_order(row, LIST_PRICES, TODAY)

    def test_an_absurdly_large_monthly_charge_is_a_row_error(self) -> None:
        with pytest.raises(RowError, match="MonthlyCharges"):
            row_to_order(_row(MonthlyCharges="1E+30"), LIST_PRICES, TODAY)
