"""Subscriptions: offerings sold to a customer, charged to an agreement, and their lifecycle.

Each transition is checked by the pure state machine (accord/rules/subscriptions.py). One that touches
a single row and takes effect today is done in the caller's transaction; one that waits for a date or
spans several rows (dependants, an early-termination case) is recorded as a scheduled change, which the
SubscriptionChange workflow applies at its date (apply_change, one transaction)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, insert, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession
from temporalio.client import Client, WorkflowHandle
from temporalio.exceptions import WorkflowAlreadyStartedError

from accord.clock import business_today
from accord.config import get_settings
from accord.db import Executor
from accord.errors import AccordError, Conflict, FieldError, InvalidInput, NotFound
from accord.models import Agreement, EarlyTermination, Subscription, SubscriptionChange
from accord.principal import Principal
from accord.rules import subscriptions as rules
from accord.rules.bill_cycle import bill_day_on
from accord.rules.catalogue import OfferingTerms
from accord.rules.changes import changed_fields
from accord.rules.eligibility import offering_errors, price_errors
from accord.rules.money import money_text
from accord.rules.preconditions import ANY_VERSION, IfMatch
from accord.rules.reasons import check_reason
from accord.schemas.orders import OrderItem
from accord.schemas.subscriptions import (
    SUBSCRIPTION_CHANGE_WORKFLOW,
    ChangeOfferingRequest,
    ChangeRef,
    MoveRequest,
    NewSubscription,
    ResumeRequest,
    SuspendRequest,
    TerminateRequest,
)
from accord.services import audit, catalogue, configuration
from accord.services.locking import lock


async def add_subscriptions(
    session: Executor,
    *,
    agreement_id: uuid.UUID,
    customer_id: uuid.UUID,
    currency: str,
    items: Sequence[OrderItem],
    catalogue: Mapping[str, OfferingTerms],
    today: date,
    principal: Principal,
) -> list[uuid.UUID]:
    """One subscription per item, at the offering's list price now. An item whose period has already
    ended (a migrated, churned service) is recorded terminated."""
    rows = []
    for item in items:
        offering = catalogue.get(item.offering_code)
        if offering is None or not offering.active or offering.currency != currency:
            raise InvalidInput(f"offering {item.offering_code} is no longer on sale in {currency}")
        ended = item.end_date is not None and item.end_date <= today
        rows.append(
            dict(
                id=uuid.uuid4(),
                agreement_id=agreement_id,
                offering_code=offering.code,
                currency=currency,
                list_price=offering.monthly_price,
                price_adjustment=item.price_adjustment,
                status="terminated" if ended else "active",
                start_date=item.start_date or today,
                end_date=item.end_date,
                created_by=principal.audit_name,
                updated_by=principal.audit_name,
                version=1,
            )
        )
    await session.execute(insert(Subscription), rows)
    added = [Subscription(**row) for row in rows]
    await audit.record(
        session,
        principal,
        [
            audit.Change("subscription", s.id, "created", customer_id=customer_id, changes=subscription_document(s))
            for s in added
        ],
    )
    return [s.id for s in added]


# --- Reads.


async def get_subscription(session: AsyncSession, subscription_id: uuid.UUID) -> Subscription:
    subscription = await session.get(Subscription, subscription_id)
    if subscription is None:
        raise NotFound(f"no subscription {subscription_id}")
    return subscription


async def scheduled_change(session: AsyncSession, subscription_id: uuid.UUID) -> SubscriptionChange | None:
    return await session.scalar(
        select(SubscriptionChange).where(
            SubscriptionChange.subscription_id == subscription_id, SubscriptionChange.status == "scheduled"
        )
    )


async def get_change(session: AsyncSession, change_id: uuid.UUID) -> SubscriptionChange:
    change = await session.get(SubscriptionChange, change_id)
    if change is None:
        raise NotFound(f"no subscription change {change_id}")
    return change


async def list_subscriptions(
    session: AsyncSession,
    *,
    agreement_id: uuid.UUID | None = None,
    customer_id: uuid.UUID | None = None,
    status: str | None = None,
    offering_code: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[Subscription], int]:
    """Subscriptions matching every filter given, oldest first (ties by id), and how many match."""
    where: list[Any] = []
    if agreement_id is not None:
        where.append(Subscription.agreement_id == agreement_id)
    if customer_id is not None:
        where.append(Subscription.agreement_id.in_(select(Agreement.id).where(Agreement.customer_id == customer_id)))
    if status is not None:
        where.append(Subscription.status == status)
    if offering_code is not None:
        where.append(Subscription.offering_code == offering_code)
    total = await session.scalar(select(func.count()).select_from(Subscription).where(*where)) or 0
    rows = await session.scalars(
        select(Subscription)
        .where(*where)
        .order_by(Subscription.created_at, Subscription.id)
        .limit(limit)
        .offset(offset)
    )
    return list(rows), total


async def early_termination(session: AsyncSession, subscription_id: uuid.UUID) -> EarlyTermination | None:
    """The early-termination case of a subscription that ended inside its commitment term."""
    return await session.scalar(select(EarlyTermination).where(EarlyTermination.subscription_id == subscription_id))


# --- Helpers.


def subscription_document(s: Subscription) -> dict[str, Any]:
    """A subscription's fields as the audit trail records them."""
    return {
        "agreementId": str(s.agreement_id),
        "offeringCode": s.offering_code,
        "currency": s.currency,
        "listPrice": money_text(s.list_price, s.currency),
        "priceAdjustment": money_text(s.price_adjustment, s.currency),
        "status": s.status,
        "statusReason": s.status_reason,
        "suspendedFrom": s.suspended_from.isoformat() if s.suspended_from else None,
        "startDate": s.start_date.isoformat(),
        "endDate": s.end_date.isoformat() if s.end_date else None,
    }


