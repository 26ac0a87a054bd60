"""Agreements (billing accounts): open, list, change (bill address, delivery, payment method, credit
limit, bill cycle, commitment term, status) and their history; what they cost a month."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import date
from typing import Any

from pydantic import ValidationError
from sqlalchemy import func, insert, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from accord.clock import business_today
from accord.db import Executor
from accord.errors import Conflict, FieldError, InvalidInput, NotFound, field_errors
from accord.models import Agreement, AuditEvent, Customer, Subscription
from accord.principal import Principal
from accord.rules.agreements import close_blockers, status_action
from accord.rules.bill_cycle import bill_day_change_effective, bill_day_on
from accord.rules.changes import changed_fields
from accord.rules.merge_patch import merge_patch
from accord.rules.money import fits_minor_unit, money_text
from accord.rules.orders import add_months, commitment_end
from accord.rules.preconditions import ANY_VERSION, IfMatch
from accord.rules.reasons import check_reason
from accord.schemas.agreements import AgreementSettings, NewAgreement
from accord.schemas.orders import OrderAgreement
from accord.services import audit, configuration
from accord.services.locking import lock


async def open_agreement(
    session: Executor,
    *,
    customer_id: uuid.UUID,
    terms: OrderAgreement,
    start: date,
    today: date,
    principal: Principal,
) -> uuid.UUID:
    values = dict(
        id=uuid.uuid4(),
        customer_id=customer_id,
        currency=terms.currency,
        bill_frequency=terms.bill_cycle.frequency,
        bill_day=terms.bill_cycle.bill_day,
        bill_delivery=terms.bill_delivery,
        payment_method_type=terms.payment_method.type,
        payment_method_details={
            "automatic": terms.payment_method.automatic,
            **terms.payment_method.details,
        },
        commitment_months=terms.commitment_term,
        commitment_end_date=commitment_end(start, terms.commitment_term, today),
        billing_address=terms.billing_address.model_dump(mode="json") if terms.billing_address else None,
        status="active",
        created_by=principal.audit_name,
        updated_by=principal.audit_name,
        version=1,
    )
    if isinstance(terms, NewAgreement) and terms.credit_limit is not None:
        values["credit_limit"] = terms.credit_limit
    await session.execute(insert(Agreement), values)
    opened = Agreement(**values)
    await audit.record(
        session,
        principal,
        [audit.Change("agreement", opened.id, "created", customer_id=customer_id, changes=agreement_document(opened))],
    )
    return opened.id


async def get_agreement(session: AsyncSession, agreement_id: uuid.UUID) -> tuple[Agreement, list[Subscription]]:
    agreement = await session.get(Agreement, agreement_id)
    if agreement is None:
        raise NotFound(f"no agreement {agreement_id}")
    return agreement, await agreement_subscriptions(session, agreement_id)


async def agreement_subscriptions(session: AsyncSession, agreement_id: uuid.UUID) -> list[Subscription]:
    subscriptions = await session.scalars(
        select(Subscription)
        .where(Subscription.agreement_id == agreement_id)
        .order_by(Subscription.start_date, Subscription.id)
    )
    return list(subscriptions)


def payment_method(agreement: Agreement) -> dict[str, Any]:
    """The payment method as the API shows it and takes it: {type, automatic, details}."""
    details = dict(agreement.payment_method_details)
    automatic = bool(details.pop("automatic", False))
    return {"type": agreement.payment_method_type, "automatic": automatic, "details": details}


def agreement_document(agreement: Agreement) -> dict[str, Any]:
    """The agreement's fields as the audit trail records them (JSON values, camelCase)."""
    return {
        "customerId": str(agreement.customer_id),
        "currency": agreement.currency,
        "billDay": agreement.bill_day,
        "nextBillDay": agreement.next_bill_day,
        "nextBillDayFrom": agreement.next_bill_day_from.isoformat() if agreement.next_bill_day_from else None,
        "billDelivery": agreement.bill_delivery,
        "paymentMethod": payment_method(agreement),
        "commitmentTerm": agreement.commitment_months,
        "commitmentEndDate": agreement.commitment_end_date.isoformat() if agreement.commitment_end_date else None,
        "billingAddress": agreement.billing_address,
        "creditLimit": money_text(agreement.credit_limit, agreement.currency),
        "status": agreement.status,
        "statusReason": agreement.status_reason,
    }


def _credit_limit_errors(terms: NewAgreement | AgreementSettings, currency: str) -> list[FieldError]:
    if terms.credit_limit is not None and not fits_minor_unit(terms.credit_limit, currency):
        return [FieldError("creditLimit", f"{terms.credit_limit} has more decimals than {currency} allows")]
    return []


async def _check_payment_method(session: AsyncSession, method: str) -> None:
    """422 unless the payment method type is active reference data (not retired)."""
    allowed = await configuration.codes(session, "payment-method-type")
    if method not in allowed:
        raise InvalidInput(
            "unknown payment method type",
            [FieldError("paymentMethod.type", f"{method} is not an active payment method type: {sorted(allowed)}")],
        )


