"""Catalogue change sets: drafts of catalogue changes that the CatalogueChange workflow validates,
has approved by a second person, and publishes as a new catalogue version at their effective time.

Items are edited on the draft in the database (never on the live catalogue). Every later step is a
workflow update (submit, approve, reject, cancel) whose activity calls one of the step functions
below, each one transaction on the locked change-set row: the row is the source of truth for reads,
and each step checks it again, so a retried or late step is harmless."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from pydantic import ValidationError
from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from temporalio.client import Client, WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError

from accord.clock import business_today
from accord.config import get_settings
from accord.errors import AccordError, Conflict, FieldError, InvalidInput, NotFound, field_errors
from accord.models import Agreement, Subscription
from accord.models.catalogue import CatalogueChangeItem, CatalogueChangeSet, SubscriptionPriceChange
from accord.principal import Principal
from accord.rules import catalogue as rules
from accord.rules import pricing
from accord.rules.bill_cycle import bill_day_on
from accord.rules.changes import changed_fields
from accord.rules.merge_patch import merge_patch
from accord.rules.preconditions import ANY_VERSION, IfMatch
from accord.schemas.catalogue import (
    CatalogueDocument,
    ChangeSetAct,
    ChangeSetCreate,
    ChangeSetExport,
    ChangeSetStart,
    ChangeSetView,
    Finding,
    ImportPreview,
    ImportRequest,
    ItemCreate,
    ItemView,
    PublishOutcome,
    SubmitOutcome,
)
from accord.services import audit, catalogue
from accord.services.locking import lock

CATALOGUE_CHANGE_WORKFLOW = "CatalogueChange"
EDITABLE = ("draft",)
CANCELLABLE = ("draft", "awaitingApproval", "scheduled")


def workflow_id(change_set_id: uuid.UUID) -> str:
    return f"catalogue-change-{change_set_id}"


def document(cs: CatalogueChangeSet) -> dict[str, Any]:
    """A change set's own fields, as the audit trail records them."""
    return {
        "title": cs.title,
        "description": cs.description,
        "status": cs.status,
        "effectiveAt": cs.effective_at.isoformat() if cs.effective_at else None,
        "applyToExistingFrom": cs.apply_to_existing_from.isoformat() if cs.apply_to_existing_from else None,
    }


async def _record(session: Any, principal: Principal, cs: CatalogueChangeSet, action: str, **changes: Any) -> None:
    await audit.record(session, principal, [audit.Change("catalogueChangeSet", cs.id, action, changes=changes)])


# --- Drafts.


async def create_change_set(
    session: AsyncSession, client: Client, request: ChangeSetCreate, *, principal: Principal, task_queue: str
) -> CatalogueChangeSet:
    """A new draft, and its workflow (started in the same request: if it cannot start, nothing is kept)."""
    cs = CatalogueChangeSet(
        id=uuid.uuid4(),
        title=request.title,
        description=request.description,
        status="draft",
        author=principal.subject,
        effective_at=request.effective_at,
        apply_to_existing_from=request.apply_to_existing_from,
        findings=[],
        created_by=principal.audit_name,
        updated_by=principal.audit_name,
    )
    cs.workflow_id = workflow_id(cs.id)
    session.add(cs)
    await session.flush()
    await _record(session, principal, cs, "created", **document(cs))
    await client.start_workflow(
        CATALOGUE_CHANGE_WORKFLOW,
        ChangeSetStart(change_set_id=cs.id, author=cs.author),
        id=cs.workflow_id,
        task_queue=task_queue,
    )
    return cs


async def get_change_set(session: AsyncSession, change_set_id: uuid.UUID) -> CatalogueChangeSet:
    cs = await session.get(CatalogueChangeSet, change_set_id, populate_existing=True)
    if cs is None:
        raise NotFound(f"no catalogue change set {change_set_id}")
    return cs


async def list_change_sets(
    session: AsyncSession, *, status: str | None, author: str | None, limit: int, offset: int
) -> tuple[list[CatalogueChangeSet], int]:
    where: list[Any] = []
    if status is not None:
        where.append(CatalogueChangeSet.status == status)
    if author is not None:
        where.append(CatalogueChangeSet.author == author)
    total = await session.scalar(select(func.count()).select_from(CatalogueChangeSet).where(*where)) or 0
    rows = await session.scalars(
        select(CatalogueChangeSet)
        .where(*where)
        .order_by(CatalogueChangeSet.created_at.desc(), CatalogueChangeSet.id)
        .limit(limit)
        .offset(offset)
    )
    return list(rows), total


