"""Orders from the online shop (and the migration of a legacy base): intake, then the onboarding
steps that the Onboarding workflow runs, each one transaction on the locked order row."""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import uuid
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Row, Update, bindparam, delete, func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncEngine
from temporalio.client import Client
from temporalio.common import SearchAttributePair, TypedSearchAttributes
from temporalio.exceptions import WorkflowAlreadyStartedError

from accord.db import Executor, autocommit
from accord.errors import Conflict, InvalidInput, NotFound
from accord.models import Agreement, Customer, Order, Subscription
from accord.principal import Principal
from accord.rules.orders import check_order
from accord.schemas.orders import OrderRequest, OrderStep
from accord.services import agreements, catalogue, customers, subscriptions
from accord.temporal import ONBOARDING_WORKFLOW, ORDER_REF


def onboarding_workflow_id(order_ref: str) -> str:
    return f"onboarding-{order_ref}"


def request_hash(request: OrderRequest) -> str:
    """SHA-256 of the order in canonical form: the same order however its JSON was written."""
    canonical = json.dumps(request.model_dump(mode="json", by_alias=True), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


# An order as stored: a row with the orders columns as attributes. The intake runs once per order of an
# import, so it reads and writes rows with statements built once, not ORM objects.
OrderRow = Row[Any]
_ORDER_BY_REF = select(*Order.__table__.columns).where(Order.order_ref == bindparam("order_ref"))
_INSERT_UNLESS_PLACED = (
    insert(Order).on_conflict_do_nothing(index_elements=["order_ref"]).returning(*Order.__table__.columns)
)


async def record_order(session: Executor, *, request: OrderRequest, principal: Principal) -> tuple[OrderRow, bool]:
    """Store a new order, or return the one already stored under its orderRef. Returns (order,
    created). The same orderRef with another body is a conflict. Deduplication is the unique
    order_ref in PostgreSQL, so it holds however long ago the first order came. An order placed
    before is answered as it stands even if it could not be placed now (its offering withdrawn).
    Each statement stands on its own (the insert decides, a read follows only when it did not
    insert): it may run in autocommit."""
    digest = request_hash(request)
    terms = await catalogue.offering_terms(session, currency=request.agreement.currency)
    errors = check_order(request, terms, at=datetime.now(UTC), channel=principal.channel)
    if not errors:
        inserted = (
            await session.execute(
                _INSERT_UNLESS_PLACED,
                {
                    "id": uuid.uuid4(),
                    "order_ref": request.order_ref,
                    "request": request.model_dump(mode="json", by_alias=True),
                    "request_hash": digest,
                    "state": "received",
                    "workflow_id": onboarding_workflow_id(request.order_ref),
                    "channel": principal.channel,
                    "subscription_ids": [],
                    "customer_created": False,
                    "created_by": principal.audit_name,
                    "updated_by": principal.audit_name,
                    "version": 1,
                },
            )
        ).one_or_none()
        if inserted is not None:
            return inserted, True
    existing = await _order_by_ref(session, request.order_ref)
    if existing is None:
        raise InvalidInput("the order cannot be fulfilled", errors)
    if existing.request_hash != digest:
        raise Conflict(f"order {request.order_ref} was already placed with other contents")
    return existing, False


async def get_order(session: Executor, order_ref: str) -> OrderRow:
    order = await _order_by_ref(session, order_ref)
    if order is None:
        raise NotFound(f"no order {order_ref}")
    return order


async def list_orders(session: Executor, *, state: str | None, limit: int, offset: int) -> tuple[list[OrderRow], int]:
    """Orders, oldest first (ties by id), in `state` if given (an operator looking for the failed or
    the stuck), and how many there are."""
    where = [Order.state == state] if state else []
    page = await session.execute(
        select(*Order.__table__.columns).where(*where).order_by(Order.created_at, Order.id).limit(limit).offset(offset)
    )
    total = await session.scalar(select(func.count()).select_from(Order).where(*where))
    return list(page.all()), total or 0


async def _order_by_ref(session: Executor, order_ref: str) -> OrderRow | None:
    return (await session.execute(_ORDER_BY_REF, {"order_ref": order_ref})).one_or_none()


# --- The onboarding steps. Each locks the order, does nothing if its work is already recorded there
# (so a retried or replayed step is harmless), and records what it made. They run once per order in the
# worker's hot path, so they use SQLAlchemy Core: a few statements each, no unit-of-work bookkeeping.

LOCK_ORDER = (
    select(
        Order.request,
        Order.state,
        Order.customer_id,
        Order.customer_created,
        Order.agreement_id,
        Order.subscription_ids,
    )
    .where(Order.id == bindparam("order_id"))
    .with_for_update()
)


async def _lock(session: Executor, order_id: uuid.UUID) -> Row[Any]:
    row = (await session.execute(LOCK_ORDER, {"order_id": order_id})).one_or_none()
    if row is None:
        raise NotFound(f"no order {order_id}")
    return row


@functools.cache
def _recording(columns: tuple[str, ...], *, unless_completed: bool = False) -> Update:
    """The UPDATE that records a step's result (these columns) on the order, built once per set of
    columns: its values are bound per call, so SQLAlchemy reuses the compiled statement."""
    table = Order.__table__
    statement = (
        update(Order)
        .where(Order.id == bindparam("the_order"))
        .values(
            {
                **{name: bindparam(f"new_{name}", type_=table.c[name].type) for name in columns},
                "updated_by": bindparam("recorded_by"),
                "updated_at": func.now(),
                "version": Order.version + 1,
            }
        )
    )
    return statement.where(Order.state != "completed") if unless_completed else statement


async def _record(
    session: Executor, order_id: uuid.UUID, principal: Principal, *, unless_completed: bool = False, **values: Any
) -> None:
    columns = tuple(sorted(values))
    await session.execute(
        _recording(columns, unless_completed=unless_completed),
        {"the_order": order_id, "recorded_by": principal.audit_name, **{f"new_{k}": v for k, v in values.items()}},
    )


async def onboard_customer(session: Executor, *, order_id: uuid.UUID, principal: Principal) -> uuid.UUID:
    order = await _lock(session, order_id)
    if order.customer_id is not None:
        return order.customer_id
    request = OrderRequest.model_validate(order.request)
    customer_id, created = await customers.find_or_create_customer(
        session, customer=request.customer, principal=principal
    )
    await _record(session, order_id, principal, customer_id=customer_id, customer_created=created, state="inProgress")
    return customer_id


async def onboard_agreement(session: Executor, *, order_id: uuid.UUID, today: date, principal: Principal) -> uuid.UUID:
    order = await _lock(session, order_id)
    if order.agreement_id is not None:
        return order.agreement_id
    assert order.customer_id is not None, "the customer step runs first"
    request = OrderRequest.model_validate(order.request)
    start = min((item.start_date or today for item in request.items), default=today)
    agreement_id = await agreements.open_agreement(
        session, customer_id=order.customer_id, terms=request.agreement, start=start, today=today, principal=principal
    )
    await _record(session, order_id, principal, agreement_id=agreement_id)
    return agreement_id


async def onboard_subscriptions(
    session: Executor, *, order_id: uuid.UUID, today: date, principal: Principal
) -> list[uuid.UUID]:
    order = await _lock(session, order_id)
    if order.subscription_ids:
        return [uuid.UUID(i) for i in order.subscription_ids]
    assert order.agreement_id is not None, "the agreement step runs first"
    assert order.customer_id is not None, "the customer step runs first"
    request = OrderRequest.model_validate(order.request)
    ids = await subscriptions.add_subscriptions(
        session,
        agreement_id=order.agreement_id,
        customer_id=order.customer_id,
        currency=request.agreement.currency,
        items=request.items,
        catalogue=await catalogue.offering_terms(session, currency=request.agreement.currency),
        today=today,
        principal=principal,
    )
    await _record(session, order_id, principal, subscription_ids=[str(i) for i in ids])
    return ids


async def complete_order(session: Executor, *, order_id: uuid.UUID, principal: Principal) -> None:
    """One conditional UPDATE: completing an order twice changes nothing the second time."""
    await _record(session, order_id, principal, state="completed", unless_completed=True)


async def fail_order(session: Executor, *, order_id: uuid.UUID, reason: str, principal: Principal) -> None:
    """Record why the order failed and remove what it had made, so that nothing stays half-made.
    A customer it found (rather than created), or one that has other agreements, stays."""
    order = await _lock(session, order_id)
    # The order lets go of the rows first, then they are removed.
    await _record(
        session,
        order_id,
        principal,
        state="failed",
        failure_reason=reason,
        customer_id=None,
        customer_created=False,
        agreement_id=None,
        subscription_ids=[],
    )
    subscription_ids = [uuid.UUID(i) for i in order.subscription_ids]
    agreement_id, customer_id, created = order.agreement_id, order.customer_id, order.customer_created
    if subscription_ids:
        await session.execute(delete(Subscription).where(Subscription.id.in_(subscription_ids)))
    if agreement_id is not None:
        await session.execute(delete(Agreement).where(Agreement.id == agreement_id))
    if customer_id is not None and created:
        others = await session.scalar(
            select(func.count()).select_from(Agreement).where(Agreement.customer_id == customer_id)
        )
        if not others:
            await session.execute(delete(Customer).where(Customer.id == customer_id))


async def start_onboarding(client: Client, *, order: OrderRow, principal: Principal, task_queue: str) -> None:
    """Start the order's Onboarding workflow; starting it again is harmless."""
    with contextlib.suppress(WorkflowAlreadyStartedError):
        await client.start_workflow(
            ONBOARDING_WORKFLOW,
            OrderStep(order_id=order.id, principal=principal),
            id=order.workflow_id,
            task_queue=task_queue,
            search_attributes=TypedSearchAttributes([SearchAttributePair(ORDER_REF, order.order_ref)]),
        )


async def place_order(
    engine: AsyncEngine,
    client: Client,
    *,
    request: OrderRequest,
    principal: Principal,
    task_queue: str,
) -> tuple[OrderRow, bool]:
    """Record the order, then start its workflow. Returns (order, created). An order stored but not
    yet started (the process died in between) is started when it is placed again."""
    async with autocommit(engine) as connection:
        order, created = await record_order(connection, request=request, principal=principal)
    if order.state == "received":
        await start_onboarding(client, order=order, principal=principal, task_queue=task_queue)
    return order, created