def _held(s: Subscription, offerings: Mapping[str, OfferingTerms]) -> rules.Held:
    return rules.Held(id=s.id, offering=offerings[s.offering_code], status=s.status)


async def _on_agreement(session: AsyncSession, agreement_id: uuid.UUID) -> list[Subscription]:
    rows = await session.scalars(
        select(Subscription)
        .where(Subscription.agreement_id == agreement_id, Subscription.status != "terminated")
        .order_by(Subscription.start_date, Subscription.id)
    )
    return list(rows)


@dataclass
class Locked:
    subscription: Subscription
    agreement: Agreement
    target: Agreement | None = None


async def _lock(
    session: AsyncSession,
    subscription_id: uuid.UUID,
    *,
    if_match: IfMatch = ANY_VERSION,
    target_id: uuid.UUID | None = None,
) -> Locked:
    """Lock the subscription's agreement (and a move's target agreement, in id order), then the
    subscription: every transition on an agreement's subscriptions is serialised, so that the
    dependency checks (add-ons need their access) hold."""
    agreement_id = await session.scalar(select(Subscription.agreement_id).where(Subscription.id == subscription_id))
    if agreement_id is None:
        raise NotFound(f"no subscription {subscription_id}")
    agreements: dict[uuid.UUID, Agreement] = {}
    for aid in sorted({agreement_id, *([target_id] if target_id else [])}):
        row = await session.get(Agreement, aid, with_for_update=True, populate_existing=True)
        if row is None:
            raise InvalidInput(f"no agreement {aid}", [FieldError("agreementId", "no such agreement")])
        agreements[aid] = row
    subscription = await lock(session, Subscription, subscription_id, what="subscription", if_match=if_match)
    if subscription.agreement_id != agreement_id:
        raise Conflict("the subscription moved to another agreement meanwhile: read it again")
    return Locked(subscription, agreements[agreement_id], agreements[target_id] if target_id else None)


async def _no_scheduled_change(session: AsyncSession, subscription: Subscription) -> None:
    pending = await scheduled_change(session, subscription.id)
    if pending is not None:
        raise Conflict(
            f"a {pending.action} is scheduled for this subscription on {pending.effective_date}: cancel it first",
            [FieldError("scheduledChange", f"/api/v1/subscription-changes/{pending.id}")],
        )


def _dependants_conflict(leaving: Subscription, dependants: list[rules.Held], verb: str) -> Conflict:
    return Conflict(
        f"add-ons on the agreement need {leaving.offering_code}: {verb} them first, or send includeDependants",
        [FieldError(f"dependants[{d.id}]", f"{d.offering.code} needs {d.offering.family} access") for d in dependants],
    )


