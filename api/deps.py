"""What a route needs, as Annotated dependencies: the unit of work, the Temporal client, the caller.

Every dependency is an async function, though none awaits anything but the session: FastAPI runs a
plain function in a worker thread, and that hop is costly (measured on the customer search, in
process: 2.6 ms of CPU a request with one dependency run in a thread, 1.4-1.7 ms without)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from typing import Annotated, Any

from fastapi import Depends, Header, Request
from psycopg import AsyncConnection
from psycopg_pool import AsyncConnectionPool
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from temporalio.client import Client

from accord.config import Settings, get_settings
from accord.db import unit_of_work
from accord.principal import DEVELOPMENT_PRINCIPAL, Principal, development_principal
from accord.rules.preconditions import IfMatch, parse_if_match


async def get_sessions(request: Request) -> async_sessionmaker[AsyncSession]:
    sessions: async_sessionmaker[AsyncSession] = request.app.state.sessions
    return sessions


SessionsDep = Annotated[async_sessionmaker[AsyncSession], Depends(get_sessions)]


async def get_engine(request: Request) -> AsyncEngine:
    """For work outside a session: statements that each commit on their own (accord.db.autocommit)."""
    engine: AsyncEngine = request.app.state.engine
    return engine


EngineDep = Annotated[AsyncEngine, Depends(get_engine)]


async def get_session(sessions: SessionsDep) -> AsyncIterator[AsyncSession]:
    """One transaction per request, committed when the route returns without error."""
    async with unit_of_work(sessions) as session:
        yield session


def read_pool(request: Request) -> AsyncConnectionPool[AsyncConnection[Any]]:
    """Connections for single-statement reads, outside any transaction (the fast path for GETs)."""
    pool: AsyncConnectionPool[AsyncConnection[Any]] = request.app.state.reads
    return pool


async def get_temporal(request: Request) -> Client:
    client: Client = request.app.state.temporal
    return client


def principal_of(headers: Mapping[str, str], settings: Settings) -> Principal:
    """The calling principal (who, through which channel). Access control lands here, and only here;
    until it does, every call is the development principal — named by the request's X-Accord-User /
    X-Accord-Channel headers in development mode."""
    if settings.environment == "development":
        return development_principal(headers)
    return DEVELOPMENT_PRINCIPAL


async def get_principal(request: Request) -> Principal:
    return principal_of(request.headers, get_settings())


async def get_if_match(
    if_match: Annotated[
        str | None, Header(alias="If-Match", description='the ETag you read, e.g. W/"3": 412 if it is stale')
    ] = None,
) -> IfMatch:
    return parse_if_match(if_match)


async def get_app_settings() -> Settings:
    return get_settings()


SessionDep = Annotated[AsyncSession, Depends(get_session)]
TemporalDep = Annotated[Client, Depends(get_temporal)]
PrincipalDep = Annotated[Principal, Depends(get_principal)]
SettingsDep = Annotated[Settings, Depends(get_app_settings)]
IfMatchDep = Annotated[IfMatch, Depends(get_if_match)]