async def create_agreement(
    session: AsyncSession,
    principal: Principal,
    customer_id: uuid.UUID,
    terms: NewAgreement,
    *,
    today: date | None = None,
) -> Agreement:
    """Open another agreement for an existing customer; its commitment term (if any) starts today."""
    today = today or business_today()
    customer = (await session.execute(select(Customer.status).where(Customer.id == customer_id))).one_or_none()
    if customer is None:
        raise NotFound(f"no customer {customer_id}")
    if customer.status == "closed":
        raise Conflict(f"customer {customer_id} is closed", [FieldError("customerId", "is closed")])
    if terms.currency not in await configuration.currencies(session):
        raise InvalidInput(
            "unknown currency", [FieldError("currency", f"{terms.currency} is not a currency Accord accepts")]
        )
    await _check_payment_method(session, terms.payment_method.type)
    errors = _credit_limit_errors(terms, terms.currency)
    if errors:
        raise InvalidInput("the agreement cannot be opened", errors)
    agreement_id = await open_agreement(
        session, customer_id=customer_id, terms=terms, start=today, today=today, principal=principal
    )
    agreement = await session.get(Agreement, agreement_id)
    assert agreement is not None
    return agreement


async def list_agreements(
    session: AsyncSession, *, customer_id: uuid.UUID, status: str | None = None, limit: int = 50, offset: int = 0
) -> tuple[list[tuple[Agreement, list[Subscription]]], int]:
    """A customer's agreements, oldest first, each with its subscriptions; and how many there are."""
    if await session.scalar(select(Customer.id).where(Customer.id == customer_id)) is None:
        raise NotFound(f"no customer {customer_id}")
    where = [Agreement.customer_id == customer_id]
    if status is not None:
        where.append(Agreement.status == status)
    total = await session.scalar(select(func.count()).select_from(Agreement).where(*where)) or 0
    rows = list(
        await session.scalars(
            select(Agreement).where(*where).order_by(Agreement.created_at, Agreement.id).limit(limit).offset(offset)
        )
    )
    held: dict[uuid.UUID, list[Subscription]] = {a.id: [] for a in rows}
    if rows:
        for s in await session.scalars(
            select(Subscription)
            .where(Subscription.agreement_id.in_(list(held)))
            .order_by(Subscription.start_date, Subscription.id)
        ):
            held[s.agreement_id].append(s)
    return [(a, held[a.id]) for a in rows], total


def settle_bill_day(agreement: Agreement, today: date) -> None:
    """A pending bill-day change whose date has come becomes the bill day."""
    if (
        agreement.next_bill_day is not None
        and bill_day_on(today, agreement.bill_day, agreement.next_bill_day, agreement.next_bill_day_from)
        == agreement.next_bill_day
    ):
        agreement.bill_day = agreement.next_bill_day
        agreement.next_bill_day = None
        agreement.next_bill_day_from = None


def current_settings(agreement: Agreement) -> dict[str, Any]:
    """The agreement as a PATCH document sees it (camelCase JSON). Its bill day is the one it is
    heading to: a pending one, else the one in force."""
    document: dict[str, Any] = {
        "billCycle": {"frequency": agreement.bill_frequency, "billDay": agreement.next_bill_day or agreement.bill_day},
        "billDelivery": agreement.bill_delivery,
        "paymentMethod": payment_method(agreement),
        "commitmentTerm": agreement.commitment_months,
        "status": agreement.status,
    }
    if agreement.billing_address is not None:
        document["billingAddress"] = agreement.billing_address
    if agreement.credit_limit is not None:
        document["creditLimit"] = money_text(agreement.credit_limit, agreement.currency)
    return document


async def _live_subscriptions(session: AsyncSession, agreement_id: uuid.UUID) -> list[tuple[str, str, str]]:
    rows = await session.execute(
        select(Subscription.id, Subscription.offering_code, Subscription.status)
        .where(Subscription.agreement_id == agreement_id, Subscription.status != "terminated")
        .order_by(Subscription.start_date, Subscription.id)
    )
    return [(str(r.id), r.offering_code, r.status) for r in rows]