def due_at(effective: date, today: date) -> datetime:
    """When a change's workflow acts: now for today, else the start of the date in the operator's
    timezone."""
    if effective <= today:
        return datetime.now(ZoneInfo("UTC"))
    return datetime.combine(effective, time.min, tzinfo=ZoneInfo(get_settings().timezone))


async def _schedule(
    session: AsyncSession,
    locked: Locked,
    *,
    action: str,
    effective: date,
    today: date,
    parameters: dict[str, Any],
    reason: str | None,
    principal: Principal,
) -> SubscriptionChange:
    change_id = uuid.uuid4()
    change = SubscriptionChange(
        id=change_id,
        subscription_id=locked.subscription.id,
        customer_id=locked.agreement.customer_id,
        action=action,
        effective_date=effective,
        due_at=due_at(effective, today),
        parameters=parameters,
        reason_code=reason,
        status="scheduled",
        workflow_id=f"subscription-change-{change_id}",
        created_by=principal.audit_name,
        updated_by=principal.audit_name,
    )
    session.add(change)
    await session.flush()
    await session.refresh(change)
    await audit.record(
        session,
        principal,
        [
            audit.Change(
                "subscription",
                locked.subscription.id,
                "change-scheduled",
                customer_id=locked.agreement.customer_id,
                changes={
                    "scheduledChange": {
                        "from": None,
                        "to": {
                            "id": str(change_id),
                            "action": action,
                            "effectiveDate": effective.isoformat(),
                            **parameters,
                        },
                    }
                },
                reason_code=reason,
            )
        ],
    )
    return change


async def _record(
    session: AsyncSession,
    principal: Principal,
    subscription: Subscription,
    before: dict[str, Any],
    *,
    action: str,
    customer_id: uuid.UUID,
    reason: str | None,
    extra: dict[str, Any] | None = None,
) -> None:
    subscription.updated_by = principal.audit_name
    await session.flush()
    await session.refresh(subscription)  # the server-set timestamps
    changes = changed_fields(before, subscription_document(subscription)) | (extra or {})
    await audit.record(
        session,
        principal,
        [
            audit.Change(
                "subscription", subscription.id, action, customer_id=customer_id, changes=changes, reason_code=reason
            )
        ],
    )


# --- Adding a subscription.


async def add_subscription(
    session: AsyncSession,
    principal: Principal,
    agreement_id: uuid.UUID,
    item: NewSubscription,
    *,
    today: date | None = None,
    if_match: IfMatch = ANY_VERSION,
) -> Subscription:
    """Sell an offering onto an agreement: it must be on sale in the agreement's currency, and an
    add-on needs an active access offering of its family on the same agreement."""
    today = today or business_today()
    agreement = await lock(session, Agreement, agreement_id, what="agreement", if_match=if_match)
    if agreement.status != "active":
        raise Conflict(f"the agreement is {agreement.status}", [FieldError("agreementId", f"is {agreement.status}")])
    offerings = await catalogue.offering_terms(session, currency=agreement.currency)
    held = [_held(s, offerings) for s in await _on_agreement(session, agreement_id)]
    offering = offerings.get(item.offering_code)
    errors = offering_errors(
        item.offering_code,
        offering,
        agreement.currency,
        access_families=rules.access_families(held),
        field="offeringCode",
        where="active on the same agreement",
        held=[h.offering.code for h in held],
    )
    if offering is not None and offering.active:
        errors += price_errors(item.price_adjustment, offering, agreement.currency, field="priceAdjustment")
    if errors:
        raise InvalidInput("the offering cannot be added to this agreement", errors)
    assert offering is not None
    subscription = Subscription(
        id=uuid.uuid4(),
        agreement_id=agreement_id,
        offering_code=offering.code,
        currency=agreement.currency,
        list_price=offering.monthly_price,
        price_adjustment=item.price_adjustment,
        status="active",
        start_date=item.start_date or today,
        created_by=principal.audit_name,
        updated_by=principal.audit_name,
    )
    session.add(subscription)
    await session.flush()
    await session.refresh(subscription)
    await audit.record(
        session,
        principal,
        [
            audit.Change(
                "subscription",
                subscription.id,
                "created",
                customer_id=agreement.customer_id,
                changes=subscription_document(subscription),
            )
        ],
    )
    return subscription


# --- The transitions, as requested through the API: each returns the subscription and, when the
# transition runs as a workflow, the scheduled change (whose workflow the caller starts after commit).

