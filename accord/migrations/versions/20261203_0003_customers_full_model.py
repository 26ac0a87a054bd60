"""customers full model: contact media, identifications, segment, language, consent, status reason,
hierarchy, anonymisation, search columns; customer_emails (case-insensitive email uniqueness)

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-03 19:45:00
"""
import json
import re
import unicodedata
from collections.abc import Sequence

import phonenumbers
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen copies of the rules as of this migration (rules/customers.py may change later).
_FOLD = str.maketrans({"đ": "d", "ð": "d", "ø": "o", "ł": "l", "ħ": "h", "ı": "i", "þ": "th", "æ": "ae", "œ": "oe"})
_WORDS = re.compile(r"[\W_]+")


def _search_key(value: str) -> str:
    decomposed = unicodedata.normalize("NFKD", value.casefold())
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c)).translate(_FOLD)
    return _WORDS.sub(" ", unicodedata.normalize("NFC", stripped)).strip()


def _e164(number: str, region: str | None) -> str:
    try:
        parsed = phonenumbers.parse(number, region)
        if phonenumbers.is_valid_number(parsed):
            return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    except phonenumbers.NumberParseException:
        pass
    return number


def upgrade() -> None:
    jsonb_list = sa.text("'[]'::jsonb")
    op.add_column('customers', sa.Column('emails', postgresql.JSONB(astext_type=sa.Text()), server_default=jsonb_list, nullable=False))
    op.add_column('customers', sa.Column('phones', postgresql.JSONB(astext_type=sa.Text()), server_default=jsonb_list, nullable=False))
    op.add_column('customers', sa.Column('identifications', postgresql.JSONB(astext_type=sa.Text()), server_default=jsonb_list, nullable=False))
    op.add_column('customers', sa.Column('segment', sa.String(length=50), nullable=True))
    op.add_column('customers', sa.Column('preferred_language', sa.String(length=35), nullable=True))
    op.add_column('customers', sa.Column('marketing_consent', sa.Boolean(), server_default=sa.text('false'), nullable=False))
    op.add_column('customers', sa.Column('status_reason', sa.String(length=50), nullable=True))
    op.add_column('customers', sa.Column('parent_id', sa.UUID(), nullable=True))
    op.add_column('customers', sa.Column('relationship', sa.String(length=30), nullable=True))
    op.add_column('customers', sa.Column('paying_parent', sa.Boolean(), server_default=sa.text('false'), nullable=False))
    op.add_column('customers', sa.Column('anonymised_at', sa.DateTime(timezone=True), nullable=True))
    op.add_column('customers', sa.Column('search_name', sa.Text(), server_default=sa.text("''"), nullable=False))
    op.add_column('customers', sa.Column('search_vector', postgresql.TSVECTOR(), sa.Computed("to_tsvector('simple', search_name)", persisted=True), nullable=True))
    op.add_column('customers', sa.Column('search_emails', postgresql.ARRAY(sa.String(length=320)), server_default=sa.text("'{}'::varchar[]"), nullable=False))
    op.add_column('customers', sa.Column('search_phones', postgresql.ARRAY(sa.String(length=40)), server_default=sa.text("'{}'::varchar[]"), nullable=False))
    op.create_foreign_key(op.f('fk_customers_parent_id_customers'), 'customers', 'customers', ['parent_id'], ['id'])
    op.create_check_constraint(op.f('ck_customers_not_own_parent'), 'customers', 'parent_id IS NULL OR parent_id <> id')
    op.create_check_constraint(op.f('ck_customers_relationship_with_parent'), 'customers', '(parent_id IS NULL) = (relationship IS NULL)')
    op.create_index('ix_customers_search_vector', 'customers', ['search_vector'], unique=False, postgresql_using='gin')
    op.create_index('ix_customers_search_emails', 'customers', ['search_emails'], unique=False, postgresql_using='gin')
    op.create_index('ix_customers_search_phones', 'customers', ['search_phones'], unique=False, postgresql_using='gin')
    op.create_index('ix_customers_parent_id', 'customers', ['parent_id'], unique=False, postgresql_where=sa.text('parent_id IS NOT NULL'))
    op.create_index('ix_customers_segment', 'customers', ['segment'], unique=False)
    op.create_table('customer_emails',
    sa.Column('email_key', sa.String(length=320), nullable=False),
    sa.Column('customer_id', sa.UUID(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_customer_emails_customer_id_customers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('email_key', name=op.f('pk_customer_emails'))
    )
    op.create_index(op.f('ix_customer_emails_customer_id'), 'customer_emails', ['customer_id'], unique=False)
    _backfill()


def _backfill() -> None:
    """Existing customers (onboarding, import): the email / phone become the preferred entries of
    emails / phones (phones in E.164 where they parse), addresses get a type and a preferred flag,
    the search columns are filled, and each address is claimed once (first customer wins)."""
    connection = op.get_bind()
    rows = connection.execute(sa.text(
        "SELECT id, given_name, family_name, trading_name, email, phone, addresses FROM customers ORDER BY created_at, id"
    )).mappings().all()
    claimed: set[str] = set()
    for row in rows:
        addresses = [{**a, "type": a.get("type", "home"), "preferred": i == 0} for i, a in enumerate(row["addresses"] or [])]
        region = addresses[0].get("country") if addresses else None
        phone = _e164(row["phone"], region) if row["phone"] else None
        email = row["email"]
        key = unicodedata.normalize("NFC", email.strip()).casefold() if email else None
        connection.execute(
            sa.text(
                "UPDATE customers SET emails = CAST(:emails AS jsonb), phones = CAST(:phones AS jsonb),"
                " addresses = CAST(:addresses AS jsonb), phone = :phone, search_name = :search_name,"
                " search_emails = :search_emails, search_phones = :search_phones,"
                " status_reason = CASE WHEN status = 'active' THEN 'first-order' END WHERE id = :id"
            ),
            {
                "id": row["id"],
                "emails": json.dumps([{"address": email, "type": "home", "preferred": True}] if email else []),
                "phones": json.dumps([{"number": phone, "type": "mobile", "preferred": True}] if phone else []),
                "addresses": json.dumps(addresses),
                "phone": phone,
                "search_name": _search_key(" ".join(n for n in (row["given_name"], row["family_name"], row["trading_name"]) if n)),
                "search_emails": [key] if key else [],
                "search_phones": [phone] if phone else [],
            },
        )
        if key and key not in claimed:
            claimed.add(key)
            connection.execute(
                sa.text("INSERT INTO customer_emails (email_key, customer_id) VALUES (:key, :id)"),
                {"key": key, "id": row["id"]},
            )


def downgrade() -> None:
    op.drop_index(op.f('ix_customer_emails_customer_id'), table_name='customer_emails')
    op.drop_table('customer_emails')
    op.drop_index('ix_customers_segment', table_name='customers')
    op.drop_index('ix_customers_parent_id', table_name='customers')
    op.drop_index('ix_customers_search_phones', table_name='customers')
    op.drop_index('ix_customers_search_emails', table_name='customers')
    op.drop_index('ix_customers_search_vector', table_name='customers')
    op.drop_constraint(op.f('ck_customers_relationship_with_parent'), 'customers', type_='check')
    op.drop_constraint(op.f('ck_customers_not_own_parent'), 'customers', type_='check')
    op.drop_constraint(op.f('fk_customers_parent_id_customers'), 'customers', type_='foreignkey')
    for column in ('search_phones', 'search_emails', 'search_vector', 'search_name', 'anonymised_at', 'paying_parent', 'relationship',
                   'parent_id', 'status_reason', 'marketing_consent', 'preferred_language', 'segment',
                   'identifications', 'phones', 'emails'):
        op.drop_column('customers', column)
