"""tm forum facades: tmf_documents

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03 19:45:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'tmf_documents',
        sa.Column('kind', sa.String(length=60), nullable=False),
        sa.Column('id', sa.String(length=100), nullable=False),
        sa.Column('body', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
        sa.Column('created_by', sa.String(length=200), nullable=False),
        sa.Column('updated_by', sa.String(length=200), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('kind', 'id', name=op.f('pk_tmf_documents')),
    )
    # Lists page in creation order within a kind.
    op.create_index('ix_tmf_documents_kind_created_at_id', 'tmf_documents', ['kind', 'created_at', 'id'])


def downgrade() -> None:
    op.drop_index('ix_tmf_documents_kind_created_at_id', table_name='tmf_documents')
    op.drop_table('tmf_documents')
