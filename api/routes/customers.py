"""/api/v1/customers: create, read, merge-patch, delete, search; lifecycle, anonymisation,
hierarchy and the audit trail. Thin: the rules live in accord/services/customers.py."""

from __future__ import annotations

import base64
import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Depends, Path, Query, Request, Response
from pydantic import ConfigDict, Field

from accord.errors import FieldError, InvalidInput
from accord.models import Customer
from accord.schemas.common import ApiModel, AuditEntryView, Page, page_document
from accord.schemas.customers import (
    CustomerCreate,
    CustomerView,
    LifecycleRequest,
    customer_document,
    customer_view,
)
from accord.services import customers
from api.deps import IfMatchDep, PrincipalDep, SessionDep, read_pool
from api.paging import BIGINT_MAX, Limit, Offset, TrailCursor, trail_page
from api.query import QueryModel
from api.responses import document_response, json_response

router = APIRouter(prefix="/api/v1/customers", tags=["customers"])

CustomerId = Annotated[uuid.UUID, Path(alias="customerId")]
Cursor = Annotated[str | None, Query(description="nextCursor of the previous page")]


def encode_cursor(customer: Any) -> str:
    """The position after this customer (its creation time and id) in the search order."""
    raw = f"{customer.created_at.isoformat()}|{customer.id}"
    return base64.urlsafe_b64encode(raw.encode()).decode()


def decode_cursor(cursor: str) -> tuple[datetime, uuid.UUID]:
    try:
        created_at, customer_id = base64.urlsafe_b64decode(cursor.encode()).decode().split("|")
        return datetime.fromisoformat(created_at), uuid.UUID(customer_id)
    except ValueError as exc:
        raise InvalidInput("invalid cursor", [FieldError("cursor", "not a cursor this API gave out")]) from exc


def written(customer: Customer, status_code: int = 200) -> Response:
    """A write's answer: the customer as it now stands, with its new ETag."""
    response = json_response(customer_view(customer), etag=customer.version, status_code=status_code)
    if status_code == 201:
        response.headers["Location"] = f"/api/v1/customers/{customer.id}"
    return response


async def _page(
    request: Request, filters: customers.CustomerFilters, limit: int, offset: int, cursor: str | None
) -> Response:
    after = decode_cursor(cursor) if cursor else None
    async with read_pool(request).connection() as reader:
        rows, total = await customers.search_customers(
            reader,
            filters,
            limit=limit + 1,  # one more than asked tells whether there is a next page
            offset=offset,
            after=after,
        )
    page = rows[:limit]
    return document_response(
        page_document(
            [customer_document(c) for c in page],
            total=total,
            limit=limit,
            offset=offset,
            next_cursor=encode_cursor(page[-1]) if len(rows) > limit else None,
        )
    )


class CustomerSearch(ApiModel):
    """The search's query parameters: every filter given must match; none is required."""

    # Unknown parameters are ignored and only the wire names count, as FastAPI does with parameters.
    model_config = ConfigDict(extra="ignore", populate_by_name=False)

    name: str | None = Field(None, max_length=200, description="start of words of the name; accents and case ignored")
    email: str | None = Field(None, max_length=320, description="exact, case-insensitive")
    phone: str | None = Field(None, max_length=40, description="compared in E.164, e.g. +442079460958")
    customer_number: str | None = Field(None, max_length=20)
    external_ref: str | None = Field(None, max_length=100)
    status: Literal["prospect", "active", "suspended", "closed"] | None = None
    segment: str | None = Field(None, max_length=50)
    type: Literal["individual", "organisation"] | None = None
    parent_id: uuid.UUID | None = None
    limit: int = Field(50, ge=1, le=200)
    offset: int = Field(0, ge=0, le=BIGINT_MAX)
    cursor: str | None = Field(None, description="nextCursor of the previous page")

    def filters(self) -> customers.CustomerFilters:
        return customers.CustomerFilters(**self.model_dump(exclude={"limit", "offset", "cursor"}))


search_query = QueryModel(CustomerSearch)


@router.get("", response_model=Page[CustomerView], openapi_extra=search_query.openapi)
async def search_customers(request: Request, query: Annotated[CustomerSearch, Depends(search_query)]) -> Response:
    """Customers matching every given filter, oldest first (ties broken by id), with the total.
    Page with `cursor` (stable while others insert) or with `offset`."""
    return await _page(request, query.filters(), query.limit, query.offset, query.cursor)


