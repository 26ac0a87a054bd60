"""TMF637 Product Inventory, read-only: Accord's subscriptions as products."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Path, Response
from sqlalchemy import String, cast, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from accord.errors import NotFound
from accord.models import Agreement, Customer, Offering, Subscription, TmfDocument
from accord.tmf import mapping
from accord.tmf.conventions import PRODUCT_INVENTORY_API, select_fields
from api.deps import SessionDep
from api.tmf.common import FieldsDep, ListQueryDep, list_response, tmf_response

router = APIRouter(prefix=PRODUCT_INVENTORY_API, tags=["TMF637 Product Inventory"])

FILTERS = ("id", "status", "name", "billingAccount.id", "relatedParty.id", "productOffering.id")

agreement_name = TmfDocument.body["name"].astext
PRODUCTS = (
    select(
        Subscription,
        Offering.name.label("offering_name"),
        func.coalesce(agreement_name, Agreement.agreement_number).label("agreement_name"),
        Customer.id.label("customer_id"),
        Customer.kind,
        Customer.given_name,
        Customer.family_name,
        Customer.trading_name,
        Customer.customer_number,
    )
    .join(Offering, Offering.code == Subscription.offering_code)
    .join(Agreement, Agreement.id == Subscription.agreement_id)
    .join(Customer, Customer.id == Agreement.customer_id)
    .outerjoin(TmfDocument, (TmfDocument.kind == "billingAccount") & (TmfDocument.id == cast(Agreement.id, String)))
)


def as_product(row: Any) -> dict[str, Any]:
    return mapping.product(
        subscription=row.Subscription,
        offering_name=row.offering_name,
        agreement_name=row.agreement_name,
        customer_id=row.customer_id,
        customer_name=mapping.customer_name(
            row.kind, row.given_name, row.family_name, row.trading_name, row.customer_number
        ),
    )


def uuids(values: list[str]) -> list[uuid.UUID]:
    """The values that are ids at all (any other matches nothing)."""
    found = []
    for value in values:
        try:
            found.append(uuid.UUID(value))
        except ValueError:
            continue
    return found


def conditions(filters: dict[str, list[str]]) -> list[Any]:
    columns: dict[str, Any] = {
        "id": Subscription.id,
        "billingAccount.id": Subscription.agreement_id,
        "relatedParty.id": Customer.id,
    }
    where = []
    for name, values in filters.items():
        if name in columns:
            where.append(columns[name].in_(uuids(values)))
        elif name == "status":
            where.append(Subscription.status.in_(mapping.from_tmf_status(mapping.SUBSCRIPTION_STATUS, values)))
        elif name == "name":
            where.append(Offering.name.in_(values))
        elif name == "productOffering.id":
            where.append(Subscription.offering_code.in_(values))
    return where


async def find_products(
    session: AsyncSession, filters: dict[str, list[str]], *, offset: int, limit: int
) -> tuple[list[tuple[dict[str, Any], int]], int]:
    """The matching products, each with its version (the ETag), and how many match in all."""
    where = conditions(filters)
    rows = await session.execute(
        PRODUCTS.where(*where).order_by(Subscription.created_at, Subscription.id).offset(offset).limit(limit)
    )
    total = await session.scalar(
        select(func.count())
        .select_from(Subscription)
        .join(Offering, Offering.code == Subscription.offering_code)
        .join(Agreement, Agreement.id == Subscription.agreement_id)
        .join(Customer, Customer.id == Agreement.customer_id)
        .where(*where)
    )
    return [(as_product(row), row.Subscription.version) for row in rows], total or 0


@router.get("/product")
async def list_products(query: ListQueryDep, session: SessionDep) -> Response:
    """Subscriptions as products, oldest first. Filters: id, status (TMF ProductStatusType), name (the
    offering's), billingAccount.id, relatedParty.id, productOffering.id (the offering code)."""
    products, total = await find_products(session, query.filters(FILTERS), offset=query.offset, limit=query.limit)
    return list_response([p for p, _ in products], total=total, query=query)


@router.get("/product/{productId}")
async def get_product(
    product_id: Annotated[str, Path(alias="productId")], fields: FieldsDep, session: SessionDep
) -> Response:
    products, _ = await find_products(session, {"id": [product_id]}, offset=0, limit=1)
    if not products:
        raise NotFound(f"no product {product_id}")
    ((product, version),) = products
    return tmf_response(select_fields(product, fields), etag=version)
