from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Body, Path, Query, Response

from accord.clock import business_today
from accord.errors import FieldError, InvalidInput
from accord.models import Agreement, Subscription
from accord.rules.bill_cycle import bill_day_on
from accord.rules.money import round_money
from accord.rules.orders import monthly_recurring_charge
from accord.schemas.agreements import (
    AgreementList,
    AgreementView,
    NewAgreement,
    PaymentMethodView,
    PendingBillCycle,
)
from accord.schemas.common import AuditEntryView, Page
from accord.schemas.orders import BillCycle
from accord.services import agreements
from api.deps import IfMatchDep, PrincipalDep, SessionDep
from api.paging import Limit, Offset, TrailCursor, trail_page
from api.responses import json_response
from api.routes.subscriptions import subscription_view

__all__ = ["agreement_view", "customer_router", "router", "subscription_view"]

router = APIRouter(prefix="/api/v1/agreements", tags=["agreements"])
# A customer's agreements live under the customer.
customer_router = APIRouter(prefix="/api/v1/customers", tags=["agreements"])

AgreementId = Annotated[uuid.UUID, Path(alias="agreementId")]


def agreement_view(a: Agreement, subscriptions: list[Subscription], today: date | None = None) -> AgreementView:
    today = today or business_today()
    active = [(s.list_price, s.price_adjustment) for s in subscriptions if s.status == "active"]
    in_force = bill_day_on(today, a.bill_day, a.next_bill_day, a.next_bill_day_from)
    pending = None
    if a.next_bill_day is not None and a.next_bill_day_from is not None and in_force != a.next_bill_day:
        pending = PendingBillCycle(bill_day=a.next_bill_day, effective_from=a.next_bill_day_from)
    return AgreementView(
        id=a.id,
        href=f"/api/v1/agreements/{a.id}",
        agreement_number=a.agreement_number,
        customer_id=a.customer_id,
        currency=a.currency,
        bill_cycle=BillCycle(frequency="monthly", bill_day=in_force),
        pending_bill_cycle=pending,
        bill_delivery=a.bill_delivery,
        payment_method=PaymentMethodView.model_validate(agreements.payment_method(a)),
        commitment_term=a.commitment_months,
        commitment_end_date=a.commitment_end_date,
        billing_address=a.billing_address,
        credit_limit=None if a.credit_limit is None else round_money(a.credit_limit, a.currency),
        status=a.status,
        status_reason=a.status_reason,
        monthly_recurring_charge=round_money(monthly_recurring_charge(active), a.currency),
        subscriptions=[subscription_view(s) for s in subscriptions],
        created_at=a.created_at,
        updated_at=a.updated_at,
        created_by=a.created_by,
        updated_by=a.updated_by,
        version=a.version,
    )


@customer_router.post(
    "/{customerId}/agreements",
    status_code=201,
    response_model=AgreementView,
    responses={404: {"description": "no such customer"}, 409: {"description": "the customer is closed"}},
)
async def create_agreement(
    customer_id: Annotated[uuid.UUID, Path(alias="customerId")],
    body: NewAgreement,
    session: SessionDep,
    principal: PrincipalDep,
) -> Response:
    """Open another agreement (billing account) for the customer: currency, bill cycle, bill delivery,
    payment method, commitment term (from today), billing address, credit limit."""
    today = business_today()
    agreement = await agreements.create_agreement(session, principal, customer_id, body, today=today)
    response = json_response(agreement_view(agreement, [], today), etag=agreement.version, status_code=201)
    response.headers["Location"] = f"/api/v1/agreements/{agreement.id}"
    return response


@customer_router.get("/{customerId}/agreements", response_model=AgreementList)
async def list_agreements(
    customer_id: Annotated[uuid.UUID, Path(alias="customerId")],
    session: SessionDep,
    status: Annotated[str | None, Query(pattern="^(active|suspended|closed)$")] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> AgreementList:
    """The customer's agreements, oldest first, each with its subscriptions and monthly recurring charge."""
    rows, total = await agreements.list_agreements(
        session, customer_id=customer_id, status=status, limit=limit, offset=offset
    )
    today = business_today()
    return AgreementList(
        items=[agreement_view(a, subs, today) for a, subs in rows], total=total, limit=limit, offset=offset
    )


@router.get("/{agreementId}", response_model=AgreementView)
async def get_agreement(agreement_id: AgreementId, session: SessionDep) -> Response:
    """The agreement with its subscriptions and its monthly recurring charge: the sum of its active
    subscriptions' list price plus adjustment (suspended and terminated ones are not charged)."""
    agreement, subscriptions = await agreements.get_agreement(session, agreement_id)
    return json_response(agreement_view(agreement, subscriptions), etag=agreement.version)


@router.patch(
    "/{agreementId}",
    response_model=AgreementView,
    responses={
        409: {"description": "a status change the lifecycle refuses, or closing with live subscriptions"},
        412: {"description": "If-Match is stale"},
    },
    openapi_extra={
        "requestBody": {
            "content": {
                "application/merge-patch+json": {"schema": {"type": "object"}},
                "application/json": {"schema": {"type": "object"}},
            }
        }
    },
)
async def update_agreement(
    agreement_id: AgreementId,
    session: SessionDep,
    principal: PrincipalDep,
    if_match: IfMatchDep,
    patch: Annotated[dict[str, Any], Body()],
) -> Response:
    """JSON Merge Patch of billingAddress, billDelivery, paymentMethod, creditLimit, billCycle,
    commitmentTerm (restarts the term today) and status (`statusReason` required with it: a suspend,
    resume or close reason code). A new bill day takes effect from the next bill period: the answer's
    `pendingBillCycle.effectiveFrom` says when; until then `billCycle` keeps the old day."""
    body = dict(patch)
    reasons = {name: body.pop(name, None) for name in ("statusReason", "reasonCode")}
    for name, value in reasons.items():
        if value is not None and not isinstance(value, str):
            raise InvalidInput("a reason code is a string", [FieldError(name, "expected a string")])
    today = business_today()
    agreement = await agreements.update_agreement(
        session,
        principal,
        agreement_id,
        body,
        today=today,
        if_match=if_match,
        status_reason=reasons["statusReason"],
        reason_code=reasons["reasonCode"],
    )
    subscriptions = await agreements.agreement_subscriptions(session, agreement_id)
    return json_response(agreement_view(agreement, subscriptions, today), etag=agreement.version)


@router.get("/{agreementId}/history", response_model=Page[AuditEntryView])
async def agreement_history(
    agreement_id: AgreementId,
    session: SessionDep,
    limit: Limit = 50,
    after: TrailCursor = None,
) -> Page[AuditEntryView]:
    """Every change to the agreement and to its subscriptions, oldest first: who, through which
    channel, when, what changed, and the reason code."""
    events, total = await agreements.agreement_history(session, agreement_id, limit=limit + 1, after_id=after)
    return trail_page(events, total, limit)
