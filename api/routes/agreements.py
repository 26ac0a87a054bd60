from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Path, Response

from accord.models import Agreement, Subscription
from accord.rules.money import round_money
from accord.rules.orders import monthly_recurring_charge
from accord.schemas.agreements import AgreementView, PaymentMethodView, SubscriptionView
from accord.schemas.orders import BillCycle
from accord.services import agreements
from api.deps import SessionDep
from api.responses import json_response

router = APIRouter(prefix="/api/v1/agreements", tags=["agreements"])


def subscription_view(s: Subscription) -> SubscriptionView:
    return SubscriptionView(
        id=s.id,
        offering_code=s.offering_code,
        currency=s.currency,
        list_price=round_money(s.list_price, s.currency),
        price_adjustment=round_money(s.price_adjustment, s.currency),
        price=round_money(s.list_price + s.price_adjustment, s.currency),
        status=s.status,
        start_date=s.start_date,
        end_date=s.end_date,
    )


def agreement_view(a: Agreement, subscriptions: list[Subscription]) -> AgreementView:
    active = [(s.list_price, s.price_adjustment) for s in subscriptions if s.status == "active"]
    return AgreementView(
        id=a.id,
        href=f"/api/v1/agreements/{a.id}",
        agreement_number=a.agreement_number,
        customer_id=a.customer_id,
        currency=a.currency,
        bill_cycle=BillCycle(frequency="monthly", bill_day=a.bill_day),
        bill_delivery=a.bill_delivery,
        payment_method=PaymentMethodView(type=a.payment_method_type, details=a.payment_method_details),
        commitment_term=a.commitment_months,
        commitment_end_date=a.commitment_end_date,
        billing_address=a.billing_address,
        status=a.status,
        monthly_recurring_charge=round_money(monthly_recurring_charge(active), a.currency),
        subscriptions=[subscription_view(s) for s in subscriptions],
        created_at=a.created_at,
        updated_at=a.updated_at,
        created_by=a.created_by,
        updated_by=a.updated_by,
        version=a.version,
    )


@router.get("/{agreementId}", response_model=AgreementView)
async def get_agreement(agreement_id: Annotated[uuid.UUID, Path(alias="agreementId")], session: SessionDep) -> Response:
    """The agreement with its subscriptions and its monthly recurring charge: the sum of its active
    subscriptions' list price plus adjustment."""
    agreement, subscriptions = await agreements.get_agreement(session, agreement_id)
    return json_response(agreement_view(agreement, subscriptions), etag=agreement.version)
