"""The product catalogue: published versions and their reads (as of any time), the terms the order
and subscription rules see, eligibility checks, publishing a new version, and the sample catalogue.

Reusable by any facade: functions take plain values or definitions (accord/schemas/catalogue.py) and
return definitions, rules.catalogue.Catalogue snapshots or ORM rows."""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from importlib import resources
from typing import Any
from zoneinfo import ZoneInfo

from pydantic.alias_generators import to_camel
from sqlalchemy import and_, func, or_, select, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from accord.clock import business_today
from accord.config import get_settings
from accord.db import Executor
from accord.errors import FieldError, InvalidInput, NotFound
from accord.models import Agreement, Customer, Offering, Subscription
from accord.models.catalogue import (
    CatalogueCategory,
    CatalogueVersion,
    OfferingPrice,
    OfferingVersion,
    ProductSpecification,
)
from accord.principal import Principal
from accord.rules import pricing
from accord.rules.catalogue import Catalogue, OfferingTerms, diff, sale_window, summary
from accord.rules.eligibility import Buyer, offering_errors
from accord.rules.money import MINOR_UNITS, fits_minor_unit, round_money
from accord.schemas.catalogue import (
    CatalogueDocument,
    CategoryDef,
    CategoryView,
    EligibilityReason,
    EligibilityRequest,
    EligibilityView,
    OfferingDef,
    OfferingView,
    PriceDef,
    SpecificationDef,
)
from accord.schemas.common import ApiModel
from accord.services import audit

TABLES: dict[str, Any] = {
    "category": CatalogueCategory,
    "specification": ProductSpecification,
    "offering": OfferingVersion,
    "price": OfferingPrice,
}
DEFS: dict[str, type[ApiModel]] = {
    "category": CategoryDef,
    "specification": SpecificationDef,
    "offering": OfferingDef,
    "price": PriceDef,
}
# The sample catalogue is version 1, in effect since before anything Accord holds.
SAMPLE_EFFECTIVE_AT = datetime(1970, 1, 1, tzinfo=UTC)
# Concurrent publishes are serialised on this advisory lock (one transaction each).
PUBLISH_LOCK = 7_020_0007
VERSION_NAMESPACE = uuid.UUID("6f1c1f4e-2f0b-4c55-9c39-0c7a1c7a0007")


def version_entity_id(number: int) -> uuid.UUID:
    """The audit trail's id for catalogue version `number`."""
    return uuid.uuid5(VERSION_NAMESPACE, f"catalogue-version-{number}")


# --- Versions.


async def latest_version(session: Executor) -> Any:
    """The latest published version's row (number, effective_at, …), or None."""
    statement = select(*CatalogueVersion.__table__.columns).order_by(CatalogueVersion.number.desc()).limit(1)
    return (await session.execute(statement)).one_or_none()


async def version_as_of(session: Executor, as_of: datetime | None) -> int:
    """The version in effect at `as_of` (the latest published one when None)."""
    statement = select(func.max(CatalogueVersion.number))
    if as_of is not None:
        statement = statement.where(CatalogueVersion.effective_at <= as_of)
    number = (await session.execute(statement)).scalar_one_or_none()
    if number is None:
        when = f"at {as_of.isoformat()}" if as_of else "yet"
        raise NotFound(f"no catalogue version was in effect {when}")
    return int(number)


async def list_versions(session: AsyncSession, *, limit: int, offset: int) -> tuple[list[CatalogueVersion], int]:
    total = await session.scalar(select(func.count()).select_from(CatalogueVersion)) or 0
    rows = await session.scalars(
        select(CatalogueVersion).order_by(CatalogueVersion.number.desc()).limit(limit).offset(offset)
    )
    return list(rows), total


async def get_version(session: AsyncSession, number: int) -> CatalogueVersion:
    row = await session.get(CatalogueVersion, number)
    if row is None:
        raise NotFound(f"no catalogue version {number}")
    return row


def _in_version(model: Any, number: int) -> Any:
    return and_(model.from_version <= number, or_(model.to_version.is_(None), model.to_version > number))


