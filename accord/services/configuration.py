"""Business configuration: reference data (currencies, payment method types, reason codes, tax rates,
segments, channels, bill cycles, payment terms, the operator's settings), edited over REST and read
by the other areas.

Reads for the other areas (`reason_codes`, `currencies`, ...) go through a per-process cache of each
kind's active items: loaded with one indexed query, kept for CACHE_SECONDS, and dropped as soon as a
transaction that changed reference data commits in this process. Other processes see a change within
CACHE_SECONDS. The writes below never read the cache: they see their own transaction."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import date
from importlib import resources
from typing import Any

from pydantic import ValidationError
from sqlalchemy import Select, event, func, select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from accord.clock import business_today
from accord.errors import Conflict, FieldError, InvalidInput, NotFound, field_errors
from accord.models import Agreement, Customer, Offering, ReferenceItem
from accord.principal import Principal
from accord.rules import money
from accord.rules.changes import changed_fields
from accord.rules.configuration import (
    KINDS,
    Kind,
    Period,
    allowed_reasons,
    check_attributes,
    check_setting,
    check_validity,
    overlap_errors,
)
from accord.rules.merge_patch import merge_patch
from accord.rules.preconditions import ANY_VERSION, IfMatch
from accord.schemas.configuration import NewReferenceItem
from accord.services.audit import Change, record

CACHE_SECONDS = 5.0
EDITABLE = ("code", "name", "description", "status", "validFrom", "validTo", "attributes")
READ_ONLY = ("id", "href", "kind", "createdAt", "updatedAt", "createdBy", "updatedBy", "version")


def kind_named(name: str) -> Kind:
    return KINDS[name]


# --- reads for the other areas (cached) --------------------------------------------------------------


@dataclass(frozen=True)
class Active:
    code: str
    attributes: Mapping[str, Any]


_cache: dict[str, tuple[float, tuple[Active, ...]]] = {}
CHANGED = "accord.configuration.changed"


@event.listens_for(Session, "after_commit")
def _drop_cache(session: Session) -> None:
    if session.info.pop(CHANGED, False):
        _cache.clear()


@event.listens_for(Session, "after_rollback")
def _forget_change(session: Session) -> None:
    session.info.pop(CHANGED, None)


def clear_cache() -> None:
    _cache.clear()


async def active(session: AsyncSession, kind: str) -> tuple[Active, ...]:
    """The kind's active items, by code. Cached per process (see the module's docstring); a transaction
    that has changed reference data itself reads the database."""
    now = time.monotonic()
    hit = _cache.get(kind)
    changed_here = session.info.get(CHANGED, False)
    if hit is not None and now - hit[0] < CACHE_SECONDS and not changed_here:
        return hit[1]
    rows = await session.execute(
        select(ReferenceItem.code, ReferenceItem.attributes)
        .where(ReferenceItem.kind == kind, ReferenceItem.status == "active")
        .order_by(ReferenceItem.code)
    )
    items = tuple(Active(code, attributes) for code, attributes in rows)
    if kind == "currency":
        # Rounding (rules/money) knows a currency added here as soon as any service has read it.
        money.MINOR_UNITS.update({i.code: int(i.attributes["minorUnits"]) for i in items})
    if not changed_here:
        _cache[kind] = (now, items)
    return items


async def reason_codes(session: AsyncSession, action: str) -> frozenset[str]:
    """The active reason codes for `action` (suspend, terminate, ...)."""
    items = await active(session, "reason-code")
    return allowed_reasons((i.code, i.attributes.get("actions", ())) for i in items).get(action, frozenset())


async def currencies(session: AsyncSession) -> dict[str, int]:
    """The active currencies and their minor units."""
    return {i.code: int(i.attributes["minorUnits"]) for i in await active(session, "currency")}


async def codes(session: AsyncSession, kind: str) -> frozenset[str]:
    return frozenset(i.code for i in await active(session, kind))


async def setting(session: AsyncSession, code: str, default: Any = None) -> Any:
    for item in await active(session, "setting"):
        if item.code == code:
            return item.attributes.get("value", default)
    return default


# --- what uses an item (a change that would break it is refused) -------------------------------------

UsageCheck = Callable[[AsyncSession, ReferenceItem], Awaitable[list[str]]]


async def _count(session: AsyncSession, statement: Select[Any]) -> int:
    return int((await session.execute(statement)).scalar_one())


def _plural(n: int, what: str) -> str:
    return f"{n} {what}{'' if n == 1 else 's'}"


async def _currency_usage(session: AsyncSession, item: ReferenceItem) -> list[str]:
    reasons = []
    agreements = await _count(session, select(func.count()).where(Agreement.currency == item.code))
    if agreements:
        reasons.append(f"{_plural(agreements, 'agreement')} {'is' if agreements == 1 else 'are'} in {item.code}")
    offerings = await _count(session, select(func.count()).where(Offering.currency == item.code))
    if offerings:
        reasons.append(f"{_plural(offerings, 'offering')} {'is' if offerings == 1 else 'are'} priced in {item.code}")
    if await _setting_value(session, "defaultCurrency") == item.code:
        reasons.append(f"{item.code} is the default currency (setting defaultCurrency)")
    return reasons


async def _payment_method_usage(session: AsyncSession, item: ReferenceItem) -> list[str]:
    n = await _count(session, select(func.count()).where(Agreement.payment_method_type == item.code))
    return [f"{_plural(n, 'agreement')} {'pays' if n == 1 else 'pay'} by {item.code}"] if n else []


async def _segment_usage(session: AsyncSession, item: ReferenceItem) -> list[str]:
    n = await _count(session, select(func.count()).where(Customer.segment == item.code))
    return [f"{_plural(n, 'customer')} {'is' if n == 1 else 'are'} in segment {item.code}"] if n else []


async def _bill_cycle_usage(session: AsyncSession, item: ReferenceItem) -> list[str]:
    if item.attributes.get("frequency") != "monthly":
        return []
    n = await _count(session, select(func.count()).where(Agreement.status != "closed"))
    return [f"{_plural(n, 'open agreement')} {'is' if n == 1 else 'are'} billed monthly"] if n else []


# Catalogue and later areas add their own checks here (e.g. the sales channels offerings are sold in).
USAGE: dict[str, list[UsageCheck]] = {
    "currency": [_currency_usage],
    "payment-method-type": [_payment_method_usage],
    "customer-segment": [_segment_usage],
    "bill-cycle": [_bill_cycle_usage],
}


async def usage(session: AsyncSession, item: ReferenceItem) -> list[str]:
    reasons: list[str] = []
    for check in USAGE.get(item.kind, []):
        reasons.extend(await check(session, item))
    return reasons


async def _setting_value(session: AsyncSession, code: str) -> Any:
    attributes = await session.scalar(
        select(ReferenceItem.attributes).where(ReferenceItem.kind == "setting", ReferenceItem.code == code)
    )
    return None if attributes is None else attributes.get("value")


# --- the REST operations ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Filters:
    status: str | None = None
    code: str | None = None  # prefix
    region: str | None = None  # tax rates
    action: str | None = None  # reason codes
    valid_on: date | None = None  # dated kinds: in force on that day


async def list_items(
    session: AsyncSession, kind: Kind, filters: Filters, *, limit: int, offset: int
) -> tuple[list[ReferenceItem], int]:
    """The kind's items in code order (code is unique within a kind), with the total."""
    where = [ReferenceItem.kind == kind.name]
    if filters.status is not None:
        where.append(ReferenceItem.status == filters.status)
    if filters.code is not None:
        where.append(ReferenceItem.code.startswith(filters.code, autoescape=True))
    if filters.region is not None:
        where.append(ReferenceItem.attributes["region"].astext == filters.region)
    if filters.action is not None:
        where.append(ReferenceItem.attributes["actions"].contains([filters.action]))
    if filters.valid_on is not None:
        day = filters.valid_on
        where.append((ReferenceItem.valid_from.is_(None)) | (ReferenceItem.valid_from <= day))
        where.append((ReferenceItem.valid_to.is_(None)) | (ReferenceItem.valid_to >= day))
    total = await _count(session, select(func.count()).select_from(ReferenceItem).where(*where))
    rows = await session.scalars(
        select(ReferenceItem).where(*where).order_by(ReferenceItem.code, ReferenceItem.id).limit(limit).offset(offset)
    )
    return list(rows), total


