"""Agreements (billing accounts) and what they cost a month."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from accord.db import Executor
from accord.errors import NotFound
from accord.models import Agreement, Subscription
from accord.principal import Principal
from accord.rules.orders import commitment_end
from accord.schemas.orders import OrderAgreement


async def open_agreement(
    session: Executor,
    *,
    customer_id: uuid.UUID,
    terms: OrderAgreement,
    start: date,
    today: date,
    principal: Principal,
) -> uuid.UUID:
    values = dict(
        id=uuid.uuid4(),
        customer_id=customer_id,
        currency=terms.currency,
        bill_frequency=terms.bill_cycle.frequency,
        bill_day=terms.bill_cycle.bill_day,
        bill_delivery=terms.bill_delivery,
        payment_method_type=terms.payment_method.type,
        payment_method_details={
            "automatic": terms.payment_method.automatic,
            **terms.payment_method.details,
        },
        commitment_months=terms.commitment_term,
        commitment_end_date=commitment_end(start, terms.commitment_term, today),
        billing_address=terms.billing_address.model_dump(mode="json") if terms.billing_address else None,
        status="active",
        created_by=principal.audit_name,
        updated_by=principal.audit_name,
        version=1,
    )
    await session.execute(insert(Agreement).values(values))
    return values["id"]  # type: ignore[return-value]


async def get_agreement(session: AsyncSession, agreement_id: uuid.UUID) -> tuple[Agreement, list[Subscription]]:
    agreement = await session.get(Agreement, agreement_id)
    if agreement is None:
        raise NotFound(f"no agreement {agreement_id}")
    subscriptions = await session.scalars(
        select(Subscription)
        .where(Subscription.agreement_id == agreement_id)
        .order_by(Subscription.start_date, Subscription.id)
    )
    return agreement, list(subscriptions)
