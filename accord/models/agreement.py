from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Sequence, SmallInteger, String, text
from sqlalchemy.orm import Mapped, mapped_column

from accord.models.base import Audited, Base, new_id

agreement_number_seq = Sequence("agreement_number_seq", start=5000001)


class Agreement(Audited, Base):
    """A billing account: who pays, how often, how, in which currency."""

    __tablename__ = "agreements"
    __table_args__ = (
        CheckConstraint("bill_frequency IN ('monthly')", name="bill_frequency"),
        CheckConstraint("bill_day BETWEEN 1 AND 28", name="bill_day"),
        CheckConstraint("bill_delivery IN ('electronic', 'paper')", name="bill_delivery"),
        CheckConstraint("commitment_months IN (0, 12, 24)", name="commitment_months"),
        CheckConstraint("status IN ('active', 'suspended', 'closed')", name="status"),
        CheckConstraint("next_bill_day BETWEEN 1 AND 28", name="next_bill_day"),
        CheckConstraint("(next_bill_day IS NULL) = (next_bill_day_from IS NULL)", name="next_bill_day_from"),
        CheckConstraint("credit_limit >= 0", name="credit_limit"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    agreement_number: Mapped[str] = mapped_column(
        String(20),
        unique=True,
        server_default=text("'A' || nextval('agreement_number_seq')::text"),
    )
    customer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("customers.id"), index=True)
    currency: Mapped[str] = mapped_column(String(3))
    bill_frequency: Mapped[str] = mapped_column(String(20), default="monthly")
    bill_day: Mapped[int] = mapped_column(SmallInteger)
    bill_delivery: Mapped[str] = mapped_column(String(20))
    payment_method_type: Mapped[str] = mapped_column(String(40))
    payment_method_details: Mapped[dict[str, Any]] = mapped_column(default=dict)
    commitment_months: Mapped[int] = mapped_column(SmallInteger, default=0)
    commitment_end_date: Mapped[date | None]
    billing_address: Mapped[dict[str, Any] | None]
    status: Mapped[str] = mapped_column(String(20), default="active")
    status_reason: Mapped[str | None] = mapped_column(String(50))
    # A bill-day change waits for the next bill period: the new day and the date it takes effect.
    next_bill_day: Mapped[int | None] = mapped_column(SmallInteger)
    next_bill_day_from: Mapped[date | None]
    # In the agreement's currency; None: no limit.
    credit_limit: Mapped[Decimal | None]
