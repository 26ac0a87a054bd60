"""Subscriptions: what a client sends to add or change one, and what it reads."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, Field, field_serializer

from accord.principal import Principal
from accord.schemas.common import Amount, ApiModel
from accord.schemas.orders import Ref

SUBSCRIPTION_CHANGE_WORKFLOW = "SubscriptionChange"

ChangeStatus = Literal["scheduled", "applied", "cancelled", "failed"]


class ChangeView(ApiModel):
    """A transition that waits for a date or spans several rows, run by a workflow."""

    id: uuid.UUID
    href: str
    subscription_id: uuid.UUID
    action: str
    effective_date: date
    parameters: dict[str, Any]
    reason_code: str | None
    status: ChangeStatus
    outcome: str | None
    workflow_id: str
    created_at: datetime
    created_by: str
    updated_at: datetime


class EarlyTerminationView(ApiModel):
    """Recorded when a subscription ends inside its agreement's commitment term; billing charges it."""

    terminated_on: date
    commitment_end_date: date
    months_remaining: int
    monthly_charge: Decimal
    currency: str
    status: str


class SubscriptionView(ApiModel):
    id: uuid.UUID
    href: str | None = None
    agreement_id: uuid.UUID | None = None
    offering_code: str
    currency: str
    list_price: Decimal
    price_adjustment: Decimal
    price: Decimal
    status: str
    status_reason: str | None = None
    suspended_from: date | None = None
    start_date: date
    end_date: date | None
    scheduled_change: ChangeView | None = Field(default=None, description="a change waiting for its date")
    early_termination: EarlyTerminationView | None = None
    version: int | None = None


class SubscriptionPage(ApiModel):
    items: list[SubscriptionView]
    total: int
    limit: int
    offset: int


class NewSubscription(ApiModel):
    offering_code: Ref
    price_adjustment: Amount = Field(default=Decimal("0"), max_digits=16, decimal_places=4)
    start_date: date | None = Field(default=None, description="default: today")

    @field_serializer("price_adjustment")
    def _canonical_amount(self, amount: Decimal) -> str:
        return format(amount.normalize(), "f")


class SuspendRequest(ApiModel):
    reason_code: str
    effective_date: date | None = Field(default=None, description="default: today; a later date schedules it")


class ResumeRequest(ApiModel):
    reason_code: str | None = None


class ChangeOfferingRequest(ApiModel):
    offering_code: Ref
    when: Literal["now", "endOfBillPeriod"] = "now"
    price_adjustment: Amount | None = Field(
        default=None, max_digits=16, decimal_places=4, description="default: the current adjustment is kept"
    )
    reason_code: str | None = Field(default=None, description="default: upgrade or downgrade, by price")

    @field_serializer("price_adjustment")
    def _canonical_amount(self, amount: Decimal | None) -> str | None:
        return None if amount is None else format(amount.normalize(), "f")


class MoveRequest(ApiModel):
    agreement_id: uuid.UUID
    include_dependants: bool = Field(default=False, description="move the add-ons that need this access too")
    reason_code: str | None = None


class TerminateRequest(ApiModel):
    reason_code: str
    when: Literal["now", "endOfTerm"] = "now"
    include_dependants: bool = Field(
        default=False, description="terminate the add-ons that need this access too (else 409 listing them)"
    )


class ChangeRef(BaseModel):
    """What the SubscriptionChange workflow is given: the change, when it is due, who asked for it."""

    change_id: uuid.UUID
    due_at: datetime
    principal: Principal