Outcome = tuple[Subscription, SubscriptionChange | None]


async def suspend(
    session: AsyncSession,
    principal: Principal,
    subscription_id: uuid.UUID,
    request: SuspendRequest,
    *,
    today: date | None = None,
    if_match: IfMatch = ANY_VERSION,
) -> Outcome:
    today = today or business_today()
    locked = await _lock(session, subscription_id, if_match=if_match)
    await _no_scheduled_change(session, locked.subscription)
    rules.transition(locked.subscription.status, "suspend")
    reason = check_reason(
        "suspend", request.reason_code, field="reasonCode", codes=await configuration.reason_codes(session, "suspend")
    )
    on = rules.suspend_from(today, request.effective_date)
    if rules.runs_as_workflow(on, today, rows=1):
        change = await _schedule(
            session,
            locked,
            action="suspend",
            effective=on,
            today=today,
            parameters={},
            reason=reason,
            principal=principal,
        )
        return locked.subscription, change
    await _apply_suspend(session, principal, locked, on=on, reason=reason)
    return locked.subscription, None


async def resume(
    session: AsyncSession,
    principal: Principal,
    subscription_id: uuid.UUID,
    request: ResumeRequest,
    *,
    today: date | None = None,
    if_match: IfMatch = ANY_VERSION,
) -> Outcome:
    today = today or business_today()
    locked = await _lock(session, subscription_id, if_match=if_match)
    await _no_scheduled_change(session, locked.subscription)
    reason = check_reason(
        "resume",
        request.reason_code,
        field="reasonCode",
        required=False,
        codes=await configuration.reason_codes(session, "resume"),
    )
    await _apply_resume(session, principal, locked, reason=reason)
    return locked.subscription, None


async def change_offering(
    session: AsyncSession,
    principal: Principal,
    subscription_id: uuid.UUID,
    request: ChangeOfferingRequest,
    *,
    today: date | None = None,
    if_match: IfMatch = ANY_VERSION,
) -> Outcome:
    """Upgrade or downgrade, now or from the next bill period."""
    today = today or business_today()
    locked = await _lock(session, subscription_id, if_match=if_match)
    await _no_scheduled_change(session, locked.subscription)
    offerings = await catalogue.offering_terms(session)
    current = offerings[locked.subscription.offering_code]
    rules.transition(locked.subscription.status, "change-offering")
    new = _check_offering_change(locked, offerings, request.offering_code, request.price_adjustment)
    reason = check_reason(
        "change-offering",
        request.reason_code or rules.offering_change_kind(current, new),
        field="reasonCode",
        codes=await configuration.reason_codes(session, "change-offering"),
    )
    agreement = locked.agreement
    bill_day = bill_day_on(today, agreement.bill_day, agreement.next_bill_day, agreement.next_bill_day_from)
    on = rules.change_offering_from(request.when, today, bill_day)
    if rules.runs_as_workflow(on, today, rows=1):
        adjustment = None if request.price_adjustment is None else format(request.price_adjustment.normalize(), "f")
        parameters = {"offeringCode": new.code, "priceAdjustment": adjustment}
        change = await _schedule(
            session, locked, action="change-offering", effective=on, today=today, parameters=parameters,
            reason=reason, principal=principal,
        )  # fmt: skip
        return locked.subscription, change
    await _apply_change_offering(session, principal, locked, new, request.price_adjustment, reason=reason)
    return locked.subscription, None


async def move(
    session: AsyncSession,
    principal: Principal,
    subscription_id: uuid.UUID,
    request: MoveRequest,
    *,
    today: date | None = None,
    if_match: IfMatch = ANY_VERSION,
) -> Outcome:
    """To another agreement of the same customer, in the same currency."""
    today = today or business_today()
    locked = await _lock(session, subscription_id, if_match=if_match, target_id=request.agreement_id)
    await _no_scheduled_change(session, locked.subscription)
    reason = check_reason(
        "move",
        request.reason_code,
        field="reasonCode",
        required=False,
        codes=await configuration.reason_codes(session, "move"),
    )
    dependants = await _check_move(session, locked, request.include_dependants)
    if rules.runs_as_workflow(today, today, rows=1 + len(dependants)):
        parameters = {"agreementId": str(request.agreement_id), "includeDependants": request.include_dependants}
        change = await _schedule(
            session, locked, action="move", effective=today, today=today, parameters=parameters,
            reason=reason, principal=principal,
        )  # fmt: skip
        return locked.subscription, change
    await _apply_move(session, principal, locked, include_dependants=False, reason=reason)
    return locked.subscription, None


