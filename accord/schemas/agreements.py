"""Agreements (billing accounts): what a client sends to open or change one, and what it reads."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

from pydantic import Field

from accord.schemas.common import Address, Amount, ApiModel
from accord.schemas.orders import BillCycle, OrderAgreement, PaymentMethod
from accord.schemas.subscriptions import SubscriptionView

AgreementStatus = Literal["active", "suspended", "closed"]


class NewAgreement(OrderAgreement):
    """An agreement opened for an existing customer: the order's agreement terms, plus a credit limit."""

    credit_limit: Amount | None = Field(default=None, ge=0, description="in the agreement's currency; none: no limit")


class AgreementSettings(ApiModel):
    """What a PATCH (JSON Merge Patch) can change; the currency and the customer are fixed. Sent along
    it, `statusReason` is the reason code of a status change (required then) and `reasonCode` the
    reason of any other change (optional)."""

    bill_cycle: BillCycle
    bill_delivery: Literal["electronic", "paper"]
    payment_method: PaymentMethod
    billing_address: Address | None = None
    credit_limit: Amount | None = Field(default=None, ge=0)
    commitment_term: Literal[0, 12, 24] = Field(description="months, from today when changed; 0 = no commitment")
    status: AgreementStatus


class PaymentMethodView(ApiModel):
    """The same shape as the payment method an order or a PATCH sends."""

    type: str
    automatic: bool
    details: dict[str, Any]


class PendingBillCycle(ApiModel):
    """A bill-day change waiting for the next bill period."""

    bill_day: int
    effective_from: date


class AgreementView(ApiModel):
    id: uuid.UUID
    href: str
    agreement_number: str
    customer_id: uuid.UUID
    currency: str
    bill_cycle: BillCycle = Field(description="in force today")
    pending_bill_cycle: PendingBillCycle | None = None
    bill_delivery: str
    payment_method: PaymentMethodView
    commitment_term: int
    commitment_end_date: date | None
    billing_address: dict[str, Any] | None
    credit_limit: Decimal | None = None
    status: str
    status_reason: str | None = None
    monthly_recurring_charge: Decimal
    subscriptions: list[SubscriptionView]
    created_at: datetime
    updated_at: datetime
    created_by: str
    updated_by: str
    version: int


class AgreementList(ApiModel):
    items: list[AgreementView]
    total: int
    limit: int
    offset: int