async def get_item(session: AsyncSession, kind: Kind, code: str, *, for_update: bool = False) -> ReferenceItem:
    statement = select(ReferenceItem).where(ReferenceItem.kind == kind.name, ReferenceItem.code == code)
    if for_update:
        statement = statement.with_for_update().execution_options(populate_existing=True)
    item = await session.scalar(statement)
    if item is None:
        raise NotFound(f"no {kind.name} {code}")
    return item


def snapshot(item: ReferenceItem) -> dict[str, Any]:
    """The item's editable fields, as the API shows them (what merge patches apply to and the audit records)."""
    return {
        "code": item.code,
        "name": item.name,
        "description": item.description,
        "status": item.status,
        "validFrom": item.valid_from.isoformat() if item.valid_from else None,
        "validTo": item.valid_to.isoformat() if item.valid_to else None,
        "attributes": item.attributes,
    }


async def _checked(
    session: AsyncSession, kind: Kind, data: NewReferenceItem, before: ReferenceItem | None
) -> dict[str, Any]:
    """The item's attributes as stored, once every rule of its kind holds; 422 / 409 otherwise."""
    attributes, errors = check_attributes(kind, data.attributes)
    errors += check_validity(kind, data.valid_from, data.valid_to)
    if kind.name == "setting" and not errors:
        active_currencies = await session.scalars(
            select(ReferenceItem.code).where(ReferenceItem.kind == "currency", ReferenceItem.status == "active")
        )
        errors += check_setting(data.code, attributes.get("value"), currencies=list(active_currencies))
    if kind.name == "setting" and data.status != "active":
        errors.append(FieldError("status", "a setting is always active: change its value instead"))
    if kind.dated and not errors and data.status == "active":
        errors += await _overlaps(session, kind, data, attributes)
    if errors:
        raise InvalidInput(f"the {kind.name} is not valid", errors)
    if before is not None:
        await _refuse_breaking(session, kind, before, data, attributes)
    return attributes


