from __future__ import annotations

import base64
import uuid
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request, Response

from accord.errors import FieldError, InvalidInput
from accord.models import Customer
from accord.schemas.common import Page
from accord.schemas.customers import CustomerView
from accord.services import customers
from api.deps import SessionDep, read_pool
from api.responses import json_response

router = APIRouter(prefix="/api/v1/customers", tags=["customers"])


def customer_view(customer: Customer | Any) -> CustomerView:
    """From an ORM customer, or a row with the same columns."""
    return CustomerView(
        id=customer.id,
        href=f"/api/v1/customers/{customer.id}",
        customer_number=customer.customer_number,
        type=customer.kind,
        given_name=customer.given_name,
        family_name=customer.family_name,
        trading_name=customer.trading_name,
        email=customer.email,
        phone=customer.phone,
        addresses=customer.addresses,
        characteristics=customer.characteristics,
        external_ref=customer.external_ref,
        status=customer.status,
        created_at=customer.created_at,
        updated_at=customer.updated_at,
        created_by=customer.created_by,
        updated_by=customer.updated_by,
        version=customer.version,
    )


def encode_cursor(customer: Customer) -> str:
    raw = f"{customer.created_at.isoformat()}|{customer.id}"
    return base64.urlsafe_b64encode(raw.encode()).decode()


def decode_cursor(cursor: str) -> tuple[datetime, uuid.UUID]:
    try:
        created_at, customer_id = base64.urlsafe_b64decode(cursor.encode()).decode().split("|")
        return datetime.fromisoformat(created_at), uuid.UUID(customer_id)
    except ValueError as exc:
        raise InvalidInput("invalid cursor", [FieldError("cursor", "not a cursor this API gave out")]) from exc


@router.get("", response_model=Page[CustomerView])
async def list_customers(
    session: SessionDep,
    external_ref: Annotated[str | None, Query(alias="externalRef", max_length=100)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
    cursor: Annotated[str | None, Query(description="nextCursor of the previous page")] = None,
) -> Page[CustomerView]:
    """Customers, oldest first (ties broken by id). Page with `cursor` (stable while others insert)
    or with `offset`."""
    rows, total = await customers.list_customers(
        session,
        external_ref=external_ref,
        limit=limit + 1,  # one more than asked tells whether there is a next page
        offset=offset,
        after=decode_cursor(cursor) if cursor else None,
    )
    page = rows[:limit]
    return Page[CustomerView](
        items=[customer_view(c) for c in page],
        total=total,
        limit=limit,
        offset=offset,
        next_cursor=encode_cursor(page[-1]) if len(rows) > limit else None,
    )


@router.get("/{customerId}", response_model=CustomerView)
async def get_customer(customer_id: Annotated[uuid.UUID, Path(alias="customerId")], request: Request) -> Response:
    # The hot read path: the connection is taken here rather than through a dependency (a generator
    # dependency costs an exit stack per request, about a tenth of this route's CPU).
    async with read_pool(request).connection() as reader:
        customer = await customers.read_customer(reader, customer_id)
    return json_response(customer_view(customer), etag=customer.version)