async def terminate(
    session: AsyncSession,
    principal: Principal,
    subscription_id: uuid.UUID,
    request: TerminateRequest,
    *,
    today: date | None = None,
    if_match: IfMatch = ANY_VERSION,
) -> Outcome:
    """Now, or at the end of the agreement's commitment term. Inside the term, an early-termination
    case is recorded. An access offering whose add-ons would be left without access is refused (409,
    listing them) unless includeDependants, which terminates them too."""
    today = today or business_today()
    locked = await _lock(session, subscription_id, if_match=if_match)
    await _no_scheduled_change(session, locked.subscription)
    rules.transition(locked.subscription.status, "terminate")
    reason = check_reason(
        "terminate",
        request.reason_code,
        field="reasonCode",
        codes=await configuration.reason_codes(session, "terminate"),
    )
    on = rules.terminate_on(request.when, today, locked.agreement.commitment_end_date)
    dependants = await _dependants(session, locked)
    if dependants and not request.include_dependants:
        raise _dependants_conflict(locked.subscription, dependants, "terminate")
    early = rules.is_early_termination(on, locked.agreement.commitment_end_date)
    rows = (1 + len(dependants)) * (2 if early else 1)
    if rules.runs_as_workflow(on, today, rows=rows):
        parameters = {"when": request.when, "includeDependants": request.include_dependants}
        change = await _schedule(
            session, locked, action="terminate", effective=on, today=today, parameters=parameters,
            reason=reason, principal=principal,
        )  # fmt: skip
        return locked.subscription, change
    await _apply_terminate(session, principal, locked, on=on, reason=reason, include_dependants=False)
    return locked.subscription, None


async def cancel_change(
    session: AsyncSession, principal: Principal, change_id: uuid.UUID, *, if_match: IfMatch = ANY_VERSION
) -> SubscriptionChange:
    """A scheduled change that has not happened yet can be cancelled; its workflow then ends."""
    change = await lock(session, SubscriptionChange, change_id, what="subscription change", if_match=if_match)
    if change.status != "scheduled":
        raise Conflict(f"the change is already {change.status}", [FieldError("status", f"is {change.status}")])
    change.status = "cancelled"
    change.outcome = f"cancelled by {principal.audit_name}"
    change.updated_by = principal.audit_name
    await session.flush()
    await session.refresh(change)
    await audit.record(
        session,
        principal,
        [
            audit.Change(
                "subscription",
                change.subscription_id,
                "change-cancelled",
                customer_id=change.customer_id,
                changes={"scheduledChange": {"from": {"id": str(change.id), "action": change.action}, "to": None}},
            )
        ],
    )
    return change


# --- Checks shared by the request and the (later) application of a change.


def _check_offering_change(
    locked: Locked, offerings: Mapping[str, OfferingTerms], code: str, adjustment: Decimal | None
) -> OfferingTerms:
    current = offerings[locked.subscription.offering_code]
    new = offerings.get(code)
    errors = rules.change_offering_errors(current, new, code, locked.agreement.currency)
    if not errors:
        assert new is not None
        kept = locked.subscription.price_adjustment if adjustment is None else adjustment
        errors = price_errors(kept, new, locked.agreement.currency, field="priceAdjustment")
    if errors:
        raise InvalidInput("the offering cannot change to that", errors)
    assert new is not None
    return new


async def _dependants(session: AsyncSession, locked: Locked) -> list[rules.Held]:
    offerings = await catalogue.offering_terms(session)
    others = [_held(s, offerings) for s in await _on_agreement(session, locked.agreement.id)]
    return rules.dependants(_held(locked.subscription, offerings), others)


