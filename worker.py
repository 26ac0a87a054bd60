"""The Temporal worker: runs Accord's workflows and activities. `python worker.py`."""

from __future__ import annotations

import structlog
import uvloop
from temporalio.client import Client
from temporalio.worker import PollerBehaviorSimpleMaximum, Worker

from accord.config import Settings, get_settings
from accord.db import create_engine
from accord.logs import configure_logging
from accord.temporal import connect
from activities.catalogue_change import CatalogueChangeActivities
from activities.onboarding import OnboardingActivities
from activities.subscriptions import SubscriptionActivities
from workflows.catalogue_change import CatalogueChange
from workflows.onboarding import Onboarding
from workflows.subscriptions import SubscriptionChange

log = structlog.get_logger("accord.worker")


def build_worker(client: Client, task_queue: str, activities: OnboardingActivities) -> Worker:
    """Every workflow and activity Accord runs, on one task queue."""
    changes = SubscriptionActivities(activities.engine)
    catalogue_changes = CatalogueChangeActivities(activities.engine)
    return Worker(
        client,
        task_queue=task_queue,
        workflows=[Onboarding, SubscriptionChange, CatalogueChange],
        activities=[
            activities.onboard_customer,
            activities.onboard_agreement,
            activities.onboard_subscriptions,
            activities.complete_order,
            activities.fail_order,
            changes.apply_subscription_change,
            catalogue_changes.validate_catalogue_change,
            catalogue_changes.decide_catalogue_change,
            catalogue_changes.publish_catalogue_change,
            catalogue_changes.apply_catalogue_price_changes,
        ],
        max_concurrent_workflow_tasks=100,
        max_concurrent_activities=100,
        max_concurrent_local_activities=200,
        # An onboarding completes in its first workflow task, and a first task always comes from the
        # normal queue, never the sticky one: poll that one as much (the default polls it 1 in 5).
        workflow_task_poller_behavior=PollerBehaviorSimpleMaximum(maximum=20),
        nonsticky_to_sticky_poll_ratio=1.0,
    )


async def run_worker(settings: Settings) -> None:
    engine = create_engine(settings)
    client = await connect(settings)
    worker = build_worker(client, settings.task_queue, OnboardingActivities(engine))
    log.info("worker started", task_queue=settings.task_queue, temporal=settings.temporal_target)
    try:
        await worker.run()
    finally:
        await engine.dispose()


def main() -> None:
    settings = get_settings()
    configure_logging(settings)
    uvloop.run(run_worker(settings))


if __name__ == "__main__":
    main()
