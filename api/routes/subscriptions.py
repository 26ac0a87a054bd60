"""Subscriptions: read, list, and their lifecycle actions; scheduled changes (read, cancel).

An action that takes effect now on one row answers 200 with the subscription (and its new ETag); one
that waits for a date or spans several rows answers 202 with the scheduled change, which its workflow
applies (GET the change, or the subscription, to follow it)."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Response, status
from temporalio.service import RPCError

from accord.clock import business_today
from accord.db import unit_of_work
from accord.errors import AccordError
from accord.models import EarlyTermination, Subscription, SubscriptionChange
from accord.rules.money import round_money
from accord.schemas.subscriptions import (
    ChangeOfferingRequest,
    ChangeView,
    EarlyTerminationView,
    MoveRequest,
    NewSubscription,
    ResumeRequest,
    SubscriptionPage,
    SubscriptionView,
    SuspendRequest,
    TerminateRequest,
)
from accord.services import subscriptions
from api.deps import IfMatchDep, PrincipalDep, SessionDep, SessionsDep, SettingsDep, TemporalDep
from api.paging import Limit, Offset
from api.responses import json_response

router = APIRouter(tags=["subscriptions"])

SubscriptionId = Annotated[uuid.UUID, Path(alias="subscriptionId")]
ACTION_RESPONSES: dict[int | str, dict[str, object]] = {
    202: {"model": ChangeView, "description": "scheduled: a workflow applies it at its date"},
    409: {"description": "the state machine refuses it, a change is already scheduled, or add-ons depend on it"},
    412: {"description": "If-Match is stale"},
}


def change_view(c: SubscriptionChange) -> ChangeView:
    return ChangeView(
        id=c.id,
        href=f"/api/v1/subscription-changes/{c.id}",
        subscription_id=c.subscription_id,
        action=c.action,
        effective_date=c.effective_date,
        parameters=c.parameters,
        reason_code=c.reason_code,
        status=c.status,
        outcome=c.outcome,
        workflow_id=c.workflow_id,
        created_at=c.created_at,
        created_by=c.created_by,
        updated_at=c.updated_at,
    )


def subscription_view(
    s: Subscription, change: SubscriptionChange | None = None, early: EarlyTermination | None = None
) -> SubscriptionView:
    return SubscriptionView(
        id=s.id,
        href=f"/api/v1/subscriptions/{s.id}",
        agreement_id=s.agreement_id,
        offering_code=s.offering_code,
        currency=s.currency,
        list_price=round_money(s.list_price, s.currency),
        price_adjustment=round_money(s.price_adjustment, s.currency),
        price=round_money(s.list_price + s.price_adjustment, s.currency),
        status=s.status,
        status_reason=s.status_reason,
        suspended_from=s.suspended_from,
        start_date=s.start_date,
        end_date=s.end_date,
        scheduled_change=change_view(change) if change is not None and change.status == "scheduled" else None,
        early_termination=None
        if early is None
        else EarlyTerminationView(
            terminated_on=early.terminated_on,
            commitment_end_date=early.commitment_end_date,
            months_remaining=early.months_remaining,
            monthly_charge=round_money(early.monthly_charge, early.currency),
            currency=early.currency,
            status=early.status,
        ),
        version=s.version,
    )


@router.post(
    "/api/v1/agreements/{agreementId}/subscriptions",
    status_code=status.HTTP_201_CREATED,
    response_model=SubscriptionView,
    responses={409: {"description": "the agreement is not active"}, 422: {"description": "not eligible"}},
)
async def add_subscription(
    agreement_id: Annotated[uuid.UUID, Path(alias="agreementId")],
    body: NewSubscription,
    session: SessionDep,
    principal: PrincipalDep,
    if_match: IfMatchDep,
) -> Response:
    """Sell an offering onto the agreement. It must be on sale in the agreement's currency; an add-on
    needs an active access offering of its family on the same agreement (422 naming `offeringCode`).
    If-Match, when sent, is the agreement's ETag."""
    s = await subscriptions.add_subscription(
        session, principal, agreement_id, body, today=business_today(), if_match=if_match
    )
    response = json_response(subscription_view(s), etag=s.version, status_code=201)
    response.headers["Location"] = f"/api/v1/subscriptions/{s.id}"
    return response


