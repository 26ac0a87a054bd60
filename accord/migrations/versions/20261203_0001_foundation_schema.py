"""foundation schema

Revision ID: 0001
Revises: 
Create Date: 2026-12-03 17:18:05.894600
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0001'
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute(sa.schema.CreateSequence(sa.Sequence("customer_number_seq", start=1000001)))
    op.execute(sa.schema.CreateSequence(sa.Sequence("agreement_number_seq", start=5000001)))
    op.create_table('customers',
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('customer_number', sa.String(length=20), server_default=sa.text("'C' || nextval('customer_number_seq')::text"), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('given_name', sa.String(length=200), nullable=True),
    sa.Column('family_name', sa.String(length=200), nullable=True),
    sa.Column('trading_name', sa.String(length=200), nullable=True),
    sa.Column('email', sa.String(length=320), nullable=True),
    sa.Column('phone', sa.String(length=40), nullable=True),
    sa.Column('addresses', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('characteristics', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('external_ref', sa.String(length=100), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('created_by', sa.String(length=200), nullable=False),
    sa.Column('updated_by', sa.String(length=200), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint("kind <> 'organisation' OR trading_name IS NOT NULL", name=op.f('ck_customers_organisation_name')),
    sa.CheckConstraint("kind IN ('individual', 'organisation')", name=op.f('ck_customers_kind')),
    sa.CheckConstraint("status IN ('prospect', 'active', 'suspended', 'closed')", name=op.f('ck_customers_status')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_customers')),
    sa.UniqueConstraint('customer_number', name=op.f('uq_customers_customer_number')),
    sa.UniqueConstraint('external_ref', name=op.f('uq_customers_external_ref'))
    )
    op.create_index('ix_customers_created_at_id', 'customers', ['created_at', 'id'], unique=False)
    op.create_table('offerings',
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('code', sa.String(length=60), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('family', sa.String(length=40), nullable=False),
    sa.Column('monthly_price', sa.Numeric(precision=18, scale=4), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('created_by', sa.String(length=200), nullable=False),
    sa.Column('updated_by', sa.String(length=200), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint("kind IN ('access', 'addon')", name=op.f('ck_offerings_kind')),
    sa.CheckConstraint("status IN ('active', 'retired')", name=op.f('ck_offerings_status')),
    sa.CheckConstraint('monthly_price >= 0', name=op.f('ck_offerings_price')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_offerings')),
    sa.UniqueConstraint('code', name=op.f('uq_offerings_code'))
    )
    op.create_table('agreements',
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('agreement_number', sa.String(length=20), server_default=sa.text("'A' || nextval('agreement_number_seq')::text"), nullable=False),
    sa.Column('customer_id', sa.UUID(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('bill_frequency', sa.String(length=20), nullable=False),
    sa.Column('bill_day', sa.SmallInteger(), nullable=False),
    sa.Column('bill_delivery', sa.String(length=20), nullable=False),
    sa.Column('payment_method_type', sa.String(length=40), nullable=False),
    sa.Column('payment_method_details', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('commitment_months', sa.SmallInteger(), nullable=False),
    sa.Column('commitment_end_date', sa.Date(), nullable=True),
    sa.Column('billing_address', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('created_by', sa.String(length=200), nullable=False),
    sa.Column('updated_by', sa.String(length=200), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint("bill_delivery IN ('electronic', 'paper')", name=op.f('ck_agreements_bill_delivery')),
    sa.CheckConstraint("bill_frequency IN ('monthly')", name=op.f('ck_agreements_bill_frequency')),
    sa.CheckConstraint("status IN ('active', 'suspended', 'closed')", name=op.f('ck_agreements_status')),
    sa.CheckConstraint('bill_day BETWEEN 1 AND 28', name=op.f('ck_agreements_bill_day')),
    sa.CheckConstraint('commitment_months IN (0, 12, 24)', name=op.f('ck_agreements_commitment_months')),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_agreements_customer_id_customers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_agreements')),
    sa.UniqueConstraint('agreement_number', name=op.f('uq_agreements_agreement_number'))
    )
    op.create_index(op.f('ix_agreements_customer_id'), 'agreements', ['customer_id'], unique=False)
    op.create_table('orders',
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('order_ref', sa.String(length=100), nullable=False),
    sa.Column('request', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('request_hash', sa.String(length=64), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('failure_reason', sa.Text(), nullable=True),
    sa.Column('workflow_id', sa.String(length=200), nullable=False),
    sa.Column('channel', sa.String(length=40), nullable=False),
    sa.Column('customer_id', sa.UUID(), nullable=True),
    sa.Column('customer_created', sa.Boolean(), nullable=False),
    sa.Column('agreement_id', sa.UUID(), nullable=True),
    sa.Column('subscription_ids', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('created_by', sa.String(length=200), nullable=False),
    sa.Column('updated_by', sa.String(length=200), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint("state IN ('received', 'inProgress', 'completed', 'failed')", name=op.f('ck_orders_state')),
    sa.ForeignKeyConstraint(['agreement_id'], ['agreements.id'], name=op.f('fk_orders_agreement_id_agreements')),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_orders_customer_id_customers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_orders')),
    sa.UniqueConstraint('order_ref', name=op.f('uq_orders_order_ref'))
    )
    op.create_table('subscriptions',
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('agreement_id', sa.UUID(), nullable=False),
    sa.Column('offering_code', sa.String(length=60), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('list_price', sa.Numeric(precision=18, scale=4), nullable=False),
    sa.Column('price_adjustment', sa.Numeric(precision=18, scale=4), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('end_date', sa.Date(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('created_by', sa.String(length=200), nullable=False),
    sa.Column('updated_by', sa.String(length=200), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint("status IN ('active', 'terminated')", name=op.f('ck_subscriptions_status')),
    sa.CheckConstraint('end_date IS NULL OR end_date >= start_date', name=op.f('ck_subscriptions_period')),
    sa.ForeignKeyConstraint(['agreement_id'], ['agreements.id'], name=op.f('fk_subscriptions_agreement_id_agreements')),
    sa.ForeignKeyConstraint(['offering_code'], ['offerings.code'], name=op.f('fk_subscriptions_offering_code_offerings')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_subscriptions'))
    )
    op.create_index(op.f('ix_subscriptions_agreement_id'), 'subscriptions', ['agreement_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_subscriptions_agreement_id'), table_name='subscriptions')
    op.drop_table('subscriptions')
    op.drop_table('orders')
    op.drop_index(op.f('ix_agreements_customer_id'), table_name='agreements')
    op.drop_table('agreements')
    op.drop_table('offerings')
    op.drop_table('customers')
    op.execute(sa.schema.DropSequence(sa.Sequence("agreement_number_seq")))
    op.execute(sa.schema.DropSequence(sa.Sequence("customer_number_seq")))
