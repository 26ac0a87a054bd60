"""The online shop's order: a customer, an agreement and the offerings they take."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    Field,
    StringConstraints,
    ValidationInfo,
    field_serializer,
    field_validator,
    model_validator,
)

from accord.principal import Principal
from accord.rules.customers import PhoneError, e164
from accord.schemas.common import Address, Amount, ApiModel, Characteristic, CurrencyCode, Name
from accord.schemas.customers import EmailAddress

OrderState = Literal["received", "inProgress", "completed", "failed"]
PaymentMethodType = Literal["creditCard", "bankTransfer", "electronicCheck", "mailedCheck"]
Ref = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]


class OrderCustomer(ApiModel):
    type: Literal["individual", "organisation"] = "individual"
    given_name: Name | None = None
    family_name: Name | None = None
    trading_name: Name | None = None
    # The address first: a national phone number is read in its country.
    address: Address | None = None
    email: EmailAddress | None = None
    phone: Annotated[str, StringConstraints(pattern=r"^\+?[0-9 ()\-.]{4,30}$")] | None = None
    external_ref: Ref | None = Field(default=None, description="the shop's or legacy system's id")
    characteristics: list[Characteristic] = Field(default_factory=list, max_length=50)

    @field_validator("phone")
    @classmethod
    def _e164(cls, phone: str | None, info: ValidationInfo) -> str | None:
        """Stored in E.164, as every customer phone is (rules.customers.e164)."""
        if phone is None:
            return None
        address = info.data.get("address")
        try:
            return e164(phone, address.country if address else None)
        except PhoneError as exc:
            raise ValueError(str(exc)) from exc

    @model_validator(mode="after")
    def _organisation_has_a_name(self) -> OrderCustomer:
        if self.type == "organisation" and not self.trading_name:
            raise ValueError("an organisation needs a tradingName")
        return self


class BillCycle(ApiModel):
    frequency: Literal["monthly"] = "monthly"
    bill_day: int = Field(default=1, ge=1, le=28)


class PaymentMethod(ApiModel):
    type: PaymentMethodType
    automatic: bool = Field(default=False, description="collected by the provider (direct debit, card on file)")
    details: dict[str, str] = Field(default_factory=dict, max_length=20)


class OrderAgreement(ApiModel):
    currency: CurrencyCode
    bill_cycle: BillCycle = Field(default_factory=BillCycle)
    bill_delivery: Literal["electronic", "paper"] = "electronic"
    payment_method: PaymentMethod
    commitment_term: Literal[0, 12, 24] = Field(default=0, description="months; 0 = no commitment")
    billing_address: Address | None = None


class OrderItem(ApiModel):
    offering_code: Ref
    price_adjustment: Amount = Field(
        default=Decimal("0"),
        max_digits=16,
        decimal_places=4,
        description="added to the list price, each month",
    )
    start_date: date | None = Field(default=None, description="for migrated services; default: today")
    end_date: date | None = Field(default=None, description="for migrated services that have ended")

    @field_serializer("price_adjustment")
    def _canonical_amount(self, amount: Decimal) -> str:
        """-2.5 and -2.50 are the same amount, written the same way (so an order hashes the same)."""
        return format(amount.normalize(), "f")

    @model_validator(mode="after")
    def _period_is_ordered(self) -> OrderItem:
        if self.start_date and self.end_date and self.end_date < self.start_date:
            raise ValueError("endDate is before startDate")
        return self


class OrderRequest(ApiModel):
    order_ref: Ref
    customer: OrderCustomer
    agreement: OrderAgreement
    items: list[OrderItem] = Field(min_length=1, max_length=100)


class OrderView(ApiModel):
    order_ref: str
    state: OrderState
    failure_reason: str | None = None
    customer_id: uuid.UUID | None = None
    agreement_id: uuid.UUID | None = None
    subscription_ids: list[uuid.UUID] = Field(default_factory=list)
    workflow_id: str
    workflow_url: str
    links: dict[str, Any] = Field(default_factory=dict)


class OrderStep(BaseModel):
    """What the Onboarding workflow and each of its steps are given: the order, and who placed it."""

    order_id: uuid.UUID
    principal: Principal


class OrderFailure(OrderStep):
    reason: str
