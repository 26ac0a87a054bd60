"""The audit trail and the event outbox: every change to a customer, agreement or subscription is
recorded here, in the same transaction as the change itself (one call writes both)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import structlog
from pydantic_core import to_json
from sqlalchemy import ColumnElement, Row, func, select, text

from accord.db import Executor
from accord.models import AuditEvent
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


# Both rows in one round trip: the changes travel as one JSON array, the audit rows and the outbox events
# are made from it by one statement.
RECORD = text(
    """
    WITH changes AS (
        SELECT * FROM jsonb_to_recordset(CAST(:changes AS jsonb)) AS c(
            entity_type text, entity_id uuid, customer_id uuid, action text, changes jsonb, reason_code text
        )
    ), audit AS (
        INSERT INTO audit_events
            (actor, channel, entity_type, entity_id, customer_id, agreement_id,
             action, changes, reason_code, request_id)
        SELECT :actor, :channel, entity_type, entity_id, customer_id,
            CASE entity_type
                WHEN 'agreement' THEN entity_id
                WHEN 'subscription' THEN (SELECT s.agreement_id FROM subscriptions s WHERE s.id = entity_id)
            END,
            action, changes, reason_code, :request_id
        FROM changes
    )
    INSERT INTO outbox_events (event_type, entity_type, entity_id, payload)
    SELECT entity_type || '.' || action, entity_type, entity_id, jsonb_build_object(
        'id', entity_id, 'customerId', customer_id, 'changes', changes, 'reasonCode', reason_code,
        'actor', CAST(:actor AS text), 'channel', CAST(:channel AS text)
    )
    FROM changes
    """
)


async def record(executor: Executor, principal: Principal, changes: Sequence[Change]) -> None:
    """Write each change to the audit trail and to the outbox, within the caller's transaction."""
    if not changes:
        return
    rows = [
        {
            "entity_type": c.entity_type,
            "entity_id": c.entity_id,
            "customer_id": c.customer_id,
            "action": c.action,
            "changes": c.changes,
            "reason_code": c.reason_code,
        }
        for c in changes
    ]
    await executor.execute(
        RECORD,
        {
            "changes": to_json(rows).decode(),
            "actor": principal.subject,
            "channel": principal.channel,
            "request_id": structlog.contextvars.get_contextvars().get("request_id"),
        },
    )


async def trail(
    executor: Executor, events: ColumnElement[bool], *, limit: int, after_id: int | None = None
) -> tuple[list[Row[Any]], int]:
    """A page of the audit events that match `events`, oldest first, after the event `after_id`
    (rows with the audit_events columns as attributes), and how many match in all."""
    statement = select(*AuditEvent.__table__.columns).where(events)
    if after_id is not None:
        statement = statement.where(AuditEvent.id > after_id)
    page = (await executor.execute(statement.order_by(AuditEvent.id).limit(limit))).all()
    total = await executor.scalar(select(func.count()).select_from(AuditEvent).where(events))
    return list(page), total or 0