async def _check_move(session: AsyncSession, locked: Locked, include_dependants: bool) -> list[rules.Held]:
    target, source, subscription = locked.target, locked.agreement, locked.subscription
    assert target is not None
    field = "agreementId"
    if target.id == source.id:
        raise InvalidInput("the subscription is already on that agreement", [FieldError(field, "same agreement")])
    if target.customer_id != source.customer_id:
        raise InvalidInput(
            "a subscription moves only between agreements of the same customer",
            [FieldError(field, f"belongs to another customer than {source.customer_id}")],
        )
    if target.currency != source.currency:
        raise InvalidInput(
            "a subscription moves only between agreements in the same currency",
            [FieldError(field, f"is in {target.currency}, the subscription in {source.currency}")],
        )
    if target.status != "active":
        raise InvalidInput(f"the target agreement is {target.status}", [FieldError(field, f"is {target.status}")])
    rules.transition(subscription.status, "move")
    offerings = await catalogue.offering_terms(session)
    offering = offerings[subscription.offering_code]
    on_target = [_held(s, offerings) for s in await _on_agreement(session, target.id)]
    if offering.kind == "addon" and offering.family not in rules.access_families(on_target):
        raise InvalidInput(
            f"{offering.code} is an add-on: it needs {offering.family} access active on the target agreement",
            [FieldError(field, f"has no active {offering.family} access")],
        )
    dependants = await _dependants(session, locked)
    if dependants and not include_dependants:
        raise _dependants_conflict(subscription, dependants, "move")
    return dependants


# --- Applying a transition (in the API's transaction, or in the workflow's activity).


async def _apply_suspend(
    session: AsyncSession, principal: Principal, locked: Locked, *, on: date, reason: str | None
) -> None:
    s = locked.subscription
    before = subscription_document(s)
    s.status = rules.transition(s.status, "suspend")
    s.status_reason = reason
    s.suspended_from = on
    await _record(
        session, principal, s, before, action="suspended", customer_id=locked.agreement.customer_id, reason=reason
    )


async def _apply_resume(session: AsyncSession, principal: Principal, locked: Locked, *, reason: str | None) -> None:
    s = locked.subscription
    before = subscription_document(s)
    s.status = rules.transition(s.status, "resume")
    s.status_reason = reason
    s.suspended_from = None
    await _record(
        session, principal, s, before, action="resumed", customer_id=locked.agreement.customer_id, reason=reason
    )


async def _apply_change_offering(
    session: AsyncSession,
    principal: Principal,
    locked: Locked,
    new: OfferingTerms,
    adjustment: Decimal | None,
    *,
    reason: str | None,
) -> None:
    s = locked.subscription
    before = subscription_document(s)
    s.status = rules.transition(s.status, "change-offering")
    s.offering_code = new.code
    s.list_price = new.monthly_price
    if adjustment is not None:
        s.price_adjustment = adjustment
    await _record(
        session,
        principal,
        s,
        before,
        action="offering-changed",
        customer_id=locked.agreement.customer_id,
        reason=reason,
    )


async def _apply_move(
    session: AsyncSession, principal: Principal, locked: Locked, *, include_dependants: bool, reason: str | None
) -> None:
    dependants = await _check_move(session, locked, include_dependants)
    assert locked.target is not None
    moving = [locked.subscription]
    for d in dependants:
        row = await session.get(Subscription, d.id, with_for_update=True, populate_existing=True)
        assert row is not None
        moving.append(row)
    for s in moving:
        before = subscription_document(s)
        s.agreement_id = locked.target.id
        await _record(
            session, principal, s, before, action="moved", customer_id=locked.agreement.customer_id, reason=reason
        )


async def _apply_terminate(
    session: AsyncSession,
    principal: Principal,
    locked: Locked,
    *,
    on: date,
    reason: str | None,
    include_dependants: bool,
) -> None:
    agreement = locked.agreement
    dependants = await _dependants(session, locked)
    if dependants and not include_dependants:
        raise _dependants_conflict(locked.subscription, dependants, "terminate")
    ending = []
    for d in dependants:
        row = await session.get(Subscription, d.id, with_for_update=True, populate_existing=True)
        assert row is not None
        ending.append(row)
    ending.append(locked.subscription)
    for s in ending:
        before = subscription_document(s)
        s.status = rules.transition(s.status, "terminate")
        s.status_reason = reason
        s.suspended_from = None
        s.end_date = max(on, s.start_date)
        extra: dict[str, Any] = {}
        months = rules.months_remaining(s.end_date, agreement.commitment_end_date)
        if months:
            assert agreement.commitment_end_date is not None
            case = {
                "id": uuid.uuid4(),
                "subscription_id": s.id,
                "agreement_id": agreement.id,
                "customer_id": agreement.customer_id,
                "terminated_on": s.end_date,
                "commitment_end_date": agreement.commitment_end_date,
                "months_remaining": months,
                "monthly_charge": s.list_price + s.price_adjustment,
                "currency": s.currency,
                "status": "open",
                "created_by": principal.audit_name,
            }
            await session.execute(
                pg_insert(EarlyTermination).values(case).on_conflict_do_nothing(index_elements=["subscription_id"])
            )
            extra["earlyTermination"] = {
                "from": None,
                "to": {
                    "commitmentEndDate": agreement.commitment_end_date.isoformat(),
                    "monthsRemaining": months,
                    "monthlyCharge": money_text(s.list_price + s.price_adjustment, s.currency),
                },
            }
        await _record(
            session,
            principal,
            s,
            before,
            action="terminated",
            customer_id=agreement.customer_id,
            reason=reason,
            extra=extra,
        )


