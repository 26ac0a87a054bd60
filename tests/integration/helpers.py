from __future__ import annotations

import asyncio
import socket
import time
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from accord.db import unit_of_work
from accord.principal import Principal
from accord.schemas.catalogue import OfferingDef, PriceDef
from accord.services import catalogue


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


async def wait_for_order(api: httpx.AsyncClient, order_ref: str, within: float = 30.0) -> dict[str, Any]:
    """Poll the order until it completes or fails."""
    deadline = time.monotonic() + within
    while True:
        response = await api.get(f"/api/v1/orders/{order_ref}")
        assert response.status_code == 200, response.text
        order: dict[str, Any] = response.json()
        if order["state"] in ("completed", "failed"):
            return order
        assert time.monotonic() < deadline, f"order {order_ref} still {order['state']} after {within} s"
        await asyncio.sleep(0.1)


ADMIN = Principal(subject="pat.product", channel="admin")


async def publish_now(
    sessions: async_sessionmaker[AsyncSession],
    *offerings: OfferingDef,
    prices: tuple[PriceDef, ...] = (),
    effective_at: datetime | None = None,
) -> catalogue.Published:
    """Publish the live catalogue plus these offerings and prices (no change set: the service's own
    publish, as the workflow's activity calls it)."""
    async with unit_of_work(sessions) as session:
        _, live = await catalogue.catalogue_as_of(session)
        after = live.copy()
        after.offerings.update({o.code: o for o in offerings})
        after.prices.update({p.code: p for p in prices})
        return await catalogue.publish(
            session, after=after, principal=ADMIN, effective_at=effective_at or datetime.now(UTC)
        )


def promo(code: str, **fields: Any) -> tuple[OfferingDef, PriceDef]:
    offering = OfferingDef.model_validate(
        {"code": code, "name": "Promo fiber", "kind": "access", "family": "internet", "status": "active", **fields}
    )
    price = PriceDef(
        code=f"{code}-monthly",
        offering_code=code,
        price_type="recurring",
        period="month",
        amount=Decimal("40.00"),
        currency="USD",
    )
    return offering, price
