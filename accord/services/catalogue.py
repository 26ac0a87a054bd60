"""The product catalogue: offerings and their prices."""

from __future__ import annotations

import json
from decimal import Decimal
from importlib import resources

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from accord.db import Executor
from accord.models import Offering
from accord.principal import Principal
from accord.rules.catalogue import OfferingTerms


async def list_offerings(session: AsyncSession) -> list[Offering]:
    result = await session.scalars(select(Offering).order_by(Offering.kind, Offering.code))
    return list(result)


TERMS = select(
    Offering.code,
    Offering.kind,
    Offering.family,
    Offering.monthly_price,
    Offering.currency,
    Offering.status == "active",
)


async def offering_terms(session: Executor) -> dict[str, OfferingTerms]:
    """Every offering, as the pure rules see it, by code."""
    return {row[0]: OfferingTerms(*row) for row in await session.execute(TERMS)}


async def load_sample_catalogue(session: AsyncSession, principal: Principal) -> int:
    """Add the offerings Accord ships with; ones already present are left as they are.
    Returns how many were added."""
    seed = json.loads(resources.files("accord").joinpath("seed/catalogue.json").read_text())
    rows = [
        {
            "code": o["code"],
            "name": o["name"],
            "description": o["description"],
            "kind": o["kind"],
            "family": o["family"],
            "monthly_price": Decimal(o["monthlyPrice"]),
            "currency": o["currency"],
            "created_by": principal.audit_name,
            "updated_by": principal.audit_name,
            "version": 1,
        }
        for o in seed["offerings"]
    ]
    result = await session.execute(
        insert(Offering).values(rows).on_conflict_do_nothing(index_elements=["code"]).returning(Offering.code)
    )
    return len(result.all())