async def _overlaps(
    session: AsyncSession, kind: Kind, data: NewReferenceItem, attributes: Mapping[str, Any]
) -> list[FieldError]:
    """Tax rates: one rate per region and category on any day (writers of a kind take turns)."""
    await session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:key))"), {"key": f"reference_items:{kind.name}"})
    region, category = attributes.get("region"), attributes.get("category")
    rows = await session.execute(
        select(ReferenceItem.code, ReferenceItem.valid_from, ReferenceItem.valid_to).where(
            ReferenceItem.kind == kind.name,
            ReferenceItem.status == "active",
            ReferenceItem.attributes["region"].astext == region,
            ReferenceItem.attributes["category"].astext == category,
        )
    )
    assert data.valid_from is not None
    others = [Period(code, start, end) for code, start, end in rows if start is not None]
    return overlap_errors(Period(data.code, data.valid_from, data.valid_to), others, scope=f"{region} {category}")


async def _refuse_breaking(
    session: AsyncSession, kind: Kind, before: ReferenceItem, data: NewReferenceItem, attributes: Mapping[str, Any]
) -> None:
    """409 for a change that existing data depends on: retiring what is in use, a currency's minor
    units while amounts are held in it, a bill day agreements are billed on."""
    if before.status == "active" and data.status == "retired":
        reasons = await usage(session, before)
        if reasons:
            raise Conflict(
                f"{kind.name} {before.code} is in use and cannot be retired",
                [FieldError("status", reason) for reason in reasons],
            )
    if kind.name == "currency" and attributes.get("minorUnits") != before.attributes.get("minorUnits"):
        reasons = await usage(session, before)
        if reasons:
            raise Conflict(
                f"the minor units of {before.code} cannot change while amounts are held in it",
                [FieldError("attributes.minorUnits", reason) for reason in reasons],
            )
    if kind.name == "bill-cycle" and attributes.get("frequency") == "monthly":
        kept = set(attributes.get("billDays", []))
        in_use = await session.scalars(
            select(Agreement.bill_day).where(Agreement.status != "closed").distinct().order_by(Agreement.bill_day)
        )
        dropped = [day for day in in_use if day not in kept]
        if dropped:
            raise Conflict(
                f"open agreements are billed on day(s) {dropped}",
                [FieldError("attributes.billDays", f"keep {dropped}: open agreements are billed on them")],
            )