async def apply_change(session: AsyncSession, principal: Principal, change_id: uuid.UUID) -> str:
    """Apply a scheduled change (its date has come), in the caller's transaction. Idempotent: a change
    that is no longer scheduled (applied, cancelled, failed) is left as it is. A change the rules now
    refuse (the subscription was terminated meanwhile, the offering withdrawn) is recorded as failed,
    with the reason. Returns the change's status."""
    change = await session.get(SubscriptionChange, change_id, with_for_update=True, populate_existing=True)
    if change is None:
        raise NotFound(f"no subscription change {change_id}")
    if change.status != "scheduled":
        return change.status
    outcome: str | None = None
    try:
        async with session.begin_nested():
            await _apply(session, principal, change)
        status = "applied"
    except AccordError as exc:
        status = "failed"
        outcome = "; ".join([exc.detail, *(f"{e.field}: {e.detail}" for e in exc.errors)])
    change.status = status
    change.outcome = outcome
    change.updated_by = principal.audit_name
    await session.flush()
    if status == "failed":
        await audit.record(
            session,
            principal,
            [
                audit.Change(
                    "subscription",
                    change.subscription_id,
                    "change-failed",
                    customer_id=change.customer_id,
                    changes={"scheduledChange": {"from": {"id": str(change.id), "action": change.action}, "to": None}},
                    reason_code=change.reason_code,
                )
            ],
        )
    return status


async def _apply(session: AsyncSession, principal: Principal, change: SubscriptionChange) -> None:
    p = change.parameters
    on, reason = change.effective_date, change.reason_code
    target = uuid.UUID(p["agreementId"]) if change.action == "move" else None
    locked = await _lock(session, change.subscription_id, target_id=target)
    if change.action == "suspend":
        await _apply_suspend(session, principal, locked, on=on, reason=reason)
    elif change.action == "resume":
        await _apply_resume(session, principal, locked, reason=reason)
    elif change.action == "change-offering":
        adjustment = None if p.get("priceAdjustment") is None else Decimal(p["priceAdjustment"])
        rules.transition(locked.subscription.status, "change-offering")
        new = _check_offering_change(locked, await catalogue.offering_terms(session), p["offeringCode"], adjustment)
        await _apply_change_offering(session, principal, locked, new, adjustment, reason=reason)
    elif change.action == "move":
        await _apply_move(
            session, principal, locked, include_dependants=p.get("includeDependants", False), reason=reason
        )
    elif change.action == "terminate":
        include = p.get("includeDependants", False)
        await _apply_terminate(session, principal, locked, on=on, reason=reason, include_dependants=include)
    else:  # pragma: no cover - the table's check constraint lists the actions
        raise InvalidInput(f"unknown action {change.action}")


# --- The workflow that applies a scheduled change.


async def start_change_workflow(
    client: Client, change: SubscriptionChange, *, principal: Principal, task_queue: str
) -> WorkflowHandle[Any, Any] | None:
    """Start the change's workflow (after the transaction that recorded it has committed). Starting it
    again is harmless (returns None)."""
    try:
        return await client.start_workflow(
            SUBSCRIPTION_CHANGE_WORKFLOW,
            ChangeRef(change_id=change.id, due_at=change.due_at, principal=principal),
            id=change.workflow_id,
            task_queue=task_queue,
        )
    except WorkflowAlreadyStartedError:
        return None