def _definition(entity_type: str, row: Any) -> Any:
    model = DEFS[entity_type]
    values = {name: getattr(row, name) for name in model.model_fields}
    if entity_type == "price":
        values["amount"] = stored_amount(values["amount"], values["currency"])
    return model.model_validate(values)


def stored_amount(amount: Decimal, currency: str) -> Decimal:
    """An amount as read from NUMERIC(18, 4): in the currency's minor unit when it fits (50.00), else
    without trailing zeros (a usage price of 0.0015 a unit)."""
    if currency in MINOR_UNITS and fits_minor_unit(amount, currency):
        return round_money(amount, currency)
    normal = amount.normalize()
    return normal.quantize(Decimal(1)) if normal == normal.to_integral() else normal


async def load_catalogue(session: Executor, number: int) -> Catalogue:
    """The whole catalogue as version `number` holds it."""
    result = Catalogue()
    for entity_type, model in TABLES.items():
        rows = await session.execute(select(*model.__table__.columns).where(_in_version(model, number)))
        entities = result.of(entity_type)
        for row in rows:
            entities[row.code] = _definition(entity_type, row)
    return result


async def catalogue_as_of(session: Executor, as_of: datetime | None = None) -> tuple[int, Catalogue]:
    number = await version_as_of(session, as_of)
    return number, await load_catalogue(session, number)


# --- Reads, as the API lists them (the catalogue is small: filtered in memory, in a stable order).


@dataclass(frozen=True)
class OfferingFilters:
    name: str | None = None  # a part of the name, any case
    category: str | None = None  # the category or any of its subcategories
    channel: str | None = None
    segment: str | None = None
    status: str | None = None
    kind: str | None = None
    family: str | None = None
    valid_on: date | None = None  # on sale (by its validity dates) on this business date
    bundles_only: bool = False


def subcategories(catalogue: Catalogue, code: str) -> set[str]:
    found = {code}
    changed = True
    while changed:
        changed = False
        for c in catalogue.categories.values():
            if c.parent_code in found and c.code not in found:
                found.add(c.code)
                changed = True
    return found


def matching_offerings(catalogue: Catalogue, filters: OfferingFilters) -> list[OfferingDef]:
    categories = subcategories(catalogue, filters.category) if filters.category else None
    result = []
    for o in catalogue.offerings.values():
        if filters.name and filters.name.casefold() not in o.name.casefold():
            continue
        if categories is not None and o.category_code not in categories:
            continue
        if filters.channel and o.channels and filters.channel not in o.channels:
            continue
        if filters.segment and o.segments and filters.segment not in o.segments:
            continue
        if filters.status and o.status != filters.status:
            continue
        if filters.kind and o.kind != filters.kind:
            continue
        if filters.family and o.family != filters.family:
            continue
        if filters.valid_on and not (
            (o.valid_from is None or o.valid_from <= filters.valid_on)
            and (o.valid_to is None or filters.valid_on <= o.valid_to)
        ):
            continue
        if filters.bundles_only and not o.bundle:
            continue
        result.append(o)
    return sorted(result, key=lambda o: (o.kind, o.code))


def offering_view(catalogue: Catalogue, offering: OfferingDef, version: int, *, on: date | None = None) -> OfferingView:
    prices = catalogue.prices_of(offering.code)
    monthly = pricing.monthly_prices(prices, on or business_today())
    currency = _primary_currency(monthly)
    return OfferingView(
        **offering.model_dump(),
        requires=f"{offering.family} access" if offering.kind == "addon" else None,
        monthly_price=monthly[currency] if currency else None,
        currency=currency,
        prices=prices,
        catalogue_version=version,
    )


def _primary_currency(monthly: Mapping[str, Decimal]) -> str | None:
    if not monthly:
        return None
    default = get_settings().default_currency
    return default if default in monthly else sorted(monthly)[0]


def category_tree(catalogue: Catalogue) -> list[CategoryView]:
    """The categories as a tree: top categories first, children by code."""
    views = {code: CategoryView(**c.model_dump()) for code, c in catalogue.categories.items()}
    roots: list[CategoryView] = []
    for code in sorted(views):
        view = views[code]
        parent = views.get(view.parent_code) if view.parent_code else None
        (parent.children if parent is not None else roots).append(view)
    return roots


