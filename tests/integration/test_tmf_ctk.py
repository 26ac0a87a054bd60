"""The official TM Forum conformance kits (TMF629, TMF666, TMF637, TMF620), run with newman by the project's
runner against the API served by uvicorn on a free port, as in CI. The API gets a database of its own
on the test PostgreSQL (the kits check every record a list returns, so they run on data they can
predict), with a worker for that database behind it; TMF637 needs a product, so an order from the shop
is placed first."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import psycopg
import pytest
from sqlalchemy.engine import make_url
from temporalio.client import Client

from accord.config import Settings
from accord.db import create_engine, libpq_url
from accord.migrate import migrate
from accord.platform import stop_process
from activities.onboarding import OnboardingActivities
from tests.conftest import SHARED, shop_order
from tests.integration.helpers import free_port
from worker import build_worker

RUNNER = SHARED / "scripts" / "tmf-ctk"
KITS = {
    "TMF629": "/tmf-api/customerManagement/v4/",
    "TMF666": "/tmf-api/accountManagement/v4/",
    "TMF637": "/tmf-api/productInventory/v4/",
    "TMF620": "/tmf-api/productCatalogManagement/v4/",
}
# The first run installs newman from npm into ~/.cache/tmf-ctk; later runs take a few seconds.
KIT_TIMEOUT = 600

pytestmark = [
    pytest.mark.skipif(
        shutil.which("node") is None or shutil.which("npm") is None,
        reason="the TM Forum conformance kits run on newman, which needs node and npm",
    ),
    pytest.mark.skipif(not RUNNER.exists(), reason=f"no conformance kit runner at {RUNNER}"),
]


@pytest.fixture(scope="module")
def ctk_settings(settings: Settings) -> Settings:
    """A fresh database on the test PostgreSQL, migrated, and its own task queue."""
    assert settings.database_url is not None
    url = make_url(settings.database_url)
    name = f"accord_ctk_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(libpq_url(settings.database_url), autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    ctk = settings.model_copy(
        update={
            "database_url": url.set(database=name).render_as_string(hide_password=False),
            "task_queue": f"accord-ctk-{uuid.uuid4().hex[:8]}",
            "api_port": free_port(),
        }
    )
    migrate(ctk)
    return ctk


@pytest.fixture(scope="module")
async def ctk_worker(ctk_settings: Settings, temporal_client: Client) -> AsyncIterator[None]:
    engine = create_engine(ctk_settings, pool_size=2)
    async with build_worker(temporal_client, ctk_settings.task_queue, OnboardingActivities(engine)):
        yield
    await engine.dispose()


@pytest.fixture(scope="module")
def ctk_server(ctk_settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`python -m api.serve` on a free port; its base URL. Stopped (by pid) at the end."""
    assert ctk_settings.database_url is not None
    assert ctk_settings.temporal_address is not None
    env = {
        **os.environ,
        "DATABASE_URL": ctk_settings.database_url,
        "TEMPORAL_ADDRESS": ctk_settings.temporal_address,
        "ACCORD_TASK_QUEUE": ctk_settings.task_queue,
        "ACCORD_API_HOST": "127.0.0.1",
        "ACCORD_API_PORT": str(ctk_settings.api_port),
        "ACCORD_LOG_LEVEL": "WARNING",
    }
    log = (tmp_path_factory.mktemp("ctk") / "api.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "api.serve"],
        cwd=Path(__file__).resolve().parents[2],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{ctk_settings.api_port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, f"the API exited with {process.returncode}; see {log.name}"
            try:
                if httpx.get(f"{base}/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, f"the API did not answer within 60 s; see {log.name}"
            time.sleep(0.2)
        yield base
    finally:
        stop_process(process)
        log.close()


@pytest.fixture(scope="module")
async def seeded(ctk_server: str, ctk_worker: None) -> str:
    """What the TMF637 kit reads and cannot create: a customer with an agreement and subscriptions."""
    order = shop_order()
    async with httpx.AsyncClient(base_url=ctk_server, timeout=10) as client:
        response = await client.post("/api/v1/orders", json=order)
        assert response.status_code == 202, response.text
        deadline = time.monotonic() + 60
        while (state := (await client.get(f"/api/v1/orders/{order['orderRef']}")).json())["state"] != "completed":
            assert state["state"] != "failed", state
            assert time.monotonic() < deadline, state
            await asyncio.sleep(0.1)
    return ctk_server


def failures(report: Path) -> str:
    """newman's failures, one line each: the request, the test and the message."""
    if not report.exists():
        return "(no JSON report)"
    run = json.loads(report.read_text())["run"]
    return "\n".join(
        f"- {f['source'].get('name', '?')}: {f['error'].get('test', '')}: {f['error'].get('message', '')}"
        for f in run["failures"]
    )


@pytest.mark.parametrize("kit", list(KITS))
def test_conformance_kit_passes(kit: str, seeded: str, tmp_path: Path) -> None:
    try:
        result = subprocess.run(
            [str(RUNNER), kit, seeded + KITS[kit], "--timeout-request", "20000"],
            env={**os.environ, "TMF_CTK_OUT": str(tmp_path)},
            capture_output=True,
            text=True,
            timeout=KIT_TIMEOUT,
        )
    except subprocess.TimeoutExpired as exc:
        pytest.fail(f"{kit} did not finish within {KIT_TIMEOUT} s: {exc.stdout!r}")
    assert result.returncode == 0, (
        f"{kit} failed (exit {result.returncode}):\n{failures(tmp_path / f'{kit}.json')}\n"
        f"{result.stdout[-6000:]}\n{result.stderr[-2000:]}"
    )