async def items_of(session: Any, change_set_id: uuid.UUID) -> list[CatalogueChangeItem]:
    rows = await session.execute(
        select(CatalogueChangeItem)
        .where(CatalogueChangeItem.change_set_id == change_set_id)
        .order_by(CatalogueChangeItem.position)
    )
    return list(rows.scalars())


def _stored_item(change_set_id: uuid.UUID, position: int, item: ItemCreate) -> CatalogueChangeItem:
    """The row of an item asked for (item_request is the way back)."""
    return CatalogueChangeItem(
        id=uuid.uuid4(),
        change_set_id=change_set_id,
        position=position,
        entity_type=item.entity_type,
        action=item.action,
        code=item.code,
        data=item.data,
    )


def item_request(item: CatalogueChangeItem) -> ItemCreate:
    """A stored item as the change it asks for."""
    return ItemCreate(entity_type=item.entity_type, action=item.action, code=item.code, data=item.data)


def item_view(item: CatalogueChangeItem) -> ItemView:
    return ItemView(
        id=item.id,
        position=item.position,
        entity_type=item.entity_type,
        action=item.action,
        code=item.code,
        data=item.data,
    )


async def change_set_view(session: AsyncSession, cs: CatalogueChangeSet) -> ChangeSetView:
    return ChangeSetView(
        id=cs.id,
        title=cs.title,
        description=cs.description,
        status=cs.status,
        author=cs.author,
        effective_at=cs.effective_at,
        apply_to_existing_from=cs.apply_to_existing_from,
        approved_by=cs.approved_by,
        decided_at=cs.decided_at,
        decision_reason=cs.decision_reason,
        findings=[Finding.model_validate(f) for f in cs.findings],
        published_version=cs.published_version,
        workflow_id=cs.workflow_id,
        items=[item_view(i) for i in await items_of(session, cs.id)],
        created_at=cs.created_at,
        updated_at=cs.updated_at,
    )


async def _lock_draft(
    session: AsyncSession, change_set_id: uuid.UUID, if_match: IfMatch = ANY_VERSION
) -> CatalogueChangeSet:
    cs = await lock(session, CatalogueChangeSet, change_set_id, what="catalogue change set", if_match=if_match)
    if cs.status not in EDITABLE:
        raise Conflict(
            f"the change set is {cs.status}: only a draft can be edited", [FieldError("status", f"is {cs.status}")]
        )
    return cs


def _touch(cs: CatalogueChangeSet, principal: Principal) -> None:
    cs.updated_by = principal.audit_name
    cs.findings = []  # whatever was found no longer describes the draft


async def patch_change_set(
    session: AsyncSession,
    change_set_id: uuid.UUID,
    patch: dict[str, Any],
    *,
    principal: Principal,
    if_match: IfMatch = ANY_VERSION,
) -> CatalogueChangeSet:
    from accord.schemas.catalogue import ChangeSetPatch

    cs = await _lock_draft(session, change_set_id, if_match)
    before = document(cs)
    current = {
        "title": cs.title,
        "description": cs.description,
        **{k: v for k, v in before.items() if k in ("effectiveAt", "applyToExistingFrom")},
    }
    merged = merge_patch(current, patch)
    try:
        new = ChangeSetPatch.model_validate(merged)
    except ValidationError as exc:
        raise InvalidInput(
            "the change set cannot be changed so",
            field_errors(exc),
        ) from exc
    cs.title = new.title or cs.title
    cs.description = new.description or ""
    cs.effective_at = new.effective_at
    cs.apply_to_existing_from = new.apply_to_existing_from
    changes = changed_fields(before, document(cs))
    if changes:
        _touch(cs, principal)
        await session.flush()
        await _record(session, principal, cs, "updated", **changes)
    return cs


def _check_item(live: rules.Catalogue, item: ItemCreate, field: str = "data") -> None:
    """An item must apply to the live catalogue as it is now (it is checked again on submit and on
    publish, against the catalogue of then)."""
    _, findings = rules.apply_items(live, [item])
    if findings:
        raise InvalidInput(
            f"the item cannot {item.action} {item.entity_type} {item.code}",
            [FieldError(f.field.replace("items[0].data", field).replace("items[0].", ""), f.detail) for f in findings],
        )