def one(entities: Mapping[str, Any], code: str, what: str) -> Any:
    found = entities.get(code)
    if found is None:
        raise NotFound(f"no {what} {code}")
    return found


# --- What the order and subscription rules see.


# The live catalogue's terms by (version, currency, business date, timezone). The catalogue changes
# only by publishing a new version, so each process reuses them until then: onboarding asks for them
# on every order, and one small query replaces two and the building of every price.
_TERMS: dict[tuple[int, str | None, date, str], dict[str, OfferingTerms]] = {}
_TERMS_KEPT = 32
_LIVE_VERSION = select(func.max(CatalogueVersion.number))


async def offering_terms(
    session: Executor, *, currency: str | None = None, on: date | None = None
) -> dict[str, OfferingTerms]:
    """Every offering, as the pure rules see it, by code: the live catalogue's terms, at its
    recurring monthly price on business date `on` (default today) in `currency` when it is priced in
    it (else in its first currency)."""
    timezone = get_settings().timezone
    on = on or business_today()
    version = (await session.execute(_LIVE_VERSION)).scalar_one_or_none()
    key = (version or 0, currency, on, timezone)
    terms = _TERMS.get(key)
    if terms is None:
        terms = await _live_terms(session, currency=currency, on=on, timezone=timezone)
        if len(_TERMS) >= _TERMS_KEPT:
            _TERMS.clear()
        _TERMS[key] = terms
    return dict(terms)


async def _live_terms(session: Executor, *, currency: str | None, on: date, timezone: str) -> dict[str, OfferingTerms]:
    rows = await session.execute(
        select(
            Offering.code,
            Offering.kind,
            Offering.family,
            Offering.monthly_price,
            Offering.currency,
            Offering.status,
            OfferingVersion.valid_from,
            OfferingVersion.valid_to,
            OfferingVersion.channels,
            OfferingVersion.segments,
            OfferingVersion.customer_types,
            OfferingVersion.requires_held,
            OfferingVersion.requires_offerings,
            OfferingVersion.excludes,
        ).outerjoin(OfferingVersion, and_(OfferingVersion.code == Offering.code, OfferingVersion.to_version.is_(None)))
    )
    price_rows = await session.execute(
        select(*OfferingPrice.__table__.columns).where(
            OfferingPrice.to_version.is_(None), OfferingPrice.price_type == "recurring"
        )
    )
    prices: dict[str, list[PriceDef]] = {}
    for price in price_rows:
        prices.setdefault(price.offering_code, []).append(_definition("price", price))
    terms = {}
    for r in rows:
        monthly = pricing.monthly_prices(prices.get(r.code, []), on)
        starts, ends = sale_window(r.valid_from, r.valid_to, timezone)
        primary = _primary_currency(monthly)
        t = OfferingTerms(
            code=r.code,
            kind=r.kind,
            family=r.family,
            monthly_price=monthly[primary] if primary else r.monthly_price,
            currency=primary or r.currency,
            active=r.status == "active",
            sale_starts_at=starts,
            sale_ends_at=ends,
            channels=frozenset(r.channels or ()),
            segments=frozenset(r.segments or ()),
            customer_types=frozenset(r.customer_types or ()),
            requires_held=frozenset(r.requires_held or ()),
            requires_offerings=frozenset(r.requires_offerings or ()),
            excludes=frozenset(r.excludes or ()),
            prices=monthly or {r.currency: r.monthly_price},
        )
        terms[r.code] = t.in_currency(currency) if currency else t
    return terms


# --- Eligibility: can this customer buy that, and at what price.


