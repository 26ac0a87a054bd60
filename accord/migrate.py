"""Bring a database up to date: Alembic migrations, then the sample catalogue."""

from __future__ import annotations

import asyncio
from pathlib import Path

from alembic import command
from alembic.config import Config

from accord.config import Settings
from accord.db import create_engine, database_url, sessionmaker, sqlalchemy_url, unit_of_work
from accord.principal import Principal
from accord.services.catalogue import load_sample_catalogue
from accord.services.configuration import load_reference_data

MIGRATIONS = Path(__file__).parent / "migrations"
SYSTEM = Principal(subject="accord", channel="system")


def upgrade_schema(url: str) -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", sqlalchemy_url(url).replace("%", "%%"))
    command.upgrade(config, "head")


async def seed_catalogue(settings: Settings) -> int:
    engine = create_engine(settings, pool_size=1)
    try:
        async with unit_of_work(sessionmaker(engine)) as session:
            await load_reference_data(
                session, SYSTEM, timezone=settings.timezone, default_currency=settings.default_currency
            )
            return await load_sample_catalogue(session, SYSTEM)
    finally:
        await engine.dispose()


def migrate(settings: Settings) -> int:
    """Returns how many sample offerings were added (0 when they were all there)."""
    upgrade_schema(database_url(settings))
    return asyncio.run(seed_catalogue(settings))