async def add_item(
    session: AsyncSession,
    change_set_id: uuid.UUID,
    item: ItemCreate,
    *,
    principal: Principal,
    if_match: IfMatch = ANY_VERSION,
) -> tuple[CatalogueChangeSet, CatalogueChangeItem]:
    cs = await _lock_draft(session, change_set_id, if_match)
    _, live = await catalogue.catalogue_as_of(session)
    _check_item(live, item)
    existing = await session.scalar(
        select(CatalogueChangeItem).where(
            CatalogueChangeItem.change_set_id == cs.id,
            CatalogueChangeItem.entity_type == item.entity_type,
            CatalogueChangeItem.code == item.code,
        )
    )
    if existing is not None:
        raise Conflict(
            f"the change set already changes {item.entity_type} {item.code}: change that item instead",
            [FieldError("code", f"item {existing.id}")],
        )
    position = (
        await session.scalar(
            select(func.coalesce(func.max(CatalogueChangeItem.position), 0)).where(
                CatalogueChangeItem.change_set_id == cs.id
            )
        )
        or 0
    ) + 1
    row = _stored_item(cs.id, position, item)
    session.add(row)
    _touch(cs, principal)
    await session.flush()
    await _record(session, principal, cs, "item-added", item=item.model_dump(mode="json", by_alias=True))
    return cs, row


async def _item(session: AsyncSession, cs: CatalogueChangeSet, item_id: uuid.UUID) -> CatalogueChangeItem:
    row = await session.get(CatalogueChangeItem, item_id)
    if row is None or row.change_set_id != cs.id:
        raise NotFound(f"no item {item_id} in change set {cs.id}")
    return row


async def patch_item(
    session: AsyncSession,
    change_set_id: uuid.UUID,
    item_id: uuid.UUID,
    patch: dict[str, Any],
    *,
    principal: Principal,
    if_match: IfMatch = ANY_VERSION,
) -> tuple[CatalogueChangeSet, CatalogueChangeItem]:
    """Merge-patch an item: `{"data": {...}}` merges into its data; `action` may change too."""
    cs = await _lock_draft(session, change_set_id, if_match)
    row = await _item(session, cs, item_id)
    before = item_view(row).model_dump(mode="json", by_alias=True, include={"action", "data"})
    unknown = set(patch) - {"action", "data"}
    if unknown:
        raise InvalidInput("only action and data of an item change", [FieldError(n, "cannot change") for n in unknown])
    merged = merge_patch(before, patch)
    try:
        item = ItemCreate.model_validate({**merged, "entityType": row.entity_type, "code": row.code})
    except ValidationError as exc:
        raise InvalidInput(
            "the item cannot be changed so",
            field_errors(exc),
        ) from exc
    _, live = await catalogue.catalogue_as_of(session)
    _check_item(live, item)
    row.action, row.data = item.action, item.data
    _touch(cs, principal)
    await session.flush()
    await _record(session, principal, cs, "item-changed", itemId=str(row.id), **changed_fields(before, merged))
    return cs, row


async def delete_item(
    session: AsyncSession,
    change_set_id: uuid.UUID,
    item_id: uuid.UUID,
    *,
    principal: Principal,
    if_match: IfMatch = ANY_VERSION,
) -> CatalogueChangeSet:
    cs = await _lock_draft(session, change_set_id, if_match)
    row = await _item(session, cs, item_id)
    await session.delete(row)
    _touch(cs, principal)
    await session.flush()
    await _record(session, principal, cs, "item-removed", itemId=str(item_id), code=row.code)
    return cs


# --- Steps driven by the workflow (through its updates).


def _act(cs: CatalogueChangeSet, principal: Principal, reason: str | None = None) -> ChangeSetAct:
    return ChangeSetAct(change_set_id=cs.id, principal=principal, reason=reason)


async def run_update(client: Client, cs: CatalogueChangeSet, update_name: str, act: ChangeSetAct) -> Any:
    """Send the workflow an update; a refusal (its validator's or its activity's) becomes the domain
    error it names."""
    handle = client.get_workflow_handle(cs.workflow_id)
    try:
        return await handle.execute_update(update_name, act)
    except WorkflowUpdateFailedError as exc:
        raise _domain_error(exc.cause) from exc


