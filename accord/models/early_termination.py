from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, String, func
from sqlalchemy.orm import Mapped, mapped_column

from accord.models.base import Base, new_id


class EarlyTermination(Base):
    """A subscription terminated inside its agreement's commitment term: the case billing charges
    (months remaining of the term, at the monthly price the subscription had)."""

    __tablename__ = "early_terminations"
    __table_args__ = (
        CheckConstraint("months_remaining > 0", name="months_remaining"),
        CheckConstraint("status IN ('open', 'charged', 'waived')", name="status"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    subscription_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("subscriptions.id"), unique=True)
    agreement_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("agreements.id"), index=True)
    customer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("customers.id"))
    terminated_on: Mapped[date]
    commitment_end_date: Mapped[date]
    months_remaining: Mapped[int]
    monthly_charge: Mapped[Decimal]
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(String(20), default="open")
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    created_by: Mapped[str] = mapped_column(String(200))