def _parse(data: Mapping[str, Any]) -> NewReferenceItem:
    try:
        return NewReferenceItem.model_validate(data)
    except ValidationError as exc:
        raise InvalidInput("the item is not valid", field_errors(exc, "")) from None


def _changed(session: AsyncSession) -> None:
    session.info[CHANGED] = True


async def create_item(session: AsyncSession, principal: Principal, kind: Kind, data: NewReferenceItem) -> ReferenceItem:
    exists = await session.scalar(
        select(ReferenceItem.id).where(ReferenceItem.kind == kind.name, ReferenceItem.code == data.code)
    )
    if exists is not None:
        raise Conflict(f"{kind.name} {data.code} exists", [FieldError("code", "already taken: patch that one instead")])
    attributes = await _checked(session, kind, data, None)
    item_id = await session.scalar(
        insert(ReferenceItem)
        .values(
            id=uuid.uuid4(),
            kind=kind.name,
            code=data.code,
            name=data.name,
            description=data.description,
            attributes=attributes,
            status=data.status,
            valid_from=data.valid_from,
            valid_to=data.valid_to,
            created_by=principal.audit_name,
            updated_by=principal.audit_name,
            version=1,
        )
        .on_conflict_do_nothing(constraint="uq_reference_items_kind_code")
        .returning(ReferenceItem.id)
    )
    if item_id is None:  # created meanwhile by a concurrent request
        raise Conflict(f"{kind.name} {data.code} exists", [FieldError("code", "already taken: patch that one instead")])
    item = await session.get(ReferenceItem, item_id)
    assert item is not None
    _changed(session)
    await record(session, principal, [Change(kind.entity_type, item.id, "created", changes=snapshot(item))])
    return item


async def update_item(
    session: AsyncSession,
    principal: Principal,
    kind: Kind,
    code: str,
    patch: Mapping[str, Any],
    *,
    if_match: IfMatch = ANY_VERSION,
    view: Callable[[ReferenceItem], Mapping[str, Any]],
) -> ReferenceItem:
    """JSON Merge Patch onto the item as GET shows it; read-only fields may be repeated unchanged."""
    item = await get_item(session, kind, code, for_update=True)
    if_match.check(item.version, what=kind.name)
    shown = dict(view(item))
    patched = merge_patch(shown, dict(patch))
    if not isinstance(patched, dict):
        raise InvalidInput("a merge patch is a JSON object", [FieldError("body", "expected an object")])
    errors = [
        FieldError(name, "read-only")
        for name in READ_ONLY
        if name in patch and json.dumps(patched.get(name), default=str) != json.dumps(shown.get(name), default=str)
    ]
    if patched.get("code") != item.code:
        errors.append(FieldError("code", "read-only: create a new item (and retire this one) instead"))
    if errors:
        raise InvalidInput(f"the {kind.name} cannot be changed that way", errors)
    data = _parse({name: patched.get(name) for name in EDITABLE if name in patched and patched.get(name) is not None})
    before = snapshot(item)
    attributes = await _checked(session, kind, data, item)
    item.name, item.description, item.status = data.name, data.description, data.status
    item.valid_from, item.valid_to, item.attributes = data.valid_from, data.valid_to, attributes
    after = snapshot(item)
    changes = changed_fields(before, after)
    if not changes:
        return item
    item.updated_by = principal.audit_name
    await session.flush()
    await session.refresh(item)
    _changed(session)
    action = "updated"
    if before["status"] != after["status"]:
        action = "retired" if after["status"] == "retired" else "reactivated"
    await record(session, principal, [Change(kind.entity_type, item.id, action, changes=changes)])
    return item