def _domain_error(cause: BaseException | None) -> AccordError:
    while cause is not None and not isinstance(cause, ApplicationError):
        cause = cause.__cause__
    if cause is None:
        return Conflict("the change set's workflow refused the step")
    details = list(cause.details) if cause.details else []
    errors = [FieldError(f["field"], f["detail"]) for f in (details[0] if details else [])]
    kinds: dict[str, type[AccordError]] = {"Conflict": Conflict, "InvalidInput": InvalidInput, "NotFound": NotFound}
    return kinds.get(cause.type or "", Conflict)(cause.message, errors)


def check_step(cs: CatalogueChangeSet, step: str, principal: Principal) -> None:
    """Whether `principal` may take `step` on the change set as it stands (raises when not)."""
    allowed = {"submit": ("draft",), "approve": ("awaitingApproval",), "reject": ("awaitingApproval",)}
    states = allowed.get(step, CANCELLABLE)
    if cs.status not in states:
        raise Conflict(f"the change set is {cs.status}: it cannot {step}", [FieldError("status", f"is {cs.status}")])
    if step == "approve":
        errors = rules.approval_errors(cs.author, principal.subject)
        if errors:
            raise Conflict("the author of a change set may not approve it", errors)


async def submit(
    session: AsyncSession, client: Client, change_set_id: uuid.UUID, *, principal: Principal
) -> SubmitOutcome:
    cs = await get_change_set(session, change_set_id)
    check_step(cs, "submit", principal)
    outcome: SubmitOutcome = await run_update(client, cs, "submit", _act(cs, principal))
    return SubmitOutcome.model_validate(outcome)


async def decide(
    session: AsyncSession,
    client: Client,
    change_set_id: uuid.UUID,
    step: str,
    *,
    principal: Principal,
    reason: str | None = None,
) -> str:
    """approve, reject or cancel, through the workflow. Returns the new status."""
    cs = await get_change_set(session, change_set_id)
    check_step(cs, step, principal)
    return str(await run_update(client, cs, step, _act(cs, principal, reason)))


async def _candidate(session: Any, cs: CatalogueChangeSet) -> tuple[rules.Catalogue, rules.Catalogue, list[FieldError]]:
    """The live catalogue, the catalogue the change set would make of it, and what is wrong with it."""
    _, live = await catalogue.catalogue_as_of(session)
    items = [item_request(i) for i in await items_of(session, cs.id)]
    after, findings = rules.apply_items(live, items)
    if not items:
        findings.append(FieldError("items", "the change set changes nothing"))
    return live, after, findings + rules.validate(after)


async def validate_step(session: AsyncSession, act: ChangeSetAct) -> SubmitOutcome:
    """Validate the draft against the live catalogue: with no findings it awaits approval, else it
    stays a draft with its findings."""
    cs = await lock(session, CatalogueChangeSet, act.change_set_id, what="catalogue change set")
    if cs.status != "draft":
        return SubmitOutcome(status=cs.status, findings=[Finding.model_validate(f) for f in cs.findings])
    _, _, findings = await _candidate(session, cs)
    cs.findings = [{"field": f.field, "detail": f.detail} for f in findings]
    cs.status = "draft" if findings else "awaitingApproval"
    cs.updated_by = act.principal.audit_name
    await session.flush()
    await _record(
        session, act.principal, cs, "submitted" if not findings else "validation-failed", findings=cs.findings
    )
    return SubmitOutcome(status=cs.status, findings=[Finding.model_validate(f) for f in cs.findings])


async def decision_step(session: AsyncSession, act: ChangeSetAct, step: str) -> tuple[str, datetime | None]:
    """Record an approval (→ scheduled), a rejection or a cancellation. Returns the new status and,
    once approved, when to publish."""
    cs = await lock(session, CatalogueChangeSet, act.change_set_id, what="catalogue change set")
    check_step(cs, step, act.principal)
    now = datetime.now(UTC)
    cs.status = {"approve": "scheduled", "reject": "rejected", "cancel": "cancelled"}[step]
    cs.decided_at = now
    cs.decision_reason = act.reason
    if step == "approve":
        cs.approved_by = act.principal.subject
        cs.effective_at = cs.effective_at or now
    cs.updated_by = act.principal.audit_name
    await session.flush()
    action = {"approve": "approved", "reject": "rejected", "cancel": "cancelled"}[step]
    await _record(session, act.principal, cs, action, status=cs.status, reason=act.reason)
    return cs.status, cs.effective_at


