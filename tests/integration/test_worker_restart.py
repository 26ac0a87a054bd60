"""Killing the worker in the middle of an onboarding and starting it again completes the order, with
no duplicate rows."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from temporalio.client import Client

from accord.models import Agreement, Customer, Order, Subscription
from accord.platform import stop_process
from accord.principal import DEVELOPMENT_PRINCIPAL
from accord.schemas.orders import OrderRequest
from accord.services import orders
from tests.conftest import shop_order, unique
from tests.integration.helpers import wait_for_order

ROOT = Path(__file__).resolve().parents[2]


def start_worker(task_queue: str) -> subprocess.Popen[bytes]:
    """worker.py in a process of its own, as `make run` starts it."""
    env = {**os.environ, "ACCORD_TASK_QUEUE": task_queue}
    return subprocess.Popen([sys.executable, "worker.py"], cwd=ROOT, env=env)


async def order_row(sessions: async_sessionmaker[AsyncSession], order_ref: str) -> Order:
    async with sessions() as session:
        return (await session.scalars(select(Order).where(Order.order_ref == order_ref))).one()


async def test_worker_killed_mid_onboarding_completes_after_restart(
    api: httpx.AsyncClient, engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession], temporal_client: Client
) -> None:
    queue = unique("restart")
    request = OrderRequest.model_validate(shop_order())
    await orders.place_order(
        engine, temporal_client, request=request, principal=DEVELOPMENT_PRINCIPAL, task_queue=queue
    )
    first = second = None
    try:
        # Hold the agreements table: the worker gets through the customer step, then waits on the
        # agreement step, which is where it is killed.
        async with sessions() as blocker, blocker.begin():
            await blocker.execute(text("LOCK TABLE agreements IN EXCLUSIVE MODE"))
            first = start_worker(queue)
            deadline = time.monotonic() + 60
            while (await order_row(sessions, request.order_ref)).customer_id is None:
                assert time.monotonic() < deadline, "the worker never ran the customer step"
                await asyncio.sleep(0.1)
            await asyncio.sleep(0.5)  # the agreement step is now waiting on the lock
            first.send_signal(signal.SIGKILL)
            first.wait(timeout=10)
            stuck = await order_row(sessions, request.order_ref)
            assert stuck.state == "inProgress"
            assert stuck.agreement_id is None

        second = start_worker(queue)
        done = await wait_for_order(api, request.order_ref, within=90)
    finally:
        for process in (first, second):
            if process is not None:
                stop_process(process)

    assert done["state"] == "completed"
    async with sessions() as session:
        customers = (
            await session.scalars(select(Customer.id).where(Customer.external_ref == request.customer.external_ref))
        ).all()
        agreements = (await session.scalars(select(Agreement.id).where(Agreement.customer_id.in_(customers)))).all()
        subscriptions = await session.scalar(
            select(func.count()).select_from(Subscription).where(Subscription.agreement_id.in_(agreements))
        )
    assert [str(c) for c in customers] == [done["customerId"]]
    assert [str(a) for a in agreements] == [done["agreementId"]]
    assert subscriptions == 2
