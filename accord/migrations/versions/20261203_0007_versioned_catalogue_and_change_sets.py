"""versioned catalogue and change sets

Catalogue versions (number, effective time); categories, product specifications, offering versions
and prices as rows valid in a range of versions [from_version, to_version); catalogue change sets and
their items; per-subscription price changes. Offerings (the identity table) may be in design.
The sample catalogue becomes version 1 when `accord migrate` loads it (services.catalogue).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03 20:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = (
    "subscription_price_changes",
    "product_specifications",
    "offering_versions",
    "offering_prices",
    "catalogue_categories",
    "catalogue_versions",
    "catalogue_change_items",
    "catalogue_change_sets",
)


def upgrade() -> None:
    op.drop_constraint(op.f("ck_offerings_status"), "offerings", type_="check")
    op.create_check_constraint(op.f("ck_offerings_status"), "offerings", "status IN ('inDesign', 'active', 'retired')")
    op.create_table(
        "catalogue_change_sets",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("author", sa.String(length=200), nullable=False),
        sa.Column("effective_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("apply_to_existing_from", sa.Date(), nullable=True),
        sa.Column("approved_by", sa.String(length=200), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decision_reason", sa.Text(), nullable=True),
        sa.Column("findings", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("published_version", sa.Integer(), nullable=True),
        sa.Column("workflow_id", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("updated_by", sa.String(length=200), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "status IN ('draft', 'validating', 'awaitingApproval', 'scheduled', 'publishing', 'published', 'rejected', 'cancelled', 'failed')",
            name=op.f("ck_catalogue_change_sets_status"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_catalogue_change_sets")),
    )
    op.create_table(
        "catalogue_change_items",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("change_set_id", sa.UUID(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("entity_type", sa.String(length=20), nullable=False),
        sa.Column("action", sa.String(length=10), nullable=False),
        sa.Column("code", sa.String(length=60), nullable=False),
        sa.Column("data", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.CheckConstraint("action IN ('add', 'modify', 'retire')", name=op.f("ck_catalogue_change_items_action")),
        sa.CheckConstraint(
            "entity_type IN ('category', 'specification', 'offering', 'price')",
            name=op.f("ck_catalogue_change_items_entity_type"),
        ),
        sa.ForeignKeyConstraint(
            ["change_set_id"],
            ["catalogue_change_sets.id"],
            name=op.f("fk_catalogue_change_items_change_set_id_catalogue_change_sets"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_catalogue_change_items")),
        sa.UniqueConstraint("change_set_id", "entity_type", "code", name="uq_catalogue_change_items_entity"),
    )
    op.create_index(
        op.f("ix_catalogue_change_items_change_set_id"), "catalogue_change_items", ["change_set_id"], unique=False
    )
    op.create_table(
        "catalogue_versions",
        sa.Column("number", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("effective_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_by", sa.String(length=200), nullable=False),
        sa.Column("change_set_id", sa.UUID(), nullable=True),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["change_set_id"],
            ["catalogue_change_sets.id"],
            name=op.f("fk_catalogue_versions_change_set_id_catalogue_change_sets"),
        ),
        sa.PrimaryKeyConstraint("number", name=op.f("pk_catalogue_versions")),
    )
    op.create_index(op.f("ix_catalogue_versions_effective_at"), "catalogue_versions", ["effective_at"], unique=False)
    op.create_table(
        "catalogue_categories",
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("parent_code", sa.String(length=60), nullable=True),
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("code", sa.String(length=60), nullable=False),
        sa.Column("from_version", sa.Integer(), nullable=False),
        sa.Column("to_version", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "to_version IS NULL OR to_version > from_version", name=op.f("ck_catalogue_categories_versions")
        ),
        sa.ForeignKeyConstraint(
            ["from_version"],
            ["catalogue_versions.number"],
            name=op.f("fk_catalogue_categories_from_version_catalogue_versions"),
        ),
        sa.ForeignKeyConstraint(
            ["to_version"],
            ["catalogue_versions.number"],
            name=op.f("fk_catalogue_categories_to_version_catalogue_versions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_catalogue_categories")),
    )
    op.create_index("ix_catalogue_categories_code_from", "catalogue_categories", ["code", "from_version"], unique=False)
    op.create_index(
        "uq_catalogue_categories_live_code",
        "catalogue_categories",
        ["code"],
        unique=True,
        postgresql_where=sa.text("to_version IS NULL"),
    )
    op.create_table(
        "offering_prices",
        sa.Column("offering_code", sa.String(length=60), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("price_type", sa.String(length=20), nullable=False),
        sa.Column("period", sa.String(length=10), nullable=True),
        sa.Column("amount", sa.Numeric(precision=18, scale=4), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("unit", sa.String(length=40), nullable=True),
        sa.Column("tiers", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=True),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.Column("discount", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("code", sa.String(length=60), nullable=False),
        sa.Column("from_version", sa.Integer(), nullable=False),
        sa.Column("to_version", sa.Integer(), nullable=True),
        sa.CheckConstraint("to_version IS NULL OR to_version > from_version", name=op.f("ck_offering_prices_versions")),
        sa.ForeignKeyConstraint(
            ["from_version"],
            ["catalogue_versions.number"],
            name=op.f("fk_offering_prices_from_version_catalogue_versions"),
        ),
        sa.ForeignKeyConstraint(
            ["to_version"], ["catalogue_versions.number"], name=op.f("fk_offering_prices_to_version_catalogue_versions")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_offering_prices")),
    )
    op.create_index("ix_offering_prices_code_from", "offering_prices", ["code", "from_version"], unique=False)
    op.create_index(op.f("ix_offering_prices_offering_code"), "offering_prices", ["offering_code"], unique=False)
    op.create_index(
        "uq_offering_prices_live_code",
        "offering_prices",
        ["code"],
        unique=True,
        postgresql_where=sa.text("to_version IS NULL"),
    )
    op.create_table(
        "offering_versions",
        sa.Column("offering_id", sa.UUID(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("category_code", sa.String(length=60), nullable=True),
        sa.Column("specification_code", sa.String(length=60), nullable=True),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("family", sa.String(length=40), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("channels", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("segments", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("customer_types", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=True),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.Column("bundle", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("requires_offerings", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("excludes", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("requires_held", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("max_quantity", sa.SmallInteger(), nullable=True),
        sa.Column("commitment", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("code", sa.String(length=60), nullable=False),
        sa.Column("from_version", sa.Integer(), nullable=False),
        sa.Column("to_version", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "to_version IS NULL OR to_version > from_version", name=op.f("ck_offering_versions_versions")
        ),
        sa.ForeignKeyConstraint(
            ["from_version"],
            ["catalogue_versions.number"],
            name=op.f("fk_offering_versions_from_version_catalogue_versions"),
        ),
        sa.ForeignKeyConstraint(
            ["offering_id"], ["offerings.id"], name=op.f("fk_offering_versions_offering_id_offerings")
        ),
        sa.ForeignKeyConstraint(
            ["to_version"],
            ["catalogue_versions.number"],
            name=op.f("fk_offering_versions_to_version_catalogue_versions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_offering_versions")),
    )
    op.create_index("ix_offering_versions_code_from", "offering_versions", ["code", "from_version"], unique=False)
    op.create_index(op.f("ix_offering_versions_offering_id"), "offering_versions", ["offering_id"], unique=False)
    op.create_index(
        "uq_offering_versions_live_code",
        "offering_versions",
        ["code"],
        unique=True,
        postgresql_where=sa.text("to_version IS NULL"),
    )
    op.create_table(
        "product_specifications",
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("characteristics", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("code", sa.String(length=60), nullable=False),
        sa.Column("from_version", sa.Integer(), nullable=False),
        sa.Column("to_version", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "to_version IS NULL OR to_version > from_version", name=op.f("ck_product_specifications_versions")
        ),
        sa.ForeignKeyConstraint(
            ["from_version"],
            ["catalogue_versions.number"],
            name=op.f("fk_product_specifications_from_version_catalogue_versions"),
        ),
        sa.ForeignKeyConstraint(
            ["to_version"],
            ["catalogue_versions.number"],
            name=op.f("fk_product_specifications_to_version_catalogue_versions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_product_specifications")),
    )
    op.create_index(
        "ix_product_specifications_code_from", "product_specifications", ["code", "from_version"], unique=False
    )
    op.create_index(
        "uq_product_specifications_live_code",
        "product_specifications",
        ["code"],
        unique=True,
        postgresql_where=sa.text("to_version IS NULL"),
    )
    op.create_table(
        "subscription_price_changes",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("subscription_id", sa.UUID(), nullable=False),
        sa.Column("change_set_id", sa.UUID(), nullable=False),
        sa.Column("offering_code", sa.String(length=60), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("old_list_price", sa.Numeric(precision=18, scale=4), nullable=False),
        sa.Column("new_list_price", sa.Numeric(precision=18, scale=4), nullable=False),
        sa.Column("effective_date", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("applied_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('scheduled', 'applied', 'skipped')", name=op.f("ck_subscription_price_changes_status")
        ),
        sa.ForeignKeyConstraint(
            ["change_set_id"],
            ["catalogue_change_sets.id"],
            name=op.f("fk_subscription_price_changes_change_set_id_catalogue_change_sets"),
        ),
        sa.ForeignKeyConstraint(
            ["subscription_id"],
            ["subscriptions.id"],
            name=op.f("fk_subscription_price_changes_subscription_id_subscriptions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_subscription_price_changes")),
        sa.UniqueConstraint("subscription_id", "change_set_id", name="uq_subscription_price_changes_subscription"),
    )
    op.create_index(
        op.f("ix_subscription_price_changes_change_set_id"),
        "subscription_price_changes",
        ["change_set_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_subscription_price_changes_effective_date"),
        "subscription_price_changes",
        ["effective_date"],
        unique=False,
    )
    op.create_index(
        op.f("ix_subscription_price_changes_subscription_id"),
        "subscription_price_changes",
        ["subscription_id"],
        unique=False,
    )


def downgrade() -> None:
    for table in TABLES:
        op.drop_table(table)
    op.drop_constraint(op.f("ck_offerings_status"), "offerings", type_="check")
    op.create_check_constraint(op.f("ck_offerings_status"), "offerings", "status IN ('active', 'retired')")