@router.post("", status_code=201, response_model=CustomerView)
async def create_customer(body: CustomerCreate, session: SessionDep, principal: PrincipalDep) -> Response:
    """A new customer, a prospect unless `status` is active: 201 with Location and ETag. 409 when the
    external reference or an email (case-insensitively) is another customer's."""
    customer = await customers.create_customer(session, principal, body)
    return written(customer, 201)


@router.get("/{customerId}", response_model=CustomerView)
async def get_customer(customer_id: CustomerId, request: Request) -> Response:
    # The hot read path: the connection is taken here rather than through a dependency (a generator
    # dependency costs an exit stack per request, about a tenth of this route's CPU).
    async with read_pool(request).connection() as reader:
        customer = await customers.read_customer(reader, customer_id)
    return document_response(customer_document(customer), etag=customer.version)


@router.patch("/{customerId}", response_model=CustomerView)
async def patch_customer(
    customer_id: CustomerId,
    patch: Annotated[dict[str, Any], Body(media_type="application/merge-patch+json")],
    session: SessionDep,
    principal: PrincipalDep,
    if_match: IfMatchDep,
) -> Response:
    """JSON Merge Patch (RFC 7396) onto the customer as GET shows it, validated as a whole.
    `application/merge-patch+json` or `application/json`. If-Match → 412 when stale."""
    customer = await customers.update_customer(session, principal, customer_id, patch, if_match=if_match)
    return written(customer)


@router.delete("/{customerId}", status_code=204)
async def delete_customer(
    customer_id: CustomerId, session: SessionDep, principal: PrincipalDep, if_match: IfMatchDep
) -> Response:
    """Only a customer nothing refers to (no agreements, orders, children, subscriptions or debt);
    409 lists what blocks it."""
    await customers.delete_customer(session, principal, customer_id, if_match=if_match)
    return Response(status_code=204)


def _lifecycle(action: str, summary: str) -> None:
    async def change(
        customer_id: CustomerId,
        body: LifecycleRequest,
        session: SessionDep,
        principal: PrincipalDep,
        if_match: IfMatchDep,
    ) -> Response:
        customer = await customers.change_status(
            session, principal, customer_id, action, body.reason_code, if_match=if_match
        )
        return written(customer)

    change.__name__ = f"{action}_customer"
    router.add_api_route(
        f"/{{customerId}}/{action}",
        change,
        methods=["POST"],
        response_model=CustomerView,
        summary=summary,
        description=f"`reasonCode`: one of the `{action}` reason codes (422 otherwise). 409 when the "
        "customer's status does not allow it.",
    )


_lifecycle("activate", "prospect → active")
_lifecycle("suspend", "active → suspended")
_lifecycle("resume", "suspended → active")
_lifecycle("close", "prospect, active or suspended → closed; 409 listing subscriptions or debt that block it")


@router.post("/{customerId}/anonymise", response_model=CustomerView)
async def anonymise_customer(
    customer_id: CustomerId,
    body: LifecycleRequest,
    session: SessionDep,
    principal: PrincipalDep,
    if_match: IfMatchDep,
) -> Response:
    """Erase a closed customer's personal data; ids, agreements and bills are kept. Audited."""
    customer = await customers.anonymise_customer(session, principal, customer_id, body.reason_code, if_match=if_match)
    return written(customer)


@router.get("/{customerId}/children", response_model=Page[CustomerView])
async def children(
    customer_id: CustomerId,
    request: Request,
    session: SessionDep,
    limit: Limit = 50,
    offset: Offset = 0,
    cursor: Cursor = None,
) -> Response:
    """The organisation's child organisations and contacts (set `parentId` on the child)."""
    await customers.get_customer(session, customer_id)
    return await _page(request, customers.CustomerFilters(parent_id=customer_id), limit, offset, cursor)


@router.get("/{customerId}/audit", response_model=Page[AuditEntryView])
async def audit_trail(
    customer_id: CustomerId, session: SessionDep, limit: Limit = 50, after: TrailCursor = None
) -> Page[AuditEntryView]:
    """Every change to the customer and to its agreements and subscriptions, oldest first: who,
    through which channel, when, what changed, and the reason code."""
    events, total = await customers.audit_trail(session, customer_id, limit=limit + 1, after_id=after)
    return trail_page(events, total, limit)
