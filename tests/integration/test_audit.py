"""The audit trail and the outbox are written together, in the caller's transaction."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from accord.db import transaction
from accord.models import AuditEvent, OutboxEvent
from accord.principal import Principal
from accord.services import audit

CSA = Principal(subject="jane.csa", channel="call-centre")


async def test_one_call_writes_the_trail_and_the_outbox(engine: AsyncEngine) -> None:
    customer_id, agreement_id = uuid.uuid4(), uuid.uuid4()
    async with transaction(engine) as connection:
        await audit.record(
            connection,
            CSA,
            [
                audit.Change(
                    "customer",
                    customer_id,
                    "suspended",
                    customer_id=customer_id,
                    changes={"status": {"from": "active", "to": "suspended"}},
                    reason_code="non-payment",
                ),
                audit.Change(
                    "agreement",
                    agreement_id,
                    "updated",
                    customer_id=customer_id,
                    changes={
                        "creditLimit": {"from": None, "to": Decimal("250.00")},
                        "billDayFrom": {"from": None, "to": date(2027, 1, 15)},
                    },
                ),
            ],
        )
    async with transaction(engine) as connection:
        trail, total = await audit.trail(connection, AuditEvent.customer_id == customer_id, limit=10)
        events = (
            await connection.execute(
                select(OutboxEvent)
                .where(OutboxEvent.entity_id.in_([customer_id, agreement_id]))
                .order_by(OutboxEvent.id)
            )
        ).all()

    assert total == 2
    assert [(e.entity_type, e.action, e.actor, e.channel, e.reason_code) for e in trail] == [
        ("customer", "suspended", "jane.csa", "call-centre", "non-payment"),
        ("agreement", "updated", "jane.csa", "call-centre", None),
    ]
    assert trail[1].changes == {
        "creditLimit": {"from": None, "to": "250.00"},
        "billDayFrom": {"from": None, "to": "2027-01-15"},
    }
    assert [e.event_type for e in events] == ["customer.suspended", "agreement.updated"]
    assert events[0].payload == {
        "id": str(customer_id),
        "customerId": str(customer_id),
        "changes": {"status": {"from": "active", "to": "suspended"}},
        "reasonCode": "non-payment",
        "actor": "jane.csa",
        "channel": "call-centre",
    }
    assert all(e.published_at is None for e in events)


async def test_a_rolled_back_change_leaves_no_trail_and_no_event(engine: AsyncEngine) -> None:
    customer_id = uuid.uuid4()

    async def failing_change() -> None:
        async with transaction(engine) as connection:
            await audit.record(
                connection, CSA, [audit.Change("customer", customer_id, "created", customer_id=customer_id)]
            )
            raise RuntimeError("the change itself failed")

    with pytest.raises(RuntimeError):
        await failing_change()
    async with transaction(engine) as connection:
        assert await audit.trail(connection, AuditEvent.customer_id == customer_id, limit=10) == ([], 0)
        assert (await connection.execute(select(OutboxEvent).where(OutboxEvent.entity_id == customer_id))).all() == []
        assert (await connection.execute(select(AuditEvent).where(AuditEvent.entity_id == customer_id))).all() == []
