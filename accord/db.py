"""The database engine and sessions: one engine per process, one session per unit of work."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import orjson
from psycopg import AsyncConnection, AsyncCursor
from psycopg.abc import Buffer
from psycopg.adapt import Loader
from psycopg.rows import namedtuple_row
from psycopg.types.json import set_json_loads
from psycopg_pool import AsyncConnectionPool
from pydantic_core import from_json
from sqlalchemy.ext.asyncio import AsyncConnection as SqlConnection
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from accord.config import Settings

# What runs a Core statement inside a transaction: an ORM session, or a bare connection (the worker's
# onboarding steps use one: measured, a two-statement transaction costs ~2.0 ms of CPU on a connection
# against ~2.9 ms on a session).
Executor = AsyncSession | SqlConnection


def sqlalchemy_url(url: str) -> str:
    """`postgresql://…` (libpq style) → the SQLAlchemy URL for psycopg 3."""
    for prefix in ("postgresql+psycopg://", "postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    raise ValueError(f"not a PostgreSQL URL: {url!r}")


def libpq_url(url: str) -> str:
    """The SQLAlchemy URL → a plain libpq URL (for psycopg and psql)."""
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


def database_url(settings: Settings) -> str:
    """The configured database, or the embedded one under the data folder (started if needed)."""
    if settings.database_url:
        return settings.database_url
    from accord.embedded import embedded_database_url

    return embedded_database_url(settings.data_dir)


def create_engine(settings: Settings, *, pool_size: int | None = None) -> AsyncEngine:
    return create_async_engine(
        sqlalchemy_url(database_url(settings)),
        pool_size=pool_size or settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
        json_deserializer=from_json,  # JSONB parsed in Rust (see _parse_json_in_rust)
    )


async def open_read_pool(settings: Settings) -> AsyncConnectionPool[AsyncConnection[Any]]:
    """Plain psycopg connections in autocommit, for the API's hot single-row reads. Measured on a GET by
    id, the SQLAlchemy async path costs ~1.2 ms of CPU a request; a prepared statement on psycopg
    directly costs a fraction of that. Every write still goes through SQLAlchemy sessions."""
    pool: AsyncConnectionPool[AsyncConnection[Any]] = AsyncConnectionPool(
        libpq_url(database_url(settings)),
        min_size=2,
        max_size=settings.db_pool_size,
        kwargs={
            "autocommit": True,
            "row_factory": namedtuple_row,
            "prepare_threshold": 1,
            # Plan each prepared statement once. Left to choose, PostgreSQL kept re-planning the name
            # search for every execution (its estimate for a bound word range is one row, so a custom
            # plan always looks cheaper than the generic one): ~1 ms of planning for ~0.8 ms of work.
            "options": "-c plan_cache_mode=force_generic_plan",
        },
        configure=_parse_json_in_rust,
        open=False,
    )
    await pool.open(wait=True)
    return pool


async def _parse_json_in_rust(connection: AsyncConnection[Any]) -> None:
    """JSONB columns parsed by pydantic-core rather than the json module: a page of 20 customers holds
    100 JSONB values, and the json module's parsing was a third of a name search's CPU in the API."""
    set_json_loads(from_json, connection)


class _JsonText(Loader):
    def load(self, data: Buffer) -> orjson.Fragment:
        return orjson.Fragment(bytes(data))


def json_passed_through(connection: AsyncConnection[Any]) -> AsyncCursor[Any]:
    """A cursor whose JSONB values stay the JSON text PostgreSQL sent, for a body that carries them
    as they are (orjson writes a Fragment verbatim): parsing them only to serialise them again was
    most of the per-row cost of a search page (100 JSONB values in a page of 20 customers)."""
    cursor = connection.cursor()
    cursor.adapters.register_loader("jsonb", _JsonText)
    return cursor


def sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


@asynccontextmanager
async def transaction(engine: AsyncEngine) -> AsyncIterator[SqlConnection]:
    """One transaction on a bare connection: committed when the block ends, rolled back if it raises."""
    async with engine.begin() as connection:
        yield connection


@asynccontextmanager
async def autocommit(engine: AsyncEngine) -> AsyncIterator[SqlConnection]:
    """A connection in autocommit, for work whose every statement stands on its own (one statement, or
    an insert-or-read): each commits by itself, in one round trip instead of three (BEGIN, the
    statement, COMMIT)."""
    async with engine.connect() as connection:
        yield await connection.execution_options(isolation_level="AUTOCOMMIT")


@asynccontextmanager
async def unit_of_work(sessions: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    """One transaction: committed when the block ends, rolled back if it raises."""
    async with sessions() as session, session.begin():
        yield session