async def retire_item(
    session: AsyncSession, principal: Principal, kind: Kind, code: str, *, if_match: IfMatch = ANY_VERSION,
    view: Callable[[ReferenceItem], Mapping[str, Any]],
) -> ReferenceItem:  # fmt: skip
    if not kind.retirable:
        raise Conflict(f"a {kind.name} cannot be retired", [FieldError("status", "change its value instead")])
    return await update_item(session, principal, kind, code, {"status": "retired"}, if_match=if_match, view=view)


async def delete_item(
    session: AsyncSession, principal: Principal, kind: Kind, code: str, *, if_match: IfMatch = ANY_VERSION
) -> None:
    item = await get_item(session, kind, code, for_update=True)
    if_match.check(item.version, what=kind.name)
    if not kind.deletable:
        hint = (
            "change its value instead"
            if kind.name == "setting"
            else "retire it instead: records and the audit trail name it"
        )
        raise Conflict(f"a {kind.name} cannot be deleted", [FieldError("code", hint)])
    reasons = await usage(session, item)
    if kind.dated and item.valid_from is not None and item.valid_from <= business_today():
        reasons.append(f"it has applied since {item.valid_from}: end it (validTo) or retire it instead")
    if reasons:
        raise Conflict(f"{kind.name} {code} is in use and cannot be deleted", [FieldError("code", r) for r in reasons])
    await session.delete(item)
    await session.flush()
    _changed(session)
    await record(session, principal, [Change(kind.entity_type, item.id, "deleted", changes=snapshot(item))])


# --- the initial reference data ---------------------------------------------------------------------


def seed_items(*, timezone: str, default_currency: str) -> list[dict[str, Any]]:
    """The reference data Accord ships with (accord/seed/configuration.json); the operator's timezone
    and default currency come from its settings (ACCORD_TIMEZONE, ACCORD_DEFAULT_CURRENCY)."""
    seed = json.loads(resources.files("accord").joinpath("seed/configuration.json").read_text())
    items: list[dict[str, Any]] = []
    for kind_name, entries in seed.items():
        kind = KINDS[kind_name]
        for entry in entries:
            attributes = dict(entry.get("attributes", {}))
            if kind.name == "setting" and entry["code"] == "timezone":
                attributes["value"] = timezone
            if kind.name == "setting" and entry["code"] == "defaultCurrency":
                attributes["value"] = default_currency
            data = NewReferenceItem.model_validate({**entry, "attributes": attributes})
            checked, errors = check_attributes(kind, data.attributes)
            assert not errors, (kind.name, data.code, errors)
            items.append(
                {
                    "kind": kind.name,
                    "code": data.code,
                    "name": data.name,
                    "description": data.description,
                    "attributes": checked,
                    "status": data.status,
                    "valid_from": data.valid_from,
                    "valid_to": data.valid_to,
                }
            )
    return items


async def load_reference_data(
    session: AsyncSession, principal: Principal, *, timezone: str, default_currency: str
) -> int:
    """Add the reference data Accord ships with; items already present (by kind and code) are left as
    they are, edited or not. Returns how many were added; each is in the audit trail."""
    rows = [
        {
            **item,
            "id": uuid.uuid4(),
            "created_by": principal.audit_name,
            "updated_by": principal.audit_name,
            "version": 1,
        }
        for item in seed_items(timezone=timezone, default_currency=default_currency)
    ]
    result = await session.execute(
        insert(ReferenceItem)
        .values(rows)
        .on_conflict_do_nothing(constraint="uq_reference_items_kind_code")
        .returning(ReferenceItem.id, ReferenceItem.kind)
    )
    added = list(result.all())
    by_id = {row["id"]: row for row in rows}
    await record(
        session,
        principal,
        [
            Change(
                KINDS[kind].entity_type,
                item_id,
                "created",
                changes={"code": by_id[item_id]["code"], "attributes": by_id[item_id]["attributes"]},
            )
            for item_id, kind in added
        ],
    )
    if added:
        _changed(session)
    return len(added)
