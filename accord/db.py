"""The database engine and sessions: one engine per process, one session per unit of work."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from accord.config import Settings


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
        pool_pre_ping=False,
    )


def sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


@asynccontextmanager
async def unit_of_work(sessions: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    """One transaction: committed when the block ends, rolled back if it raises."""
    async with sessions() as session, session.begin():
        yield session
