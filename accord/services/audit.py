"""The audit trail and the event outbox: every change to a customer, agreement or subscription is
recorded here, in the same transaction as the change itself (one call writes both)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import structlog
from pydantic_core import to_jsonable_python
from sqlalchemy import insert, select

from accord.db import Executor
from accord.models import AuditEvent, OutboxEvent
from accord.principal import Principal


@dataclass(frozen=True)
class Change:
    """One change to one resource. `changes` is {field: {"from": old, "to": new}} for an update
    (see rules.changes.changed_fields), or the new resource's fields for a creation."""

    entity_type: str  # customer, agreement, subscription, ...
    entity_id: uuid.UUID
    action: str  # created, updated, suspended, closed, ...
    customer_id: uuid.UUID | None = None
    changes: dict[str, Any] = field(default_factory=dict)
    reason_code: str | None = None

    @property
    def event_type(self) -> str:
        return f"{self.entity_type}.{self.action}"


async def record(executor: Executor, principal: Principal, changes: Sequence[Change]) -> None:
    """Write each change to the audit trail and to the outbox, within the caller's transaction."""
    if not changes:
        return
    request_id = structlog.contextvars.get_contextvars().get("request_id")
    await executor.execute(
        insert(AuditEvent),
        [
            dict(
                actor=principal.subject,
                channel=principal.channel,
                entity_type=c.entity_type,
                entity_id=c.entity_id,
                customer_id=c.customer_id,
                action=c.action,
                changes=to_jsonable_python(c.changes),
                reason_code=c.reason_code,
                request_id=request_id,
            )
            for c in changes
        ],
    )
    await executor.execute(
        insert(OutboxEvent),
        [
            dict(
                event_type=c.event_type,
                entity_type=c.entity_type,
                entity_id=c.entity_id,
                payload={
                    "id": str(c.entity_id),
                    "customerId": str(c.customer_id) if c.customer_id else None,
                    "changes": to_jsonable_python(c.changes),
                    "reasonCode": c.reason_code,
                    "actor": principal.subject,
                    "channel": principal.channel,
                },
            )
            for c in changes
        ],
    )


async def customer_trail(
    executor: Executor, customer_id: uuid.UUID, *, limit: int, after_id: int | None = None
) -> list[AuditEvent]:
    """A customer's audit trail, oldest first: changes to the customer and to everything it holds."""
    statement = select(AuditEvent).where(AuditEvent.customer_id == customer_id)
    if after_id is not None:
        statement = statement.where(AuditEvent.id > after_id)
    result = await executor.execute(statement.order_by(AuditEvent.id).limit(limit))
    return list(result.scalars())
