"""The Accord API: `uvicorn api.main:app`. OpenAPI docs at /docs."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from accord.config import get_settings
from accord.db import create_engine, open_read_pool, sessionmaker
from accord.logs import configure_logging
from accord.temporal import connect
from api import problems
from api.idempotency import IdempotencyMiddleware
from api.middleware import RejectNulCharacters, RequestIdMiddleware
from api.routes import (
    agreements,
    catalogue,
    catalogue_changes,
    configuration,
    customers,
    health,
    orders,
    subscriptions,
)
from api.tmf import routers as tmf_routers


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings = get_settings()
    engine = create_engine(settings)
    app.state.engine = engine
    app.state.sessions = sessionmaker(engine)
    app.state.reads = await open_read_pool(settings)
    app.state.temporal = await connect(settings)
    # Everything loaded so far lives as long as the process: keep the collector from rescanning it
    # (it showed as latency spikes at the tail of the GET benchmark).
    gc.collect()
    gc.freeze()
    try:
        yield
    finally:
        await engine.dispose()
        await app.state.reads.close()


def create_app() -> FastAPI:
    configure_logging(get_settings())
    app = FastAPI(
        title="Accord",
        summary="Customer care and billing for digital service providers",
        version="0.1.0",
        lifespan=lifespan,
    )
    app.add_middleware(IdempotencyMiddleware)
    app.add_middleware(RejectNulCharacters)  # before a key is claimed or a route runs
    app.add_middleware(RequestIdMiddleware)  # outermost: every answer gets a request id
    problems.install(app)
    for router in (
        health.router,
        orders.router,
        customers.router,
        agreements.router,
        agreements.customer_router,
        subscriptions.router,
        catalogue.router,
        catalogue_changes.router,
        configuration.router,
        *tmf_routers,
    ):
        app.include_router(router)
    return app


app = create_app()
