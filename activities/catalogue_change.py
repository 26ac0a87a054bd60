"""The catalogue-change steps as activities: each one transaction on the locked change-set row
(accord/services/catalogue_changes.py), safe to retry. A domain error (the row forbids the step) is
raised as non-retryable, carrying its field errors, so that the API can show it as the problem."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date, datetime
from typing import TypeVar

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from temporalio import activity
from temporalio.exceptions import ApplicationError

from accord.db import sessionmaker, unit_of_work
from accord.errors import AccordError
from accord.schemas.catalogue import ChangeSetAct, PublishOutcome, SubmitOutcome
from accord.services import catalogue_changes

T = TypeVar("T")


class Decided(BaseModel):
    status: str
    effective_at: datetime | None = None


class CatalogueChangeActivities:
    def __init__(self, engine: AsyncEngine) -> None:
        self.sessions = sessionmaker(engine)

    async def _run(self, step: Callable[[AsyncSession], Awaitable[T]]) -> T:
        try:
            async with unit_of_work(self.sessions) as session:
                return await step(session)
        except AccordError as exc:
            fields = [{"field": e.field, "detail": e.detail} for e in exc.errors]
            raise ApplicationError(str(exc), fields, type=type(exc).__name__, non_retryable=True) from exc

    @activity.defn(name="validate_catalogue_change")
    async def validate_catalogue_change(self, act: ChangeSetAct) -> SubmitOutcome:
        return await self._run(lambda s: catalogue_changes.validate_step(s, act))

    @activity.defn(name="decide_catalogue_change")
    async def decide_catalogue_change(self, act: ChangeSetAct, step: str) -> Decided:
        async def decide(session: AsyncSession) -> Decided:
            status, effective_at = await catalogue_changes.decision_step(session, act, step)
            return Decided(status=status, effective_at=effective_at)

        return await self._run(decide)

    @activity.defn(name="publish_catalogue_change")
    async def publish_catalogue_change(self, act: ChangeSetAct) -> PublishOutcome:
        return await self._run(lambda s: catalogue_changes.publish_step(s, act))

    @activity.defn(name="apply_catalogue_price_changes")
    async def apply_catalogue_price_changes(self, act: ChangeSetAct, through: date) -> int:
        return await self._run(lambda s: catalogue_changes.apply_price_changes_step(s, act, through))
