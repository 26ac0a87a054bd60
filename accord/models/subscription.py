from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from accord.models.base import Audited, Base, new_id


class Subscription(Audited, Base):
    """An offering sold to a customer, charged to one agreement."""

    __tablename__ = "subscriptions"
    __table_args__ = (
        CheckConstraint("status IN ('active', 'suspended', 'terminated')", name="status"),
        CheckConstraint("end_date IS NULL OR end_date >= start_date", name="period"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    agreement_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("agreements.id"), index=True)
    offering_code: Mapped[str] = mapped_column(ForeignKey("offerings.code"))
    currency: Mapped[str] = mapped_column(String(3))
    list_price: Mapped[Decimal]
    price_adjustment: Mapped[Decimal] = mapped_column(default=Decimal("0"))
    status: Mapped[str] = mapped_column(String(20), default="active")
    start_date: Mapped[date]
    end_date: Mapped[date | None]
    # The reason code of the last status change, and since when a suspended subscription is suspended.
    status_reason: Mapped[str | None] = mapped_column(String(50))
    suspended_from: Mapped[date | None]
