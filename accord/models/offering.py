from __future__ import annotations

import uuid
from decimal import Decimal

from sqlalchemy import CheckConstraint, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from accord.models.base import Audited, Base, new_id


class Offering(Audited, Base):
    """What is sold: the identity of an offering (subscriptions point at its code), with a summary of
    its live catalogue version (name, kind, family, status, recurring monthly price in its first
    currency) kept by every publish for the hot paths. Its full definition, in every version, is in
    offering_versions (accord/models/catalogue.py). An access offering belongs to a family (phone,
    internet); an add-on requires an access offering of its family on the same agreement."""

    __tablename__ = "offerings"
    __table_args__ = (
        CheckConstraint("kind IN ('access', 'addon')", name="kind"),
        CheckConstraint("status IN ('inDesign', 'active', 'retired')", name="status"),
        CheckConstraint("monthly_price >= 0", name="price"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    code: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    kind: Mapped[str] = mapped_column(String(20))
    family: Mapped[str] = mapped_column(String(40))
    monthly_price: Mapped[Decimal]
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(String(20), default="active")
