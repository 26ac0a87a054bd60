"""A row of the legacy telco customer base (the "Telco Customer Churn" shape) → an onboarding order."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import TypeVar

from accord.rules.money import allocate, fits_minor_unit
from accord.rules.orders import add_months
from accord.schemas.orders import OrderRequest

_T = TypeVar("_T")
CURRENCY = "USD"
MAX_TENURE_MONTHS = 1200
MAX_MONTHLY_CHARGE = Decimal(100_000)
# Column → (value that means "has it", offering code), in the order items are listed.
SERVICES: list[tuple[str, str, str]] = [
    ("PhoneService", "Yes", "phone-line"),
    ("MultipleLines", "Yes", "multiple-lines"),
    ("InternetService", "DSL", "dsl"),
    ("InternetService", "Fiber optic", "fiber-optic"),
    ("OnlineSecurity", "Yes", "online-security"),
    ("OnlineBackup", "Yes", "online-backup"),
    ("DeviceProtection", "Yes", "device-protection"),
    ("TechSupport", "Yes", "tech-support"),
    ("StreamingTV", "Yes", "streaming-tv"),
    ("StreamingMovies", "Yes", "streaming-movies"),
]
CONTRACT_MONTHS = {"Month-to-month": 0, "One year": 12, "Two year": 24}
PAYMENT_METHODS = {
    "Electronic check": ("electronicCheck", False),
    "Mailed check": ("mailedCheck", False),
    "Bank transfer (automatic)": ("bankTransfer", True),
    "Credit card (automatic)": ("creditCard", True),
}
CHARACTERISTICS = ["gender", "SeniorCitizen", "Partner", "Dependents"]
COLUMNS = {
    "customerID", "tenure", "Contract", "PaperlessBilling", "PaymentMethod", "MonthlyCharges", "Churn",
    *CHARACTERISTICS, *(column for column, _, _ in SERVICES),
}  # fmt: skip


def missing_columns(header: list[str]) -> list[str]:
    """The columns a file of this shape must have that `header` lacks."""
    return sorted(COLUMNS - set(header))


class RowError(ValueError):
    """The row cannot become an order; the message says why."""


def row_to_order(row: Mapping[str, str], list_prices: Mapping[str, Decimal], today: date) -> OrderRequest:
    """Map one row to an order whose subscriptions add up to `MonthlyCharges` to the cent.

    Each service becomes a subscription at its list price; the difference between the list total and
    `MonthlyCharges` is the customer's negotiated adjustment, spread over the subscriptions in
    proportion to their list prices. `tenure` months ago is when they started; `Churn = Yes` ends
    them today."""
    ref = _field(row, "customerID")
    codes = [code for column, value, code in SERVICES if _field(row, column) == value]
    if not codes:
        raise RowError("the row has neither phone nor internet service")
    monthly = _money(row, "MonthlyCharges")
    try:
        tenure = int(_field(row, "tenure"))
    except ValueError as exc:
        raise RowError(f"tenure {row.get('tenure')!r} is not a whole number of months") from exc
    if not 0 <= tenure <= MAX_TENURE_MONTHS:
        raise RowError(f"tenure {tenure} is not between 0 and {MAX_TENURE_MONTHS} months")
    contract = _lookup(CONTRACT_MONTHS, row, "Contract")
    payment_type, automatic = _lookup(PAYMENT_METHODS, row, "PaymentMethod")
    paperless = _lookup({"Yes": True, "No": False}, row, "PaperlessBilling")
    churned = _lookup({"Yes": True, "No": False}, row, "Churn")

    prices = [list_prices[code] for code in codes]
    adjustments = allocate(monthly - sum(prices, Decimal(0)), prices, CURRENCY)
    start = add_months(today, -tenure)
    return OrderRequest.model_validate(
        {
            "orderRef": ref,
            "customer": {
                "type": "individual",
                "externalRef": ref,
                "characteristics": [{"name": name, "value": _field(row, name)} for name in CHARACTERISTICS],
            },
            "agreement": {
                "currency": CURRENCY,
                "billCycle": {"frequency": "monthly", "billDay": 1},
                "billDelivery": "electronic" if paperless else "paper",
                "paymentMethod": {"type": payment_type, "automatic": automatic},
                "commitmentTerm": contract,
            },
            "items": [
                {
                    "offeringCode": code,
                    "priceAdjustment": str(adjustment),
                    "startDate": start.isoformat(),
                    "endDate": today.isoformat() if churned else None,
                }
                for code, adjustment in zip(codes, adjustments, strict=True)
            ],
        }
    )


def _field(row: Mapping[str, str], column: str) -> str:
    value = row.get(column)
    if value is None or not value.strip():
        raise RowError(f"{column} is missing")
    return value.strip()


def _lookup(table: Mapping[str, _T], row: Mapping[str, str], column: str) -> _T:
    value = _field(row, column)
    if value not in table:
        raise RowError(f"{column} {value!r} is not one of {', '.join(table)}")
    return table[value]


def _money(row: Mapping[str, str], column: str) -> Decimal:
    try:
        amount = Decimal(_field(row, column))
    except InvalidOperation as exc:
        raise RowError(f"{column} {row.get(column)!r} is not an amount") from exc
    if not amount.is_finite() or not 0 <= amount <= MAX_MONTHLY_CHARGE or not fits_minor_unit(amount, CURRENCY):
        raise RowError(f"{column} {amount} is not a valid monthly charge")
    return amount
