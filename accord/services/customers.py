"""Customers: people and organisations that take services."""

from __future__ import annotations

import uuid
from typing import Any

from psycopg import AsyncConnection
from sqlalchemy import func, select, tuple_
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from accord.db import Executor
from accord.errors import NotFound
from accord.models import Customer
from accord.principal import Principal
from accord.schemas.orders import OrderCustomer


async def find_or_create_customer(
    session: Executor, *, customer: OrderCustomer, principal: Principal
) -> tuple[uuid.UUID, bool]:
    """The customer with this external reference, or a new one. Returns (id, created).
    Safe under concurrent calls: the unique external reference decides who creates it."""
    values: dict[str, Any] = {
        "id": uuid.uuid4(),
        "kind": customer.type,
        "given_name": customer.given_name,
        "family_name": customer.family_name,
        "trading_name": customer.trading_name,
        "email": customer.email,
        "phone": customer.phone,
        "addresses": [customer.address.model_dump(mode="json", by_alias=True)] if customer.address else [],
        "characteristics": [c.model_dump(mode="json") for c in customer.characteristics],
        "external_ref": customer.external_ref,
        "status": "active",
        "created_by": principal.audit_name,
        "updated_by": principal.audit_name,
        "version": 1,
    }
    statement = insert(Customer).values(values)
    if customer.external_ref is not None:
        statement = statement.on_conflict_do_nothing(index_elements=["external_ref"])
    created = (await session.execute(statement.returning(Customer.id))).scalar_one_or_none()
    if created is not None:
        return created, True
    existing = await session.scalar(select(Customer.id).where(Customer.external_ref == customer.external_ref))
    assert existing is not None  # the conflict that skipped the insert is this row
    return existing, False


CUSTOMER_BY_ID = f"SELECT {', '.join(c.name for c in Customer.__table__.columns)} FROM customers WHERE id = %s"


async def read_customer(connection: AsyncConnection[Any], customer_id: uuid.UUID) -> Any:
    """One customer by id, as a row with the Customer columns as attributes: the API's hot read
    path (one prepared statement, no ORM, no transaction)."""
    cursor = await connection.execute(CUSTOMER_BY_ID, (customer_id,))
    row = await cursor.fetchone()
    if row is None:
        raise NotFound(f"no customer {customer_id}")
    return row


async def list_customers(
    session: AsyncSession,
    *,
    external_ref: str | None,
    limit: int,
    offset: int,
    after: tuple[Any, uuid.UUID] | None,
) -> tuple[list[Customer], int]:
    """A page of customers in a stable order (creation time, then id), and how many match in all.
    `after` (the last row's creation time and id) pages by keyset, which neither skips nor repeats
    rows while others insert."""
    where = [] if external_ref is None else [Customer.external_ref == external_ref]
    query = select(Customer).where(*where).order_by(Customer.created_at, Customer.id).limit(limit)
    if after is not None:
        query = query.where(tuple_(Customer.created_at, Customer.id) > tuple_(*after))
    else:
        query = query.offset(offset)
    rows = list(await session.scalars(query))
    total = await session.scalar(select(func.count()).select_from(Customer).where(*where))
    return rows, total or 0