async def update_agreement(
    session: AsyncSession,
    principal: Principal,
    agreement_id: uuid.UUID,
    patch: Mapping[str, Any],
    *,
    today: date | None = None,
    if_match: IfMatch = ANY_VERSION,
    status_reason: str | None = None,
    reason_code: str | None = None,
) -> Agreement:
    """Apply a JSON Merge Patch to what can change of an agreement (see AgreementSettings).

    A new bill day takes effect from the next bill period: it is stored as pending with that date (the
    agreement keeps its bill day until then). A status change needs `status_reason` (a reason code of
    the action: suspend, resume, close); closing is refused (409) while subscriptions are not
    terminated, listing them."""
    today = today or business_today()
    if not isinstance(patch, Mapping):
        raise InvalidInput("a merge patch is a JSON object", [FieldError("body", "expected an object")])
    agreement = await lock(session, Agreement, agreement_id, what="agreement", if_match=if_match)
    settle_bill_day(agreement, today)
    before_document = agreement_document(agreement)
    current = current_settings(agreement)
    try:
        wanted = AgreementSettings.model_validate(merge_patch(current, dict(patch)))
    except ValidationError as exc:
        raise InvalidInput("the patch leaves the agreement invalid", field_errors(exc)) from exc
    errors = _credit_limit_errors(wanted, agreement.currency)
    if errors:
        raise InvalidInput("the patch leaves the agreement invalid", errors)

    reason = check_reason(
        "update",
        reason_code,
        field="reasonCode",
        required=False,
        codes=await configuration.reason_codes(session, "update"),
    )
    action = "updated"
    if wanted.status != agreement.status:
        action = status_action(agreement.status, wanted.status)
        reason = check_reason(
            action, status_reason, field="statusReason", codes=await configuration.reason_codes(session, action)
        )
        if wanted.status == "closed":
            blockers = close_blockers(await _live_subscriptions(session, agreement.id))
            if blockers:
                raise Conflict("the agreement has subscriptions that are not terminated", blockers)
        agreement.status = wanted.status
        agreement.status_reason = reason
        action = {"suspend": "suspended", "resume": "resumed", "close": "closed"}[action]
    elif status_reason is not None:
        raise InvalidInput(
            "statusReason goes with a status change", [FieldError("statusReason", "status is unchanged")]
        )

    new_day = wanted.bill_cycle.bill_day
    if new_day == agreement.bill_day:
        agreement.next_bill_day, agreement.next_bill_day_from = None, None
    elif new_day != agreement.next_bill_day:
        agreement.next_bill_day = new_day
        agreement.next_bill_day_from = bill_day_change_effective(today, agreement.bill_day)
    agreement.bill_delivery = wanted.bill_delivery
    if wanted.payment_method.type != agreement.payment_method_type:
        await _check_payment_method(session, wanted.payment_method.type)
    agreement.payment_method_type = wanted.payment_method.type
    agreement.payment_method_details = {"automatic": wanted.payment_method.automatic, **wanted.payment_method.details}
    agreement.billing_address = wanted.billing_address.model_dump(mode="json") if wanted.billing_address else None
    agreement.credit_limit = wanted.credit_limit
    if wanted.commitment_term != agreement.commitment_months:
        agreement.commitment_months = wanted.commitment_term
        agreement.commitment_end_date = add_months(today, wanted.commitment_term) if wanted.commitment_term else None

    changes = changed_fields(before_document, agreement_document(agreement))
    if changes or agreement in session.dirty:  # (a bill-day change whose date has come is folded in too)
        agreement.updated_by = principal.audit_name
        await session.flush()
        await session.refresh(agreement)  # the server-set updated_at, and the version the ETag shows
    if changes:
        await audit.record(
            session,
            principal,
            [
                audit.Change(
                    "agreement",
                    agreement.id,
                    action,
                    customer_id=agreement.customer_id,
                    changes=changes,
                    reason_code=reason,
                )
            ],
        )
    return agreement


async def close_with_customer(
    session: AsyncSession, principal: Principal, customer_id: uuid.UUID, reason: str | None
) -> None:
    """Closing a customer closes its agreements still open, with the customer's reason: nothing more
    is sold or moved onto them. The customer's own close has checked that nothing is live on them."""
    still_open = await session.scalars(
        select(Agreement)
        .where(Agreement.customer_id == customer_id, Agreement.status != "closed")
        .order_by(Agreement.id)
        .with_for_update()
    )
    changes = []
    for agreement in still_open:
        before = agreement_document(agreement)
        agreement.status, agreement.status_reason = "closed", reason
        agreement.updated_by = principal.audit_name
        changes.append(
            audit.Change(
                "agreement",
                agreement.id,
                "closed",
                customer_id=customer_id,
                changes=changed_fields(before, agreement_document(agreement)),
                reason_code=reason,
            )
        )
    if changes:
        await session.flush()
        await audit.record(session, principal, changes)


async def agreement_history(
    session: AsyncSession, agreement_id: uuid.UUID, *, limit: int, after_id: int | None = None
) -> tuple[list[Any], int]:
    """Every change to the agreement, and to subscriptions while they were on it (a subscription moved
    away shows up to its move, one moved in from its move on), oldest first, paged by event id, and
    how many there are."""
    if await session.scalar(select(Agreement.id).where(Agreement.id == agreement_id)) is None:
        raise NotFound(f"no agreement {agreement_id}")
    moved_away = AuditEvent.changes["agreementId"]["from"].astext == str(agreement_id)
    return await audit.trail(
        session, or_(AuditEvent.agreement_id == agreement_id, moved_away), limit=limit, after_id=after_id
    )
