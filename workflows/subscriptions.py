"""SubscriptionChange: a subscription transition that waits for its date (a durable timer) or spans
several rows, applied by one idempotent activity when its time comes. The signal `cancel` ends it
before then (the API marks the change cancelled in the database first, so a late signal is harmless:
the activity leaves a cancelled change as it is)."""

from __future__ import annotations

import contextlib
from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from accord.schemas.subscriptions import SUBSCRIPTION_CHANGE_WORKFLOW, ChangeRef
    from activities.subscriptions import SubscriptionActivities

APPLY_TIMEOUT = timedelta(seconds=30)
APPLY_RETRY = RetryPolicy(initial_interval=timedelta(seconds=1), maximum_interval=timedelta(minutes=5))


@workflow.defn(name=SUBSCRIPTION_CHANGE_WORKFLOW)
class SubscriptionChange:
    def __init__(self) -> None:
        self.state = "waiting"
        self.cancelled = False

    @workflow.run
    async def run(self, ref: ChangeRef) -> str:
        wait = ref.due_at - workflow.now()
        if wait > timedelta(0):
            with contextlib.suppress(TimeoutError):  # the date has come
                await workflow.wait_condition(lambda: self.cancelled, timeout=wait)
        if self.cancelled:
            self.state = "cancelled"
            return self.state
        self.state = "applying"
        self.state = await workflow.execute_activity_method(
            SubscriptionActivities.apply_subscription_change,
            ref,
            start_to_close_timeout=APPLY_TIMEOUT,
            retry_policy=APPLY_RETRY,
        )
        return self.state

    @workflow.signal
    def cancel(self) -> None:
        self.cancelled = True

    @workflow.query
    def current_state(self) -> str:
        return self.state