@router.get("/api/v1/subscriptions", response_model=SubscriptionPage)
async def list_subscriptions(
    session: SessionDep,
    agreement_id: Annotated[uuid.UUID | None, Query(alias="agreementId")] = None,
    customer_id: Annotated[uuid.UUID | None, Query(alias="customerId")] = None,
    status_: Annotated[str | None, Query(alias="status", pattern="^(active|suspended|terminated)$")] = None,
    offering_code: Annotated[str | None, Query(alias="offeringCode", max_length=60)] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> SubscriptionPage:
    """Subscriptions, oldest first (ties by id), filtered by agreement, customer, status, offering."""
    rows, total = await subscriptions.list_subscriptions(
        session,
        agreement_id=agreement_id,
        customer_id=customer_id,
        status=status_,
        offering_code=offering_code,
        limit=limit,
        offset=offset,
    )
    return SubscriptionPage(items=[subscription_view(s) for s in rows], total=total, limit=limit, offset=offset)


@router.get("/api/v1/subscriptions/{subscriptionId}", response_model=SubscriptionView)
async def get_subscription(subscription_id: SubscriptionId, session: SessionDep) -> Response:
    """The subscription, with the change scheduled for it and its early-termination case (if any)."""
    s = await subscriptions.get_subscription(session, subscription_id)
    change = await subscriptions.scheduled_change(session, s.id)
    early = await subscriptions.early_termination(session, s.id) if s.status == "terminated" else None
    return json_response(subscription_view(s, change, early), etag=s.version)


Action = Callable[..., Awaitable[subscriptions.Outcome]]


class Transitions:
    """What every lifecycle action needs: the action runs in one transaction (If-Match checked against
    the subscription); a change it schedules has its workflow started once that transaction commits."""

    def __init__(
        self,
        sessions: SessionsDep,
        temporal: TemporalDep,
        settings: SettingsDep,
        principal: PrincipalDep,
        if_match: IfMatchDep,
    ) -> None:
        self.sessions, self.temporal, self.settings = sessions, temporal, settings
        self.principal, self.if_match = principal, if_match

    async def run(self, action: Action, subscription_id: uuid.UUID, request: object) -> Response:
        today = business_today()
        async with unit_of_work(self.sessions) as session:
            s, change = await action(
                session, self.principal, subscription_id, request, today=today, if_match=self.if_match
            )
        if change is None:
            return json_response(subscription_view(s), etag=s.version)
        try:
            await subscriptions.start_change_workflow(
                self.temporal, change, principal=self.principal, task_queue=self.settings.task_queue
            )
        except RPCError as exc:
            # Without its workflow the change would never happen: take it back, and say so.
            async with unit_of_work(self.sessions) as session:
                await subscriptions.cancel_change(session, self.principal, change.id)
            raise AccordError(
                "the change could not be scheduled (Temporal did not answer): nothing was changed, try again",
                status=503,
                title="Service unavailable",
                slug="unavailable",
            ) from exc
        response = json_response(change_view(change), status_code=202)
        response.headers["Location"] = f"/api/v1/subscription-changes/{change.id}"
        return response


async def transitions(
    sessions: SessionsDep, temporal: TemporalDep, settings: SettingsDep, principal: PrincipalDep, if_match: IfMatchDep
) -> Transitions:
    return Transitions(sessions, temporal, settings, principal, if_match)


TransitionsDep = Annotated[Transitions, Depends(transitions)]


@router.post(
    "/api/v1/subscriptions/{subscriptionId}/suspend", response_model=SubscriptionView, responses=ACTION_RESPONSES
)
async def suspend(
    subscription_id: SubscriptionId,
    body: SuspendRequest,
    transitions: TransitionsDep,
) -> Response:
    """Suspend now (200), or from a later `effectiveDate` (202, scheduled). `reasonCode` required."""
    return await transitions.run(subscriptions.suspend, subscription_id, body)


@router.post(
    "/api/v1/subscriptions/{subscriptionId}/resume", response_model=SubscriptionView, responses=ACTION_RESPONSES
)
async def resume(
    subscription_id: SubscriptionId,
    body: ResumeRequest,
    transitions: TransitionsDep,
) -> Response:
    """Resume a suspended subscription, now."""
    return await transitions.run(subscriptions.resume, subscription_id, body)


@router.post(
    "/api/v1/subscriptions/{subscriptionId}/change-offering",
    response_model=SubscriptionView,
    responses=ACTION_RESPONSES,
)
async def change_offering(
    subscription_id: SubscriptionId,
    body: ChangeOfferingRequest,
    transitions: TransitionsDep,
) -> Response:
    """Upgrade or downgrade to another offering of the same kind and family: `when` = `now` (200) or
    `endOfBillPeriod` (202: from the first day of the next bill period)."""
    return await transitions.run(subscriptions.change_offering, subscription_id, body)


@router.post("/api/v1/subscriptions/{subscriptionId}/move", response_model=SubscriptionView, responses=ACTION_RESPONSES)
async def move(
    subscription_id: SubscriptionId,
    body: MoveRequest,
    transitions: TransitionsDep,
) -> Response:
    """Move to another agreement of the same customer, in the same currency (422 otherwise). An access
    offering whose add-ons would be left behind: 409 listing them, or with `includeDependants` they
    move too (202, a workflow)."""
    return await transitions.run(subscriptions.move, subscription_id, body)


@router.post(
    "/api/v1/subscriptions/{subscriptionId}/terminate", response_model=SubscriptionView, responses=ACTION_RESPONSES
)
async def terminate(
    subscription_id: SubscriptionId,
    body: TerminateRequest,
    transitions: TransitionsDep,
) -> Response:
    """Terminate `now` or at the `endOfTerm` of the agreement's commitment. Inside the term an
    early-termination case is recorded (202: a workflow writes both rows). An access offering with
    add-ons that need it: 409 listing them, or `includeDependants` terminates them too (202)."""
    return await transitions.run(subscriptions.terminate, subscription_id, body)


@router.get("/api/v1/subscription-changes/{changeId}", response_model=ChangeView)
async def get_change(change_id: Annotated[uuid.UUID, Path(alias="changeId")], session: SessionDep) -> Response:
    change = await subscriptions.get_change(session, change_id)
    return json_response(change_view(change), etag=change.version)


@router.post(
    "/api/v1/subscription-changes/{changeId}/cancel",
    response_model=ChangeView,
    responses={409: {"description": "the change is no longer scheduled"}},
)
async def cancel_change(
    change_id: Annotated[uuid.UUID, Path(alias="changeId")],
    sessions: SessionsDep,
    temporal: TemporalDep,
    principal: PrincipalDep,
    if_match: IfMatchDep,
) -> Response:
    """Cancel a scheduled change before its date; its workflow ends without applying it. If-Match, when
    sent, is the change's ETag."""
    async with unit_of_work(sessions) as session:
        change = await subscriptions.cancel_change(session, principal, change_id, if_match=if_match)
    with contextlib.suppress(RPCError):  # the workflow may be gone; the database decides anyway
        await temporal.get_workflow_handle(change.workflow_id).signal("cancel")
    return json_response(change_view(change), etag=change.version)
