"""Alembic environment: migrations run on a plain (sync) psycopg connection."""

from alembic import context
from sqlalchemy import create_engine, pool

from accord.config import get_settings
from accord.db import database_url, sqlalchemy_url
from accord.models import Base

target_metadata = Base.metadata


def run_migrations_online() -> None:
    url = context.config.get_main_option("sqlalchemy.url") or sqlalchemy_url(database_url(get_settings()))
    engine = create_engine(url, poolclass=pool.NullPool)
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata, compare_type=True)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


run_migrations_online()
