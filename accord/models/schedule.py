from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from accord.models.base import Audited, Base, new_id


class SubscriptionChange(Audited, Base):
    """A subscription transition that waits for a date or spans several rows: what, from when, with
    which parameters, and how it ended. Its workflow (subscription-change-<id>) applies it; while it is
    `scheduled` it can be cancelled. At most one is scheduled per subscription."""

    __tablename__ = "subscription_changes"
    __table_args__ = (
        CheckConstraint("action IN ('suspend', 'resume', 'change-offering', 'move', 'terminate')", name="action"),
        CheckConstraint("status IN ('scheduled', 'applied', 'cancelled', 'failed')", name="status"),
        Index(
            "uq_subscription_changes_one_scheduled",
            "subscription_id",
            unique=True,
            postgresql_where=text("status = 'scheduled'"),
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    subscription_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("subscriptions.id"), index=True)
    customer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("customers.id"))
    action: Mapped[str] = mapped_column(String(30))
    effective_date: Mapped[date]
    # When the workflow's timer fires: the start of effective_date in the operator's timezone.
    due_at: Mapped[datetime]
    parameters: Mapped[dict[str, Any]] = mapped_column(default=dict)
    reason_code: Mapped[str | None] = mapped_column(String(50))
    status: Mapped[str] = mapped_column(String(20), default="scheduled")
    workflow_id: Mapped[str] = mapped_column(String(200))
    outcome: Mapped[str | None] = mapped_column(Text)
