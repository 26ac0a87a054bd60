"""Scheduled subscription changes on Temporal's time-skipping test server: the workflow's durable
timer waits for the date (weeks, skipped in a blink), then its activity applies the change."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal

import httpx
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Replayer

from accord.clock import business_today
from accord.db import unit_of_work
from accord.models import Subscription
from accord.principal import Principal
from accord.rules.bill_cycle import next_period_start
from accord.rules.orders import add_months
from accord.schemas.subscriptions import ChangeOfferingRequest, SuspendRequest
from accord.services import subscriptions
from tests.integration.test_agreements import onboarded
from tests.integration.test_subscriptions import mrc, subscriptions_of
from workflows.subscriptions import SubscriptionChange

CSA = Principal(subject="jane.csa", channel="call-centre")


async def test_a_suspension_from_a_later_date_happens_on_that_date(
    api: httpx.AsyncClient,
    sessions: async_sessionmaker[AsyncSession],
    skipping: WorkflowEnvironment,
    skipping_queue: str,
) -> None:
    done = await onboarded(api)
    tv = (await subscriptions_of(api, done))["streaming-tv"]
    later = add_months(business_today(), 1)
    async with unit_of_work(sessions) as session:
        _, change = await subscriptions.suspend(
            session,
            CSA,
            uuid.UUID(tv["id"]),
            SuspendRequest(reason_code="non-payment", effective_date=later),
            today=business_today(),
        )
    assert change is not None
    handle = await subscriptions.start_change_workflow(
        skipping.client, change, principal=CSA, task_queue=skipping_queue
    )
    assert handle is not None
    assert await handle.query("current_state") == "waiting"
    assert (await api.get(f"/api/v1/subscriptions/{tv['id']}")).json()["status"] == "active"

    assert await handle.result() == "applied"

    assert await skipping.get_current_time() >= change.due_at  # the timer waited for the date
    suspended = (await api.get(f"/api/v1/subscriptions/{tv['id']}")).json()
    assert (suspended["status"], suspended["suspendedFrom"]) == ("suspended", later.isoformat())
    assert suspended["statusReason"] == "non-payment"
    assert suspended["scheduledChange"] is None
    assert await mrc(api, done["agreementId"]) == "45.00"
    applied = (await api.get(f"/api/v1/subscription-changes/{change.id}")).json()
    assert applied["status"] == "applied"
    history = (await api.get(f"/api/v1/agreements/{done['agreementId']}/history")).json()["items"]
    assert [(e["action"], e["actor"], e["reasonCode"]) for e in history[-2:]] == [
        ("change-scheduled", "jane.csa", "non-payment"),
        ("suspended", "jane.csa", "non-payment"),
    ]
    # The workflow's code replays its own history (determinism).
    replayer = Replayer(workflows=[SubscriptionChange], data_converter=pydantic_data_converter)
    await replayer.replay_workflow(await handle.fetch_history())


async def test_an_offering_change_at_the_end_of_the_bill_period(
    api: httpx.AsyncClient,
    sessions: async_sessionmaker[AsyncSession],
    skipping: WorkflowEnvironment,
    skipping_queue: str,
) -> None:
    done = await onboarded(api)
    fiber = (await subscriptions_of(api, done))["fiber-optic"]
    async with unit_of_work(sessions) as session:
        _, change = await subscriptions.change_offering(
            session,
            CSA,
            uuid.UUID(fiber["id"]),
            ChangeOfferingRequest(offering_code="dsl", when="endOfBillPeriod", price_adjustment=Decimal("-2.00")),
            today=business_today(),
        )
    assert change is not None
    period_start = next_period_start(business_today(), 15)
    assert change.effective_date == period_start
    handle = await subscriptions.start_change_workflow(
        skipping.client, change, principal=CSA, task_queue=skipping_queue
    )
    assert handle is not None
    assert await mrc(api, done["agreementId"]) == "55.00"  # the current period at the old offering

    assert await handle.result() == "applied"

    now = await skipping.get_current_time()
    assert now >= datetime.combine(period_start, datetime.min.time(), tzinfo=now.tzinfo)
    changed = (await api.get(f"/api/v1/subscriptions/{fiber['id']}")).json()
    assert (changed["offeringCode"], changed["listPrice"], changed["priceAdjustment"]) == ("dsl", "25.00", "-2.00")
    assert await mrc(api, done["agreementId"]) == "33.00"


async def test_a_change_the_rules_refuse_by_its_date_fails_with_the_reason_and_is_applied_once(
    api: httpx.AsyncClient,
    sessions: async_sessionmaker[AsyncSession],
    skipping: WorkflowEnvironment,
    skipping_queue: str,
) -> None:
    done = await onboarded(api)
    tv = (await subscriptions_of(api, done))["streaming-tv"]
    later = add_months(business_today(), 2)
    async with unit_of_work(sessions) as session:
        _, change = await subscriptions.suspend(
            session,
            CSA,
            uuid.UUID(tv["id"]),
            SuspendRequest(reason_code="customer-request", effective_date=later),
            today=business_today(),
        )
        assert change is not None
        # Meanwhile the subscription ends by other means (e.g. an operator's correction).
        await session.execute(
            update(Subscription).where(Subscription.id == uuid.UUID(tv["id"])).values(status="terminated")
        )
    handle = await subscriptions.start_change_workflow(
        skipping.client, change, principal=CSA, task_queue=skipping_queue
    )
    assert handle is not None
    assert await handle.result() == "failed"
    failed = (await api.get(f"/api/v1/subscription-changes/{change.id}")).json()
    assert failed["status"] == "failed"
    assert "a terminated subscription cannot suspend" in failed["outcome"]
    # Applying again (a retried activity) leaves it as it is.
    async with unit_of_work(sessions) as session:
        assert await subscriptions.apply_change(session, CSA, change.id) == "failed"
