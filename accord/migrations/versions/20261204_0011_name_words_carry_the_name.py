"""each name word carries the customer's whole search name and the name's previous word

A name search read every word in the range of each query word, removed the duplicates (María
Martínez has two words in "mar") and intersected the ranges of a query's words: 8,000 rows hashed
to find the 49 customers of "mar johnson". Now each word row also holds:

- the word before it in the same name, in code point order: the first of a name's words in a range
  is the one whose previous word lies before the range, so that one row per customer matches, and
  no DISTINCT is needed;
- the whole search name: a query of several words scans the range of its longest word alone and
  checks the other words in the name (1,000 rows for "mar johnson").

Both are INCLUDE columns of the primary key: the search stays an index-only scan. The trigger on
updates now fires only when the search name changes (a WHEN clause), rather than the function
checking it on every update.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04 19:00:00
"""
import importlib
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0011'
down_revision: str | None = '0010'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The words of one name, each with the word before it (code point order) and the whole name.
WORDS_OF = """
SELECT w, {created_at}, {id}, lag(w) OVER (ORDER BY w), {search_name}
FROM (SELECT DISTINCT w COLLATE "C" AS w FROM regexp_split_to_table({search_name}, ' ') AS w WHERE w <> '') AS words
"""
INSERT = 'INSERT INTO customer_name_words (word, created_at, customer_id, previous_word, search_name)'

SYNC_FUNCTION = f"""
CREATE OR REPLACE FUNCTION customer_name_words_sync() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        DELETE FROM customer_name_words WHERE customer_id = OLD.id;
    END IF;
    {INSERT}
    {WORDS_OF.format(created_at='NEW.created_at', id='NEW.id', search_name='NEW.search_name')};
    RETURN NULL;
END
$$
"""
TRIGGERS = {
    'customers_name_words_insert': 'AFTER INSERT ON customers FOR EACH ROW',
    'customers_name_words_update': 'AFTER UPDATE OF search_name ON customers FOR EACH ROW '
    'WHEN (NEW.search_name IS DISTINCT FROM OLD.search_name)',
}
PREVIOUS_TRIGGER = 'customers_name_words'


def upgrade() -> None:
    op.execute(f'DROP TRIGGER {PREVIOUS_TRIGGER} ON customers')
    op.execute('TRUNCATE customer_name_words')
    op.add_column('customer_name_words', sa.Column('previous_word', sa.Text(collation='C'), nullable=True))
    op.add_column('customer_name_words', sa.Column('search_name', sa.Text(), nullable=False))
    op.drop_constraint('pk_customer_name_words', 'customer_name_words', type_='primary')
    op.execute(
        'ALTER TABLE customer_name_words ADD CONSTRAINT pk_customer_name_words '
        'PRIMARY KEY (word, created_at, customer_id) INCLUDE (previous_word, search_name)'
    )
    op.execute(SYNC_FUNCTION)
    for name, when in TRIGGERS.items():
        op.execute(f'CREATE TRIGGER {name} {when} EXECUTE FUNCTION customer_name_words_sync()')
    op.execute(
        f'{INSERT} SELECT words.* FROM customers c, LATERAL ('
        f"{WORDS_OF.format(created_at='c.created_at', id='c.id', search_name='c.search_name')}) AS words"
    )


def downgrade() -> None:
    previous = importlib.import_module('accord.migrations.versions.20261204_0010_customer_name_words')
    for name in TRIGGERS:
        op.execute(f'DROP TRIGGER {name} ON customers')
    op.execute(previous.SYNC_FUNCTION.replace('CREATE FUNCTION', 'CREATE OR REPLACE FUNCTION', 1))
    op.execute(
        f'CREATE TRIGGER {PREVIOUS_TRIGGER} AFTER INSERT OR UPDATE OF search_name ON customers '
        'FOR EACH ROW EXECUTE FUNCTION customer_name_words_sync()'
    )
    op.drop_constraint('pk_customer_name_words', 'customer_name_words', type_='primary')
    op.create_primary_key('pk_customer_name_words', 'customer_name_words', ['word', 'created_at', 'customer_id'])
    op.drop_column('customer_name_words', 'search_name')
    op.drop_column('customer_name_words', 'previous_word')
