"""agreements and subscription lifecycle

Agreements: status reason, a pending bill-day change (new day and the date it takes effect), credit
limit. Subscriptions: suspended status, status reason, suspended-from date. Scheduled subscription
changes (one scheduled per subscription) and early-termination cases.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03 19:45:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column('agreements', sa.Column('status_reason', sa.String(length=50), nullable=True))
    op.add_column('agreements', sa.Column('next_bill_day', sa.SmallInteger(), nullable=True))
    op.add_column('agreements', sa.Column('next_bill_day_from', sa.Date(), nullable=True))
    op.add_column('agreements', sa.Column('credit_limit', sa.Numeric(precision=18, scale=4), nullable=True))
    op.create_check_constraint(op.f('ck_agreements_next_bill_day'), 'agreements', 'next_bill_day BETWEEN 1 AND 28')
    op.create_check_constraint(
        op.f('ck_agreements_next_bill_day_from'), 'agreements', '(next_bill_day IS NULL) = (next_bill_day_from IS NULL)'
    )
    op.create_check_constraint(op.f('ck_agreements_credit_limit'), 'agreements', 'credit_limit >= 0')

    op.add_column('subscriptions', sa.Column('status_reason', sa.String(length=50), nullable=True))
    op.add_column('subscriptions', sa.Column('suspended_from', sa.Date(), nullable=True))
    op.drop_constraint(op.f('ck_subscriptions_status'), 'subscriptions', type_='check')
    op.create_check_constraint(
        op.f('ck_subscriptions_status'), 'subscriptions', "status IN ('active', 'suspended', 'terminated')"
    )

    op.create_table('subscription_changes',
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('subscription_id', sa.UUID(), nullable=False),
    sa.Column('customer_id', sa.UUID(), nullable=False),
    sa.Column('action', sa.String(length=30), nullable=False),
    sa.Column('effective_date', sa.Date(), nullable=False),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('parameters', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('reason_code', sa.String(length=50), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('workflow_id', sa.String(length=200), nullable=False),
    sa.Column('outcome', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('created_by', sa.String(length=200), nullable=False),
    sa.Column('updated_by', sa.String(length=200), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint("action IN ('suspend', 'resume', 'change-offering', 'move', 'terminate')", name=op.f('ck_subscription_changes_action')),
    sa.CheckConstraint("status IN ('scheduled', 'applied', 'cancelled', 'failed')", name=op.f('ck_subscription_changes_status')),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_subscription_changes_customer_id_customers')),
    sa.ForeignKeyConstraint(['subscription_id'], ['subscriptions.id'], name=op.f('fk_subscription_changes_subscription_id_subscriptions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_subscription_changes'))
    )
    op.create_index(op.f('ix_subscription_changes_subscription_id'), 'subscription_changes', ['subscription_id'], unique=False)
    op.create_index('uq_subscription_changes_one_scheduled', 'subscription_changes', ['subscription_id'], unique=True, postgresql_where=sa.text("status = 'scheduled'"))

    op.create_table('early_terminations',
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('subscription_id', sa.UUID(), nullable=False),
    sa.Column('agreement_id', sa.UUID(), nullable=False),
    sa.Column('customer_id', sa.UUID(), nullable=False),
    sa.Column('terminated_on', sa.Date(), nullable=False),
    sa.Column('commitment_end_date', sa.Date(), nullable=False),
    sa.Column('months_remaining', sa.Integer(), nullable=False),
    sa.Column('monthly_charge', sa.Numeric(precision=18, scale=4), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('created_by', sa.String(length=200), nullable=False),
    sa.CheckConstraint('months_remaining > 0', name=op.f('ck_early_terminations_months_remaining')),
    sa.CheckConstraint("status IN ('open', 'charged', 'waived')", name=op.f('ck_early_terminations_status')),
    sa.ForeignKeyConstraint(['agreement_id'], ['agreements.id'], name=op.f('fk_early_terminations_agreement_id_agreements')),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_early_terminations_customer_id_customers')),
    sa.ForeignKeyConstraint(['subscription_id'], ['subscriptions.id'], name=op.f('fk_early_terminations_subscription_id_subscriptions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_early_terminations')),
    sa.UniqueConstraint('subscription_id', name=op.f('uq_early_terminations_subscription_id'))
    )
    op.create_index(op.f('ix_early_terminations_agreement_id'), 'early_terminations', ['agreement_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_early_terminations_agreement_id'), table_name='early_terminations')
    op.drop_table('early_terminations')
    op.drop_index('uq_subscription_changes_one_scheduled', table_name='subscription_changes')
    op.drop_index(op.f('ix_subscription_changes_subscription_id'), table_name='subscription_changes')
    op.drop_table('subscription_changes')
    op.drop_constraint(op.f('ck_subscriptions_status'), 'subscriptions', type_='check')
    op.create_check_constraint(op.f('ck_subscriptions_status'), 'subscriptions', "status IN ('active', 'terminated')")
    op.drop_column('subscriptions', 'suspended_from')
    op.drop_column('subscriptions', 'status_reason')
    op.drop_constraint(op.f('ck_agreements_credit_limit'), 'agreements', type_='check')
    op.drop_constraint(op.f('ck_agreements_next_bill_day_from'), 'agreements', type_='check')
    op.drop_constraint(op.f('ck_agreements_next_bill_day'), 'agreements', type_='check')
    op.drop_column('agreements', 'credit_limit')
    op.drop_column('agreements', 'next_bill_day_from')
    op.drop_column('agreements', 'next_bill_day')
    op.drop_column('agreements', 'status_reason')
