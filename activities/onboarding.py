"""The onboarding steps as activities. Each opens one unit of work and calls the orders service;
a domain error (bad data that a retry cannot mend) is raised as non-retryable."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncEngine
from temporalio import activity
from temporalio.exceptions import ApplicationError

from accord.clock import business_today
from accord.db import Executor, autocommit, transaction
from accord.errors import AccordError
from accord.schemas.orders import OrderFailure, OrderStep
from accord.services import orders

T = TypeVar("T")


class OnboardingActivities:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def _run(self, step: Callable[[Executor], Awaitable[T]], *, one_statement: bool = False) -> T:
        try:
            async with (autocommit if one_statement else transaction)(self.engine) as connection:
                return await step(connection)
        except AccordError as exc:
            raise ApplicationError(str(exc), type=type(exc).__name__, non_retryable=True) from exc

    @activity.defn(name="onboard_customer")
    async def onboard_customer(self, step: OrderStep) -> uuid.UUID:
        return await self._run(lambda s: orders.onboard_customer(s, order_id=step.order_id, principal=step.principal))

    @activity.defn(name="onboard_agreement")
    async def onboard_agreement(self, step: OrderStep) -> uuid.UUID:
        today = business_today()
        return await self._run(
            lambda s: orders.onboard_agreement(s, order_id=step.order_id, today=today, principal=step.principal)
        )

    @activity.defn(name="onboard_subscriptions")
    async def onboard_subscriptions(self, step: OrderStep) -> list[uuid.UUID]:
        today = business_today()
        return await self._run(
            lambda s: orders.onboard_subscriptions(s, order_id=step.order_id, today=today, principal=step.principal)
        )

    @activity.defn(name="complete_order")
    async def complete_order(self, step: OrderStep) -> None:
        await self._run(
            lambda s: orders.complete_order(s, order_id=step.order_id, principal=step.principal), one_statement=True
        )

    @activity.defn(name="fail_order")
    async def fail_order(self, failure: OrderFailure) -> None:
        await self._run(
            lambda s: orders.fail_order(
                s, order_id=failure.order_id, reason=failure.reason, principal=failure.principal
            )
        )
