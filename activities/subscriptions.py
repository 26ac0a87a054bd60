"""The subscription-change step as an activity: one transaction, idempotent (a change that is no
longer scheduled is left as it is)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine
from temporalio import activity
from temporalio.exceptions import ApplicationError

from accord.db import sessionmaker, unit_of_work
from accord.errors import AccordError
from accord.schemas.subscriptions import ChangeRef
from accord.services import subscriptions


class SubscriptionActivities:
    def __init__(self, engine: AsyncEngine) -> None:
        self.sessions = sessionmaker(engine)

    @activity.defn(name="apply_subscription_change")
    async def apply_subscription_change(self, ref: ChangeRef) -> str:
        """Apply the change; returns its status (applied, failed, or cancelled when it was cancelled
        just before its time came)."""
        try:
            async with unit_of_work(self.sessions) as session:
                return await subscriptions.apply_change(session, ref.principal, ref.change_id)
        except AccordError as exc:  # the change is gone: nothing a retry can mend
            raise ApplicationError(str(exc), type=type(exc).__name__, non_retryable=True) from exc
