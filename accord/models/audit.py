from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Identity, Index, String, func, text
from sqlalchemy.orm import Mapped, mapped_column

from accord.models.base import Base


class AuditEvent(Base):
    """One change to one resource: who (principal, channel), when, what changed, why."""

    __tablename__ = "audit_events"
    __table_args__ = (
        Index("ix_audit_events_customer_id_id", "customer_id", "id"),
        Index("ix_audit_events_agreement_id_id", "agreement_id", "id"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(server_default=func.now())
    actor: Mapped[str] = mapped_column(String(200))
    channel: Mapped[str] = mapped_column(String(50))
    entity_type: Mapped[str] = mapped_column(String(50))
    entity_id: Mapped[uuid.UUID] = mapped_column(index=True)
    customer_id: Mapped[uuid.UUID | None]
    # The agreement the change happened on: an agreement's own changes, and a subscription's (the
    # agreement it was on when the change was recorded).
    agreement_id: Mapped[uuid.UUID | None]
    action: Mapped[str] = mapped_column(String(50))
    changes: Mapped[dict[str, Any]]
    reason_code: Mapped[str | None] = mapped_column(String(50))
    request_id: Mapped[str | None] = mapped_column(String(100))


class OutboxEvent(Base):
    """An event written in the same transaction as the change it reports; a relay delivers it later
    (webhooks) and stamps published_at."""

    __tablename__ = "outbox_events"
    __table_args__ = (Index("ix_outbox_events_unpublished", "id", postgresql_where=text("published_at IS NULL")),)

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(server_default=func.now())
    event_type: Mapped[str] = mapped_column(String(100))
    entity_type: Mapped[str] = mapped_column(String(50))
    entity_id: Mapped[uuid.UUID]
    payload: Mapped[dict[str, Any]]
    published_at: Mapped[datetime | None]
