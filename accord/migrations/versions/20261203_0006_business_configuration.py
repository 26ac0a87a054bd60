"""business configuration: reference_items

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03 20:30:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'reference_items',
        sa.Column('id', sa.Uuid(), nullable=False),
        sa.Column('kind', sa.String(length=40), nullable=False),
        sa.Column('code', sa.String(length=60), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('description', sa.Text(), nullable=False),
        sa.Column('attributes', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('valid_from', sa.Date(), nullable=True),
        sa.Column('valid_to', sa.Date(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
        sa.Column('created_by', sa.String(length=200), nullable=False),
        sa.Column('updated_by', sa.String(length=200), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.CheckConstraint("status IN ('active', 'retired')", name=op.f('ck_reference_items_status')),
        sa.CheckConstraint(
            'valid_to IS NULL OR valid_from IS NULL OR valid_to >= valid_from',
            name=op.f('ck_reference_items_validity'),
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_reference_items')),
        sa.UniqueConstraint('kind', 'code', name='uq_reference_items_kind_code'),
    )
    op.create_index('ix_reference_items_kind_status', 'reference_items', ['kind', 'status'])


def downgrade() -> None:
    op.drop_index('ix_reference_items_kind_status', table_name='reference_items')
    op.drop_table('reference_items')
