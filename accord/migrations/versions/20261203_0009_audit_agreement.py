"""audit events name the agreement they happened on

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03 20:30:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0009'
down_revision: str | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column('audit_events', sa.Column('agreement_id', sa.UUID(), nullable=True))
    op.create_index('ix_audit_events_agreement_id_id', 'audit_events', ['agreement_id', 'id'], unique=False)
    # Existing events: an agreement's own, and a subscription's on the agreement it is on now (the best
    # that can be known afterwards).
    op.execute("UPDATE audit_events SET agreement_id = entity_id WHERE entity_type = 'agreement'")
    op.execute(
        "UPDATE audit_events e SET agreement_id = s.agreement_id FROM subscriptions s "
        "WHERE e.entity_type = 'subscription' AND s.id = e.entity_id"
    )


def downgrade() -> None:
    op.drop_index('ix_audit_events_agreement_id_id', table_name='audit_events')
    op.drop_column('audit_events', 'agreement_id')
