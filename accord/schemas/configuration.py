"""Business configuration on the wire: one shape for every kind of reference data (code, name,
status, validity, `attributes`), and per kind a model that validates the `attributes`."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import Field, StringConstraints, field_validator

from accord.schemas.common import Amount, ApiModel, MaxChars, Name, Text

Code = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,59}$")]
Status = Literal["active", "retired"]


class NewReferenceItem(ApiModel):
    code: Code = Field(description="the item's key within its kind, e.g. EUR, net-30, customer-request")
    name: Name
    description: Annotated[str, StringConstraints(max_length=2000)] = ""
    status: Status = "active"
    valid_from: date | None = Field(default=None, description="first business day it applies (inclusive)")
    valid_to: date | None = Field(default=None, description="last business day it applies (inclusive)")
    attributes: dict[str, Any] = Field(default_factory=dict, description="the kind's own fields")


class ReferenceItemView(ApiModel):
    id: uuid.UUID
    href: str
    kind: str
    code: str
    name: str
    description: str
    status: Status
    valid_from: date | None
    valid_to: date | None
    attributes: dict[str, Any]
    created_at: datetime
    updated_at: datetime
    created_by: str
    updated_by: str
    version: int


class ReferenceItemList(ApiModel):
    items: list[ReferenceItemView]
    total: int
    limit: int
    offset: int


# --- the attributes of each kind -------------------------------------------------------------------

Frequency = Literal["weekly", "monthly", "quarterly", "halfYearly", "yearly"]


class BillCycleAttributes(ApiModel):
    frequency: Frequency
    bill_days: list[Annotated[int, Field(ge=1, le=28)]] = Field(
        min_length=1, description="the days of the month a bill may be made on (1-28)"
    )

    @field_validator("bill_days")
    @classmethod
    def _distinct(cls, days: list[int]) -> list[int]:
        if len(set(days)) != len(days):
            raise ValueError("each bill day once")
        return sorted(days)


class PaymentTermAttributes(ApiModel):
    days: int = Field(ge=0, le=365, description="days from the bill date to the due date (net N)")


class PaymentMethodTypeAttributes(ApiModel):
    automatic: bool = Field(
        description="collected by the operator (card, direct debit) rather than sent by the customer"
    )


ACTIONS = frozenset(
    {
        "activate", "suspend", "resume", "close", "anonymise", "terminate", "change-offering", "move", "update",
        "adjust", "refund",
    }
)  # fmt: skip


class ReasonCodeAttributes(ApiModel):
    actions: list[str] = Field(min_length=1, description=f"the actions it is a reason for: {sorted(ACTIONS)}")

    @field_validator("actions")
    @classmethod
    def _known(cls, actions: list[str]) -> list[str]:
        unknown = sorted(set(actions) - ACTIONS)
        if unknown:
            raise ValueError(f"unknown action(s) {unknown}: one of {sorted(ACTIONS)}")
        return sorted(set(actions))


CustomerType = Literal["individual", "organisation"]
CUSTOMER_TYPES: tuple[CustomerType, ...] = ("individual", "organisation")


class CustomerSegmentAttributes(ApiModel):
    customer_types: list[CustomerType] = Field(default_factory=lambda: list(CUSTOMER_TYPES), min_length=1)


class SalesChannelAttributes(ApiModel):
    assisted: bool = Field(default=False, description="an agent acts for the customer (call centre, retail)")


class CurrencyAttributes(ApiModel):
    minor_units: int = Field(ge=0, le=4, description="ISO 4217 decimals: USD 2, JPY 0, KWD 3")
    numeric_code: Annotated[str, StringConstraints(pattern=r"^[0-9]{3}$")] | None = None
    symbol: Annotated[str, StringConstraints(max_length=5)] | None = None


Region = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}(-[A-Z0-9]{1,3})?$")]


class TaxRateAttributes(ApiModel):
    region: Region = Field(description="ISO 3166 country, or country-subdivision: GB, US-CA")
    category: Annotated[Text, MaxChars(40)] = "standard"
    rate: Amount = Field(description='percent, as a string: "20.00"')
    inclusive: bool = Field(description="prices include the tax (true) or it is added on top (false)")

    @field_validator("rate")
    @classmethod
    def _percent(cls, rate: Decimal) -> Decimal:
        if not rate.is_finite() or rate < 0 or rate > 100:
            raise ValueError("a percentage from 0 to 100")
        exponent = rate.normalize().as_tuple().exponent
        if isinstance(exponent, int) and exponent < -4:
            raise ValueError("at most 4 decimals")
        return rate


class SettingAttributes(ApiModel):
    value: Any = Field(description="the setting's value (see the setting's code)")


SETTING_CODES = ("timezone", "defaultCurrency", "taxRounding", "emailUniqueness")
TaxRounding = Literal["perLine", "perBill"]
EmailUniqueness = Literal["global", "none"]
TimezoneName = Annotated[str, StringConstraints(min_length=1, max_length=64)]
