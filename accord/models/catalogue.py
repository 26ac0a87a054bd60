"""The versioned product catalogue.

Every published catalogue version has a number and the instant it took effect. Catalogue content
(categories, product specifications, offerings, prices) lives in rows valid in a range of versions
[from_version, to_version): a publish closes the rows it changes (to_version = the new number) and
inserts their new contents, so every version ever published can be read back. The live catalogue is
the rows with to_version NULL. `offerings` (accord/models/offering.py) stays the identity table that
subscriptions point at, and carries a summary of the live version for the hot paths.

Column names are the definitions' field names (accord/schemas/catalogue.py), so that a row and a
definition convert into each other field by field."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, SmallInteger, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from accord.models.base import Audited, Base, new_id


class CatalogueVersion(Base):
    __tablename__ = "catalogue_versions"

    number: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    effective_at: Mapped[datetime] = mapped_column(index=True)
    published_at: Mapped[datetime]
    published_by: Mapped[str] = mapped_column(String(200))
    change_set_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("catalogue_change_sets.id"))
    summary: Mapped[str] = mapped_column(Text, default="")


class Versioned:
    """A catalogue row valid in versions [from_version, to_version); to_version NULL: still live."""

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    code: Mapped[str] = mapped_column(String(60))

    @declared_attr
    def from_version(cls) -> Mapped[int]:
        return mapped_column(ForeignKey("catalogue_versions.number"))

    @declared_attr
    def to_version(cls) -> Mapped[int | None]:
        return mapped_column(ForeignKey("catalogue_versions.number"))

    @declared_attr.directive
    def __table_args__(cls) -> tuple[Any, ...]:
        name: str = cls.__tablename__  # type: ignore[attr-defined]
        return (
            # One live row per code, and one row per code per version.
            Index(f"uq_{name}_live_code", "code", unique=True, postgresql_where=text("to_version IS NULL")),
            Index(f"ix_{name}_code_from", "code", "from_version"),
            CheckConstraint("to_version IS NULL OR to_version > from_version", name="versions"),
        )


class CatalogueCategory(Versioned, Base):
    __tablename__ = "catalogue_categories"

    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    parent_code: Mapped[str | None] = mapped_column(String(60))


class ProductSpecification(Versioned, Base):
    __tablename__ = "product_specifications"

    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    characteristics: Mapped[list[Any]] = mapped_column(default=list)


class OfferingVersion(Versioned, Base):
    __tablename__ = "offering_versions"

    offering_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("offerings.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    category_code: Mapped[str | None] = mapped_column(String(60))
    specification_code: Mapped[str | None] = mapped_column(String(60))
    kind: Mapped[str] = mapped_column(String(20))
    family: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(20))
    channels: Mapped[list[Any]] = mapped_column(default=list)
    segments: Mapped[list[Any]] = mapped_column(default=list)
    customer_types: Mapped[list[Any]] = mapped_column(default=list)
    valid_from: Mapped[date | None]
    valid_to: Mapped[date | None]
    bundle: Mapped[list[Any]] = mapped_column(default=list)
    requires_offerings: Mapped[list[Any]] = mapped_column(default=list)
    excludes: Mapped[list[Any]] = mapped_column(default=list)
    requires_held: Mapped[list[Any]] = mapped_column(default=list)
    max_quantity: Mapped[int | None] = mapped_column(SmallInteger)
    commitment: Mapped[dict[str, Any] | None]


class OfferingPrice(Versioned, Base):
    __tablename__ = "offering_prices"

    offering_code: Mapped[str] = mapped_column(String(60), index=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    price_type: Mapped[str] = mapped_column(String(20))
    period: Mapped[str | None] = mapped_column(String(10))
    amount: Mapped[Decimal]
    currency: Mapped[str] = mapped_column(String(3))
    unit: Mapped[str | None] = mapped_column(String(40))
    tiers: Mapped[list[Any]] = mapped_column(default=list)
    valid_from: Mapped[date | None]
    valid_to: Mapped[date | None]
    discount: Mapped[dict[str, Any] | None]


class CatalogueChangeSet(Audited, Base):
    """A draft of catalogue changes, run by the CatalogueChange workflow: draft → validating →
    awaitingApproval → scheduled → publishing → published (or rejected, cancelled, failed)."""

    __tablename__ = "catalogue_change_sets"
    __table_args__ = (
        CheckConstraint(
            "status IN ('draft', 'validating', 'awaitingApproval', 'scheduled', 'publishing', 'published', "
            "'rejected', 'cancelled', 'failed')",
            name="status",
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20), default="draft")
    author: Mapped[str] = mapped_column(String(200))
    effective_at: Mapped[datetime | None]
    apply_to_existing_from: Mapped[date | None]
    approved_by: Mapped[str | None] = mapped_column(String(200))
    decided_at: Mapped[datetime | None]
    decision_reason: Mapped[str | None] = mapped_column(Text)
    findings: Mapped[list[Any]] = mapped_column(default=list)
    published_version: Mapped[int | None] = mapped_column(Integer)
    workflow_id: Mapped[str] = mapped_column(String(100))


class CatalogueChangeItem(Base):
    """One change in a change set: add, modify (a JSON merge patch of the live definition) or retire
    one catalogue entity. At most one item per entity per change set."""

    __tablename__ = "catalogue_change_items"
    __table_args__ = (
        UniqueConstraint("change_set_id", "entity_type", "code", name="uq_catalogue_change_items_entity"),
        CheckConstraint("entity_type IN ('category', 'specification', 'offering', 'price')", name="entity_type"),
        CheckConstraint("action IN ('add', 'modify', 'retire')", name="action"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    change_set_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("catalogue_change_sets.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    entity_type: Mapped[str] = mapped_column(String(20))
    action: Mapped[str] = mapped_column(String(10))
    code: Mapped[str] = mapped_column(String(60))
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)


class SubscriptionPriceChange(Base):
    """A published price change as it reaches one existing subscription: from the start of that
    subscriber's bill period on or after the change set's applyToExistingFrom, never retroactively."""

    __tablename__ = "subscription_price_changes"
    __table_args__ = (
        UniqueConstraint("subscription_id", "change_set_id", name="uq_subscription_price_changes_subscription"),
        CheckConstraint("status IN ('scheduled', 'applied', 'skipped')", name="status"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    subscription_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("subscriptions.id", ondelete="CASCADE"), index=True)
    change_set_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("catalogue_change_sets.id"), index=True)
    offering_code: Mapped[str] = mapped_column(String(60))
    currency: Mapped[str] = mapped_column(String(3))
    old_list_price: Mapped[Decimal]
    new_list_price: Mapped[Decimal]
    effective_date: Mapped[date] = mapped_column(index=True)
    status: Mapped[str] = mapped_column(String(20), default="scheduled")
    created_at: Mapped[datetime] = mapped_column(server_default=text("now()"))
    applied_at: Mapped[datetime | None]
