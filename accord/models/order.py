from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from accord.models.base import Audited, Base, new_id


class Order(Audited, Base):
    """A client's request (the shop's onboarding order), what it asked for and what it created."""

    __tablename__ = "orders"
    __table_args__ = (CheckConstraint("state IN ('received', 'inProgress', 'completed', 'failed')", name="state"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    order_ref: Mapped[str] = mapped_column(String(100), unique=True)
    request: Mapped[dict[str, Any]]
    # SHA-256 of the request in canonical form: the same orderRef with another body is a conflict.
    request_hash: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(20), default="received")
    failure_reason: Mapped[str | None] = mapped_column(Text)
    workflow_id: Mapped[str] = mapped_column(String(200))
    channel: Mapped[str] = mapped_column(String(40))
    customer_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("customers.id"))
    # True when this order created the customer (rather than finding it by external reference).
    customer_created: Mapped[bool] = mapped_column(default=False)
    agreement_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("agreements.id"))
    subscription_ids: Mapped[list[Any]] = mapped_column(default=list)