async def check_eligibility(
    session: AsyncSession, request: EligibilityRequest, principal: Principal, *, now: datetime | None = None
) -> EligibilityView:
    at = request.at or now or datetime.now(UTC)
    buyer = Buyer(
        customer_type=request.customer_type, segment=request.segment, channel=request.channel or principal.channel
    )
    held: list[str] = []
    currency = request.currency
    if request.customer_id is not None:
        customer = await session.get(Customer, request.customer_id)
        if customer is None:
            raise NotFound(f"no customer {request.customer_id}")
        buyer = Buyer(customer_type=customer.kind, segment=customer.segment or request.segment, channel=buyer.channel)
    if request.agreement_id is not None:
        agreement = await session.get(Agreement, request.agreement_id)
        if agreement is None:
            raise NotFound(f"no agreement {request.agreement_id}")
        if request.customer_id is not None and agreement.customer_id != request.customer_id:
            raise InvalidInput(
                "the agreement is another customer's", [FieldError("agreementId", "belongs to another customer")]
            )
        currency = currency or agreement.currency
        held = list(
            await session.scalars(
                select(Subscription.offering_code).where(
                    Subscription.agreement_id == agreement.id, Subscription.status != "terminated"
                )
            )
        )
    if currency is None:
        raise InvalidInput("say which currency", [FieldError("currency", "required without an agreementId")])
    on = at.astimezone(ZoneInfo(get_settings().timezone)).date()
    terms = await offering_terms(session, currency=currency, on=on)
    offering = terms.get(request.offering_code)
    access = {terms[c].family for c in held if c in terms and terms[c].kind == "access"}
    errors = offering_errors(
        request.offering_code,
        offering,
        currency,
        access_families=access,
        field="offeringCode",
        where="on the agreement" if request.agreement_id else "held by the customer",
        held=held,
        buyer=buyer,
        at=at,
    )
    number, catalogue = await catalogue_as_of(session)
    definition = catalogue.offerings.get(request.offering_code)
    quote = None
    if definition is not None:
        quote = pricing.quote(catalogue.prices_of(definition.code), currency, on, definition.commitment)
    return EligibilityView(
        offering_code=request.offering_code,
        eligible=not errors,
        price=quote,
        reasons=[EligibilityReason(field=e.field, detail=e.detail) for e in errors],
        catalogue_version=number,
    )


# --- Publishing a version.


def _row_values(entity_type: str, definition: Any) -> dict[str, Any]:
    """A definition as column values: dates and amounts as Python values, nested parts as JSON."""
    python = definition.model_dump()
    as_json = definition.model_dump(mode="json", by_alias=True)
    values = {}
    for name, value in python.items():
        if isinstance(value, list | dict):
            values[name] = as_json[to_camel(name)]
        else:
            values[name] = value
    return values


@dataclass(frozen=True)
class Published:
    number: int
    effective_at: datetime
    lines: int
    summary: str


async def publish(
    session: Executor,
    *,
    after: Catalogue,
    principal: Principal,
    effective_at: datetime,
    change_set_id: uuid.UUID | None = None,
    now: datetime | None = None,
) -> Published:
    """Write `after` as the next catalogue version, in the caller's transaction: the rows it changes
    are closed at the new number and their new contents inserted; offerings' summaries follow. The
    version takes effect at `effective_at`, or at the previous version's effective time when that is
    later (versions never go back in time)."""
    now = now or datetime.now(UTC)
    await session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": PUBLISH_LOCK})
    last = await latest_version(session)
    before = await load_catalogue(session, last.number) if last else Catalogue()
    number = (last.number if last else 0) + 1
    effective = max(effective_at, last.effective_at) if last else effective_at
    lines = diff(before, after)
    text_summary = summary(lines)
    await session.execute(
        insert(CatalogueVersion).values(
            number=number,
            effective_at=effective,
            published_at=now,
            published_by=principal.audit_name,
            change_set_id=change_set_id,
            summary=text_summary,
        )
    )
    touched: set[str] = set()
    for line in lines:
        model = TABLES[line.entity_type]
        await session.execute(
            update(model).where(model.code == line.code, model.to_version.is_(None)).values(to_version=number)
        )
        new = after.of(line.entity_type).get(line.code)
        if line.entity_type == "offering":
            touched.add(line.code)
        if line.entity_type == "price":
            touched.add(after.prices[line.code].offering_code if new else before.prices[line.code].offering_code)
        if new is None:
            continue
        values = _row_values(line.entity_type, new)
        if line.entity_type == "offering":
            values["offering_id"] = await _offering_identity(session, after, new, principal)
        await session.execute(insert(model).values(id=uuid.uuid4(), from_version=number, **values))
    for code in sorted(touched - {line.code for line in lines if line.entity_type == "offering"}):
        if code in after.offerings:
            await _offering_identity(session, after, after.offerings[code], principal)
    await audit.record(
        session,
        principal,
        [
            audit.Change(
                "catalogueVersion",
                version_entity_id(number),
                "published",
                changes={
                    "version": number,
                    "effectiveAt": effective.isoformat(),
                    "changeSetId": str(change_set_id) if change_set_id else None,
                    "summary": text_summary,
                    "lines": [line.model_dump(mode="json", by_alias=True) for line in lines],
                },
            )
        ],
    )
    return Published(number, effective, len(lines), text_summary)


