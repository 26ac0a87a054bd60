"""Subscriptions: offerings sold to a customer, charged to an agreement."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import date

from sqlalchemy import insert

from accord.db import Executor
from accord.errors import InvalidInput
from accord.models import Subscription
from accord.principal import Principal
from accord.rules.catalogue import OfferingTerms
from accord.schemas.orders import OrderItem


async def add_subscriptions(
    session: Executor,
    *,
    agreement_id: uuid.UUID,
    currency: str,
    items: Sequence[OrderItem],
    catalogue: Mapping[str, OfferingTerms],
    today: date,
    principal: Principal,
) -> list[uuid.UUID]:
    """One subscription per item, at the offering's list price now. An item whose period has already
    ended (a migrated, churned service) is recorded terminated."""
    rows = []
    for item in items:
        offering = catalogue.get(item.offering_code)
        if offering is None or not offering.active or offering.currency != currency:
            raise InvalidInput(f"offering {item.offering_code} is no longer on sale in {currency}")
        ended = item.end_date is not None and item.end_date <= today
        rows.append(
            dict(
                id=uuid.uuid4(),
                agreement_id=agreement_id,
                offering_code=offering.code,
                currency=currency,
                list_price=offering.monthly_price,
                price_adjustment=item.price_adjustment,
                status="terminated" if ended else "active",
                start_date=item.start_date or today,
                end_date=item.end_date,
                created_by=principal.audit_name,
                updated_by=principal.audit_name,
                version=1,
            )
        )
    await session.execute(insert(Subscription), rows)
    return [row["id"] for row in rows]  # type: ignore[misc]
