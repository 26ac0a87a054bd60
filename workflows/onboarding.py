"""Onboarding: the online shop's order becomes a customer, an agreement and its subscriptions.

Each step is a local activity: it runs in the worker that runs the workflow, so the whole order
completes in one workflow task (a few round trips to the server instead of one per step), while each
step is still recorded in the history and retried on its own. A step that can never succeed fails
the order with its reason, and the compensation removes whatever the order had made."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, FailureError

with workflow.unsafe.imports_passed_through():
    from accord.schemas.orders import OrderFailure, OrderStep
    from accord.temporal import ONBOARDING_WORKFLOW
    from activities.onboarding import OnboardingActivities

# A step that fails for a passing reason (the database restarting) is retried until it succeeds; one
# that raises a non-retryable error (bad data) fails the order at once.
STEP_TIMEOUT = timedelta(seconds=30)
STEP_RETRY = RetryPolicy(initial_interval=timedelta(seconds=1), maximum_interval=timedelta(minutes=1))
STEPS: list[Callable[[OnboardingActivities, OrderStep], Awaitable[object]]] = [
    OnboardingActivities.onboard_customer,
    OnboardingActivities.onboard_agreement,
    OnboardingActivities.onboard_subscriptions,
    OnboardingActivities.complete_order,
]


# Not sandboxed: the sandbox re-creates the module namespace for every run, which cost ~15-20 % of the
# worker's CPU in the import benchmark. This module does nothing at import and its workflow code uses
# no clock, random or I/O; keep it that way (see STEP_TIMEOUT and the workflow.* calls only).
@workflow.defn(name=ONBOARDING_WORKFLOW, sandboxed=False)
class Onboarding:
    def __init__(self) -> None:
        self.step = "received"

    @workflow.run
    async def run(self, order: OrderStep) -> str:
        try:
            for step in STEPS:
                self.step = step.__name__
                await workflow.execute_local_activity_method(
                    step, order, start_to_close_timeout=STEP_TIMEOUT, retry_policy=STEP_RETRY
                )
        except FailureError as err:
            # A remote activity's failure arrives as an ActivityError around its cause; a local one's
            # as the ApplicationError itself.
            reason = str(err.cause) if isinstance(err, ActivityError) and err.cause else str(err)
            workflow.logger.warning("order failed at %s: %s", self.step, reason)
            self.step = "failed"
            await workflow.execute_local_activity_method(
                OnboardingActivities.fail_order,
                OrderFailure(order_id=order.order_id, principal=order.principal, reason=reason),
                start_to_close_timeout=STEP_TIMEOUT,
                retry_policy=STEP_RETRY,
            )
            return "failed"
        self.step = "completed"
        return "completed"

    @workflow.query
    def current_step(self) -> str:
        return self.step