async def _offering_identity(
    session: Executor, catalogue: Catalogue, offering: OfferingDef, principal: Principal
) -> uuid.UUID:
    """Insert or refresh the offering's identity row (its live summary); returns its id."""
    monthly = pricing.monthly_prices(catalogue.prices_of(offering.code), business_today())
    currency = _primary_currency(monthly)
    summary_values = {
        "name": offering.name,
        "description": offering.description,
        "kind": offering.kind,
        "family": offering.family,
        "status": offering.status,
        "monthly_price": monthly[currency] if currency else Decimal(0),
        "currency": currency or get_settings().default_currency,
        "updated_by": principal.audit_name,
    }
    statement = (
        insert(Offering)
        .values(id=uuid.uuid4(), code=offering.code, created_by=principal.audit_name, version=1, **summary_values)
        .on_conflict_do_update(
            index_elements=["code"],
            set_={**summary_values, "updated_at": func.now(), "version": Offering.version + 1},
        )
        .returning(Offering.id)
    )
    return (await session.execute(statement)).scalar_one()


# --- The sample catalogue.


def sample_document() -> CatalogueDocument:
    """The catalogue Accord ships with (accord/seed/catalogue.json). Its offerings name their recurring
    monthly price in the foundation's shorthand (monthlyPrice, currency): each becomes a price
    `<code>-monthly-<currency>`."""
    seed = json.loads(resources.files("accord").joinpath("seed/catalogue.json").read_text())
    prices = list(seed.get("prices", []))
    offerings = []
    for o in seed["offerings"]:
        o = dict(o)
        amount, currency = o.pop("monthlyPrice", None), o.pop("currency", None)
        if amount is not None and currency is not None:
            prices.append(
                {
                    "code": f"{o['code']}-monthly-{currency.lower()}",
                    "offeringCode": o["code"],
                    "name": f"{o['name']}, monthly",
                    "priceType": "recurring",
                    "period": "month",
                    "amount": amount,
                    "currency": currency,
                }
            )
        offerings.append(o)
    return CatalogueDocument.model_validate({**seed, "offerings": offerings, "prices": prices})


async def load_sample_catalogue(session: AsyncSession, principal: Principal) -> int:
    """Publish the sample catalogue as version 1 when the database has no catalogue version yet
    (offerings already there from before the catalogue was versioned are brought into it). Returns
    how many offerings it added (0 when there already was a catalogue)."""
    await session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": PUBLISH_LOCK})
    if await latest_version(session) is not None:
        return 0
    existing = set(await session.scalars(select(Offering.code)))
    sample = Catalogue.from_document(sample_document())
    await publish(session, after=sample, principal=principal, effective_at=SAMPLE_EFFECTIVE_AT)
    return len(set(sample.offerings) - existing)


def money(amount: Decimal, currency: str) -> Decimal:
    return round_money(amount, currency)


def definitions(catalogue: Catalogue, entity_type: str, codes: Sequence[str] | None = None) -> list[Any]:
    entities = catalogue.of(entity_type)
    return [entities[c] for c in sorted(codes if codes is not None else entities)]