async def publish_step(session: AsyncSession, act: ChangeSetAct, *, now: datetime | None = None) -> PublishOutcome:
    """Publish a scheduled change set as the next catalogue version, in one transaction, and schedule
    its new prices for existing subscribers (when it says from when). A change set that no longer
    applies to the catalogue of now (another one changed the same things first) fails with findings."""
    now = now or datetime.now(UTC)
    cs = await lock(session, CatalogueChangeSet, act.change_set_id, what="catalogue change set")
    if cs.status != "scheduled":
        return PublishOutcome(status=cs.status, version=cs.published_version)
    live, after, findings = await _candidate(session, cs)
    if findings:
        cs.status = "failed"
        cs.findings = [{"field": f.field, "detail": f.detail} for f in findings]
        await session.flush()
        await _record(session, act.principal, cs, "publish-failed", findings=cs.findings)
        return PublishOutcome(status=cs.status)
    published = await catalogue.publish(
        session,
        after=after,
        principal=act.principal,
        effective_at=max(cs.effective_at or now, now),
        change_set_id=cs.id,
        now=now,
    )
    cs.status = "published"
    cs.published_version = published.number
    cs.updated_by = act.principal.audit_name
    await session.flush()
    await _record(session, act.principal, cs, "published", version=published.number, summary=published.summary)
    days: list[date] = []
    if cs.apply_to_existing_from is not None:
        days = await _schedule_price_changes(session, cs, live, after)
    timezone = get_settings().timezone
    return PublishOutcome(
        status=cs.status,
        version=published.number,
        price_change_days=days,
        due_at=[rules.start_of_day(d, timezone) for d in days],
    )


async def _schedule_price_changes(
    session: AsyncSession, cs: CatalogueChangeSet, before: rules.Catalogue, after: rules.Catalogue
) -> list[date]:
    """Each existing subscription of an offering whose monthly price the change set changes gets the
    new price from the start of its first bill period on or after applyToExistingFrom (never before
    today). Returns the distinct dates, in order."""
    assert cs.apply_to_existing_from is not None
    today = business_today()
    start = max(cs.apply_to_existing_from, today)
    changed = [
        code
        for code in after.offerings
        if pricing.monthly_prices(before.prices_of(code), start) != pricing.monthly_prices(after.prices_of(code), start)
    ]
    if not changed:
        return []
    rows = await session.execute(
        select(
            Subscription.id,
            Subscription.offering_code,
            Subscription.currency,
            Subscription.list_price,
            Agreement.bill_day,
            Agreement.next_bill_day,
            Agreement.next_bill_day_from,
        )
        .join(Agreement, Agreement.id == Subscription.agreement_id)
        .where(Subscription.offering_code.in_(changed), Subscription.status != "terminated")
    )
    values = []
    for r in rows:
        bill_day = bill_day_on(start, r.bill_day, r.next_bill_day, r.next_bill_day_from)
        effective = pricing.existing_subscriber_from(start, bill_day)
        new_price = pricing.monthly_prices(after.prices_of(r.offering_code), effective).get(r.currency)
        if new_price is None or Decimal(new_price) == Decimal(r.list_price):
            continue
        values.append(
            dict(
                id=uuid.uuid4(),
                subscription_id=r.id,
                change_set_id=cs.id,
                offering_code=r.offering_code,
                currency=r.currency,
                old_list_price=r.list_price,
                new_list_price=new_price,
                effective_date=effective,
                status="scheduled",
            )
        )
    if values:
        await session.execute(
            insert(SubscriptionPriceChange)
            .values(values)
            .on_conflict_do_nothing(constraint="uq_subscription_price_changes_subscription")
        )
    return sorted({v["effective_date"] for v in values})


