from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, Sequence, String, Text, func, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from accord.models.base import Audited, Base, new_id

customer_number_seq = Sequence("customer_number_seq", start=1000001)


class Customer(Audited, Base):
    """A person or organisation that has signed up to take services.

    The hot read (GET by id) is this one row: contact media, identifications and characteristics are
    JSONB columns. `email` and `phone` are the preferred ones, kept in step with `emails` / `phones`.
    The `search_*` columns are derived (rules/customers.py) and never shown: they serve the search."""

    __tablename__ = "customers"
    __table_args__ = (
        CheckConstraint("kind IN ('individual', 'organisation')", name="kind"),
        CheckConstraint("kind <> 'organisation' OR trading_name IS NOT NULL", name="organisation_name"),
        CheckConstraint("status IN ('prospect', 'active', 'suspended', 'closed')", name="status"),
        CheckConstraint("parent_id IS NULL OR parent_id <> id", name="not_own_parent"),
        CheckConstraint("(parent_id IS NULL) = (relationship IS NULL)", name="relationship_with_parent"),
        # The customer list's stable order: creation time, then id as the tie-breaker.
        Index("ix_customers_created_at_id", "created_at", "id"),
        # Email and phone search; GIN indexes updated on each write (fastupdate off: migration 0010).
        # Name search is on customer_name_words.
        Index(
            "ix_customers_search_emails", "search_emails", postgresql_using="gin", postgresql_with={"fastupdate": "off"}
        ),
        Index(
            "ix_customers_search_phones", "search_phones", postgresql_using="gin", postgresql_with={"fastupdate": "off"}
        ),
        Index("ix_customers_parent_id", "parent_id", postgresql_where=text("parent_id IS NOT NULL")),
        Index("ix_customers_segment", "segment"),
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
    # The preferred email and phone (also in emails / phones).
    email: Mapped[str | None] = mapped_column(String(320))
    phone: Mapped[str | None] = mapped_column(String(40))
    emails: Mapped[list[Any]] = mapped_column(default=list, server_default=text("'[]'::jsonb"))
    phones: Mapped[list[Any]] = mapped_column(default=list, server_default=text("'[]'::jsonb"))
    addresses: Mapped[list[Any]] = mapped_column(default=list)
    identifications: Mapped[list[Any]] = mapped_column(default=list, server_default=text("'[]'::jsonb"))
    characteristics: Mapped[list[Any]] = mapped_column(default=list)
    segment: Mapped[str | None] = mapped_column(String(50))
    preferred_language: Mapped[str | None] = mapped_column(String(35))
    marketing_consent: Mapped[bool] = mapped_column(default=False, server_default=text("false"))
    external_ref: Mapped[str | None] = mapped_column(String(100), unique=True)
    status: Mapped[str] = mapped_column(String(20), default="active")
    status_reason: Mapped[str | None] = mapped_column(String(50))
    # Hierarchy: an organisation's child organisations and individual contacts.
    parent_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("customers.id"))
    relationship: Mapped[str | None] = mapped_column(String(30))
    paying_parent: Mapped[bool] = mapped_column(default=False, server_default=text("false"))
    anonymised_at: Mapped[datetime | None]
    # Derived, for search only: names without accents, case-folded; email keys; E.164 phones.
    search_name: Mapped[str] = mapped_column(Text, default="", server_default=text("''"))
    search_emails: Mapped[list[str]] = mapped_column(
        ARRAY(String(320)), default=list, server_default=text("'{}'::varchar[]")
    )
    search_phones: Mapped[list[str]] = mapped_column(
        ARRAY(String(40)), default=list, server_default=text("'{}'::varchar[]")
    )


class CustomerEmail(Base):
    """An email address claimed by one customer: the primary key on the case-folded address makes it
    unique case-insensitively, race-safe, in the database. Rows are written only while the setting
    ACCORD_UNIQUE_CUSTOMER_EMAILS is on (a unique index cannot follow a runtime setting)."""

    __tablename__ = "customer_emails"

    email_key: Mapped[str] = mapped_column(String(320), primary_key=True)
    customer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())


class CustomerNameWord(Base):
    """One word of a customer's search name, with the customer's creation time, the word before it in
    the same name (code point order) and the whole name: a name prefix is a range of words, answered
    (page and total, in the customers' list order) from this table's primary key alone, which
    INCLUDEs previous_word and search_name (migration 0011). Kept in step with customers.search_name
    by triggers, so that every write path, bulk loads included, keeps it right."""

    __tablename__ = "customer_name_words"

    word: Mapped[str] = mapped_column(Text(collation="C"), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(primary_key=True)
    customer_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    previous_word: Mapped[str | None] = mapped_column(Text(collation="C"))
    search_name: Mapped[str] = mapped_column(Text)
