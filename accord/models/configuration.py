"""Business configuration: the reference data the other areas use (currencies, payment method types,
reason codes, tax rates, ...). One table for every kind: a row is (kind, code) with its attributes as
JSONB, validated per kind by accord/schemas/configuration.py before it is stored."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from sqlalchemy import CheckConstraint, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from accord.models.base import Audited, Base, new_id


class ReferenceItem(Audited, Base):
    """One item of reference data: a currency, a reason code, a tax rate, the operator's timezone, ...
    `valid_from` / `valid_to` are business dates, both inclusive (tax rates use them)."""

    __tablename__ = "reference_items"
    __table_args__ = (
        UniqueConstraint("kind", "code", name="uq_reference_items_kind_code"),
        CheckConstraint("status IN ('active', 'retired')", name="status"),
        CheckConstraint("valid_to IS NULL OR valid_from IS NULL OR valid_to >= valid_from", name="validity"),
        # Lists page in code order within a kind.
        Index("ix_reference_items_kind_status", "kind", "status"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    kind: Mapped[str] = mapped_column(String(40))
    code: Mapped[str] = mapped_column(String(60))
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    attributes: Mapped[dict[str, Any]] = mapped_column(default=dict)
    status: Mapped[str] = mapped_column(String(20), default="active")
    valid_from: Mapped[date | None] = mapped_column()
    valid_to: Mapped[date | None] = mapped_column()
