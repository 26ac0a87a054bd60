from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import CheckConstraint, Index, Sequence, String, text
from sqlalchemy.orm import Mapped, mapped_column

from accord.models.base import Audited, Base, new_id

customer_number_seq = Sequence("customer_number_seq", start=1000001)


class Customer(Audited, Base):
    """A person or organisation that has signed up to take services."""

    __tablename__ = "customers"
    __table_args__ = (
        CheckConstraint("kind IN ('individual', 'organisation')", name="kind"),
        CheckConstraint("kind <> 'organisation' OR trading_name IS NOT NULL", name="organisation_name"),
        CheckConstraint("status IN ('prospect', 'active', 'suspended', 'closed')", name="status"),
        # The customer list's stable order: creation time, then id as the tie-breaker.
        Index("ix_customers_created_at_id", "created_at", "id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    customer_number: Mapped[str] = mapped_column(
        String(20),
        unique=True,
        server_default=text("'C' || nextval('customer_number_seq')::text"),
    )
    kind: Mapped[str] = mapped_column(String(20))
    given_name: Mapped[str | None] = mapped_column(String(200))
    family_name: Mapped[str | None] = mapped_column(String(200))
    trading_name: Mapped[str | None] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(320))
    phone: Mapped[str | None] = mapped_column(String(40))
    addresses: Mapped[list[Any]] = mapped_column(default=list)
    characteristics: Mapped[list[Any]] = mapped_column(default=list)
    external_ref: Mapped[str | None] = mapped_column(String(100), unique=True)
    status: Mapped[str] = mapped_column(String(20), default="active")