async def apply_price_changes_step(session: AsyncSession, act: ChangeSetAct, through: date) -> int:
    """Apply the change set's scheduled price changes due on or before `through`: each subscription
    gets its new list price (audited). Returns how many were applied; a second run applies nothing."""
    due = (
        await session.execute(
            select(SubscriptionPriceChange, Subscription, Agreement.customer_id)
            .join(Subscription, Subscription.id == SubscriptionPriceChange.subscription_id)
            .join(Agreement, Agreement.id == Subscription.agreement_id)
            .where(
                SubscriptionPriceChange.change_set_id == act.change_set_id,
                SubscriptionPriceChange.status == "scheduled",
                SubscriptionPriceChange.effective_date <= through,
            )
            .with_for_update(of=[SubscriptionPriceChange, Subscription])
        )
    ).all()
    changes = []
    for change, subscription, customer_id in due:
        if subscription.status == "terminated" or subscription.offering_code != change.offering_code:
            change.status = "skipped"
            continue
        before = Decimal(subscription.list_price)
        subscription.list_price = change.new_list_price
        subscription.updated_by = act.principal.audit_name
        change.status = "applied"
        change.applied_at = datetime.now(UTC)
        changes.append(
            audit.Change(
                "subscription",
                subscription.id,
                "price-changed",
                customer_id=customer_id,
                changes={
                    "listPrice": {
                        "from": format(before.normalize(), "f"),
                        "to": format(Decimal(change.new_list_price).normalize(), "f"),
                    },
                    "effectiveDate": change.effective_date.isoformat(),
                    "changeSetId": str(act.change_set_id),
                },
            )
        )
    await session.flush()
    await audit.record(session, act.principal, changes)
    return len(changes)


async def price_changes_of(session: AsyncSession, change_set_id: uuid.UUID) -> list[SubscriptionPriceChange]:
    rows = await session.scalars(
        select(SubscriptionPriceChange)
        .where(SubscriptionPriceChange.change_set_id == change_set_id)
        .order_by(SubscriptionPriceChange.effective_date, SubscriptionPriceChange.subscription_id)
    )
    return list(rows)


# --- Export and import.


async def export_document(
    session: AsyncSession, *, as_of: datetime | None, change_set_id: uuid.UUID | None
) -> tuple[CatalogueDocument, str]:
    """The catalogue as of a time, or one change set, as a file (and its name)."""
    if change_set_id is not None:
        cs = await get_change_set(session, change_set_id)
        items = [item_request(i) for i in await items_of(session, cs.id)]
        export = ChangeSetExport(
            title=cs.title,
            description=cs.description,
            effective_at=cs.effective_at,
            apply_to_existing_from=cs.apply_to_existing_from,
            items=items,
        )
        return CatalogueDocument(change_set=export), f"catalogue-change-set-{cs.id}.json"
    number, cat = await catalogue.catalogue_as_of(session, as_of)
    version = await catalogue.get_version(session, number)
    doc = cat.document()
    doc.version, doc.effective_at = number, version.effective_at
    return doc, f"catalogue-v{number}.json"


def _import_items(live: rules.Catalogue, document: CatalogueDocument) -> list[ItemCreate]:
    if document.change_set is not None:
        return list(document.change_set.items)
    return rules.items_between(live, rules.Catalogue.from_document(document))


async def preview_import(session: AsyncSession, document: CatalogueDocument) -> ImportPreview:
    number, live = await catalogue.catalogue_as_of(session)
    items = _import_items(live, document)
    after, findings = rules.apply_items(live, items)
    findings += rules.validate(after)
    lines = rules.diff(live, after)
    return ImportPreview(
        base_version=number,
        summary=rules.summary(lines),
        lines=lines,
        findings=[Finding(field=f.field, detail=f.detail) for f in findings],
    )


async def import_document(
    session: AsyncSession, client: Client, request: ImportRequest, *, principal: Principal, task_queue: str
) -> CatalogueChangeSet:
    """The file's differences from the live catalogue as a new draft change set."""
    _, live = await catalogue.catalogue_as_of(session)
    items = _import_items(live, request.document)
    if not items:
        raise InvalidInput("the file changes nothing in this catalogue", [FieldError("document", "no differences")])
    source = request.document.change_set
    title = request.title or (source.title if source else f"Import of catalogue version {request.document.version}")
    cs = await create_change_set(
        session,
        client,
        ChangeSetCreate(
            title=title,
            description=source.description if source else "",
            effective_at=request.effective_at or (source.effective_at if source else None),
            apply_to_existing_from=request.apply_to_existing_from
            or (source.apply_to_existing_from if source else None),
        ),
        principal=principal,
        task_queue=task_queue,
    )
    for position, item in enumerate(items, start=1):
        session.add(_stored_item(cs.id, position, item))
    await session.flush()
    await _record(session, principal, cs, "imported", items=len(items))
    return cs
