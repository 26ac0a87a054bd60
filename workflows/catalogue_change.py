"""CatalogueChange: one catalogue change set, from draft to published.

draft --submit--> (validate activity) --> awaitingApproval, or back to draft with its findings
awaitingApproval --approve (a second person)--> scheduled --(durable timer to effectiveAt)--> publish
activity: a new catalogue version in one transaction --> published, then, when existing subscribers
get the new prices, a timer to each date they fall due and an activity that applies them.
reject ends it; cancel ends it at any time until it is published.

Updates (submit, approve, reject, cancel) validate against the workflow's state before they reach
history; their activities check the database row again, which is the source of truth for reads.
The query `current_state` gives the live state."""

from __future__ import annotations

import contextlib
from datetime import datetime, timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from accord.principal import Principal
    from accord.schemas.catalogue import ChangeSetAct, ChangeSetStart, PublishOutcome, SubmitOutcome
    from activities.catalogue_change import CatalogueChangeActivities, Decided

STEP_TIMEOUT = timedelta(seconds=60)
RETRY = RetryPolicy(initial_interval=timedelta(seconds=1), maximum_interval=timedelta(minutes=5))
ENDED = ("published", "rejected", "cancelled", "failed")


@workflow.defn(name="CatalogueChange")
class CatalogueChange:
    def __init__(self) -> None:
        self.status = "draft"
        self.author = ""
        self.effective_at: str | None = None
        self.version: int | None = None
        self.busy = False
        self.change_set_id = ""
        self.approver: Principal | None = None

    @workflow.run
    async def run(self, start: ChangeSetStart) -> str:
        self.author = start.author
        self.change_set_id = str(start.change_set_id)
        await workflow.wait_condition(lambda: self.status in ("scheduled", *ENDED) and not self.busy)
        if self.status != "scheduled":
            return self.status
        assert self.effective_at is not None
        wait = datetime.fromisoformat(self.effective_at) - workflow.now()
        if wait > timedelta(0):
            with contextlib.suppress(TimeoutError):  # its time has come
                await workflow.wait_condition(lambda: self.status != "scheduled", timeout=wait)
        await workflow.wait_condition(lambda: not self.busy)
        if self.status != "scheduled":
            return self.status
        self.status = "publishing"
        assert self.approver is not None  # the approver publishes
        act = ChangeSetAct(change_set_id=start.change_set_id, principal=self.approver)
        outcome: PublishOutcome = await workflow.execute_activity_method(
            CatalogueChangeActivities.publish_catalogue_change, act, start_to_close_timeout=STEP_TIMEOUT,
            retry_policy=RETRY,
        )  # fmt: skip
        self.status, self.version = outcome.status, outcome.version
        for day, due_at in zip(outcome.price_change_days, outcome.due_at, strict=True):
            wait = due_at - workflow.now()
            if wait > timedelta(0):
                await workflow.sleep(wait)
            await workflow.execute_activity_method(
                CatalogueChangeActivities.apply_catalogue_price_changes, args=[act, day],
                start_to_close_timeout=STEP_TIMEOUT, retry_policy=RETRY,
            )  # fmt: skip
        return self.status

    # --- submit

    @workflow.update
    async def submit(self, act: ChangeSetAct) -> SubmitOutcome:
        self.busy = True
        try:
            outcome: SubmitOutcome = await workflow.execute_activity_method(
                CatalogueChangeActivities.validate_catalogue_change, act, start_to_close_timeout=STEP_TIMEOUT,
                retry_policy=RETRY,
            )  # fmt: skip
            self.status = outcome.status
            return outcome
        finally:
            self.busy = False

    @submit.validator
    def _submit_allowed(self, act: ChangeSetAct) -> None:
        self._require(("draft",), "submitted")

    # --- approve, reject, cancel

    async def _decide(self, act: ChangeSetAct, step: str) -> str:
        self.busy = True
        try:
            decided: Decided = await workflow.execute_activity_method(
                CatalogueChangeActivities.decide_catalogue_change, args=[act, step],
                start_to_close_timeout=STEP_TIMEOUT, retry_policy=RETRY,
            )  # fmt: skip
            self.status = decided.status
            if decided.effective_at is not None:
                self.effective_at = decided.effective_at.isoformat()
            if step == "approve":
                self.approver = act.principal
            return self.status
        finally:
            self.busy = False

    @workflow.update
    async def approve(self, act: ChangeSetAct) -> str:
        return await self._decide(act, "approve")

    @approve.validator
    def _approve_allowed(self, act: ChangeSetAct) -> None:
        self._require(("awaitingApproval",), "approved")
        if act.principal.subject == self.author:
            raise ApplicationError(
                "the author of a change set may not approve it",
                [
                    {
                        "field": "X-Accord-User",
                        "detail": f"{self.author} wrote this change set: a second person must approve it",
                    }
                ],
                type="Conflict",
            )

    @workflow.update
    async def reject(self, act: ChangeSetAct) -> str:
        return await self._decide(act, "reject")

    @reject.validator
    def _reject_allowed(self, act: ChangeSetAct) -> None:
        self._require(("awaitingApproval",), "rejected")

    @workflow.update
    async def cancel(self, act: ChangeSetAct) -> str:
        return await self._decide(act, "cancel")

    @cancel.validator
    def _cancel_allowed(self, act: ChangeSetAct) -> None:
        self._require(("draft", "awaitingApproval", "scheduled"), "cancelled")

    def _require(self, states: tuple[str, ...], done: str) -> None:
        if self.busy or self.status not in states:
            now = "busy with another step" if self.busy else self.status
            raise ApplicationError(
                f"the change set is {now}: it cannot be {done}",
                [{"field": "status", "detail": f"is {now}"}],
                type="Conflict",
            )

    @workflow.query
    def current_state(self) -> dict[str, object]:
        return {"status": self.status, "effectiveAt": self.effective_at, "version": self.version}
