"""Customers: people and organisations that take services. Create, read, change (merge patch),
search, lifecycle, hierarchy, deletion and anonymisation; every change audited in the caller's
transaction. Services never commit: the caller owns the unit of work."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from psycopg import AsyncConnection
from pydantic import ValidationError
from sqlalchemy import delete, func, literal, select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from accord.config import get_settings
from accord.db import Executor, json_passed_through
from accord.errors import Conflict, FieldError, InvalidInput, NotFound, field_errors
from accord.models import Agreement, AuditEvent, Customer, Order, OutboxEvent, Subscription
from accord.models.customer import CustomerEmail
from accord.principal import Principal
from accord.rules import customers as rules
from accord.rules.changes import changed_fields
from accord.rules.merge_patch import merge_patch
from accord.rules.preconditions import ANY_VERSION, IfMatch
from accord.rules.reasons import check_reason
from accord.schemas.customers import (
    EDITABLE,
    READ_ONLY,
    CustomerCreate,
    CustomerInput,
    customer_view,
)
from accord.schemas.orders import OrderCustomer
from accord.services import agreements, audit, configuration
from accord.services.audit import Change
from accord.services.locking import lock

# ---------------------------------------------------------------------------------------------
# Columns from input


def _columns(data: CustomerInput) -> dict[str, Any]:
    """The stored columns for a customer's settable fields, with the derived ones (preferred email
    and phone, search keys). Lists are stored in their API form, so that a read needs no mapping."""
    emails = [e.model_dump(mode="json", by_alias=True) for e in data.emails]
    phones = [p.model_dump(mode="json", by_alias=True) for p in data.phones]
    addresses = [a.model_dump(mode="json", by_alias=True, exclude_none=True) for a in data.addresses]
    preferred_email = rules.preferred(emails)
    preferred_phone = rules.preferred(phones)
    return {
        "given_name": data.given_name,
        "family_name": data.family_name,
        "trading_name": data.trading_name,
        "email": preferred_email["address"] if preferred_email else None,
        "phone": preferred_phone["number"] if preferred_phone else None,
        "emails": emails,
        "phones": phones,
        "addresses": addresses,
        "identifications": [i.model_dump(mode="json", by_alias=True, exclude_none=True) for i in data.identifications],
        "characteristics": [c.model_dump(mode="json", by_alias=True) for c in data.characteristics],
        "segment": data.segment,
        "preferred_language": data.preferred_language,
        "marketing_consent": data.marketing_consent,
        "external_ref": data.external_ref,
        "parent_id": data.parent_id,
        "relationship": (data.relationship or _default_relationship(data.type)) if data.parent_id else None,
        "paying_parent": data.paying_parent,
        "search_name": rules.search_name(data.given_name, data.family_name, data.trading_name),
        "search_emails": sorted({rules.email_key(e.address) for e in data.emails}),
        "search_phones": sorted({p.number for p in data.phones}),
    }


def new_customer_row(
    data: CustomerInput, *, status: str, status_reason: str | None, principal: Principal
) -> dict[str, Any]:
    """A new customer's row, ready to insert (the database numbers it and stamps its creation)."""
    return {
        **_columns(data),
        "id": uuid.uuid4(),
        "kind": data.type,
        "status": status,
        "status_reason": status_reason,
        "created_by": principal.audit_name,
        "updated_by": principal.audit_name,
        "version": 1,
    }


def _default_relationship(kind: str) -> str:
    return "subsidiary" if kind == "organisation" else "contact"


def representation(customer: Customer) -> dict[str, Any]:
    """The customer as the API shows it (JSON types): what a merge patch applies to."""
    return customer_view(customer).model_dump(mode="json", by_alias=True)


def _editable(view: dict[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in view.items() if name in EDITABLE}


# ---------------------------------------------------------------------------------------------
# Create


async def create_customer(session: AsyncSession, principal: Principal, data: CustomerCreate) -> Customer:
    """A new customer (a prospect unless `status` says active). 409 when the external reference or
    (with ACCORD_UNIQUE_CUSTOMER_EMAILS on) an email belongs to another customer: both decided by
    the database, so two concurrent creates give one customer and one 409."""
    reason = check_reason(
        "activate",
        data.reason_code,
        field="reasonCode",
        required=False,
        codes=await configuration.reason_codes(session, "activate"),
    )
    values = new_customer_row(data, status=data.status, status_reason=reason, principal=principal)
    if data.parent_id is not None:
        await _check_parent(session, customer_id=values["id"], kind=data.type, data=data)
    statement = insert(Customer).values(values)
    if data.external_ref is not None:
        statement = statement.on_conflict_do_nothing(index_elements=["external_ref"])
    customer = await _guarded(session.scalar(statement.returning(Customer)))
    if customer is None:
        raise Conflict(
            f"a customer with external reference {data.external_ref!r} already exists",
            [FieldError("externalRef", "already used by another customer")],
        )
    await _claim_emails(session, customer.id, [e.address for e in data.emails], previous=set())
    view = representation(customer)
    await audit.record(
        session,
        principal,
        [Change("customer", customer.id, "created", customer_id=customer.id, changes=view, reason_code=reason)],
    )
    return customer


# Onboarding's statements, built once (their values are bound per call): a customer whose external
# reference is already known is not inserted (NULL references never conflict), and an email another
# customer holds is left to them.
_INSERT_UNLESS_KNOWN = insert(Customer).on_conflict_do_nothing(index_elements=["external_ref"]).returning(Customer.id)
_CLAIM_IF_FREE = insert(CustomerEmail).on_conflict_do_nothing()


async def find_or_create_customer(
    session: Executor, *, customer: OrderCustomer, principal: Principal
) -> tuple[uuid.UUID, bool]:
    """Onboarding (shop orders, migration): the customer with this external reference, or a new one,
    active. Returns (id, created). Safe under concurrent calls: the unique external reference decides
    who creates it. The email is claimed when it is free; an order is not failed for an email another
    customer holds (the shop identifies its customers by external reference)."""
    country = customer.address.country if customer.address else None
    try:
        data = CustomerInput.model_validate(
            {
                "type": customer.type,
                "given_name": customer.given_name,
                "family_name": customer.family_name,
                "trading_name": customer.trading_name,
                "emails": [{"address": customer.email, "preferred": True}] if customer.email else [],
                "phones": [{"number": customer.phone, "country": country, "preferred": True}] if customer.phone else [],
                "addresses": [{**customer.address.model_dump(), "preferred": True}] if customer.address else [],
                "characteristics": customer.characteristics,
                "external_ref": customer.external_ref,
            }
        )
    except ValidationError as exc:
        raise InvalidInput("the order's customer is not valid", field_errors(exc, "customer")) from exc
    values = new_customer_row(data, status="active", status_reason="first-order", principal=principal)
    created = (await session.execute(_INSERT_UNLESS_KNOWN, values)).scalar_one_or_none()
    if created is None:
        existing = await session.scalar(select(Customer.id).where(Customer.external_ref == customer.external_ref))
        assert existing is not None  # the conflict that skipped the insert is this row
        return existing, False
    if customer.email and get_settings().unique_customer_emails:
        await session.execute(_CLAIM_IF_FREE, {"email_key": rules.email_key(customer.email), "customer_id": created})
    await audit.record(
        session,
        principal,
        [
            Change(
                "customer",
                created,
                "created",
                customer_id=created,
                changes=data.model_dump(mode="json", by_alias=True, exclude_defaults=True),
                reason_code="first-order",
            )
        ],
    )
    return created, True


# ---------------------------------------------------------------------------------------------
# Read


# What a read shows of a customer: every column but the derived search ones.
SHOWN_COLUMNS = [c.name for c in Customer.__table__.columns if not c.name.startswith("search_")]
CUSTOMER_BY_ID = f"SELECT {', '.join(SHOWN_COLUMNS)} FROM customers WHERE id = %s"
PREFIXED_COLUMNS = ", ".join(f"c.{name}" for name in SHOWN_COLUMNS)


async def read_customer(connection: AsyncConnection[Any], customer_id: uuid.UUID) -> Any:
    """One customer by id, as a row with the Customer columns as attributes (the JSONB ones as JSON
    text, as a search's rows): the API's hot read path (one prepared statement, no ORM, no
    transaction)."""
    cursor = await json_passed_through(connection).execute(CUSTOMER_BY_ID, (customer_id,))
    row = await cursor.fetchone()
    if row is None:
        raise NotFound(f"no customer {customer_id}")
    return row


async def get_customer(session: AsyncSession, customer_id: uuid.UUID) -> Customer:
    customer = await session.get(Customer, customer_id)
    if customer is None:
        raise NotFound(f"no customer {customer_id}")
    return customer


# ---------------------------------------------------------------------------------------------
# Update


async def update_customer(
    session: AsyncSession,
    principal: Principal,
    customer_id: uuid.UUID,
    patch: dict[str, Any],
    *,
    if_match: IfMatch = ANY_VERSION,
) -> Customer:
    """Apply a JSON merge patch to the customer's API representation, validate the result as a whole
    and store it. Read-only fields may be repeated unchanged; changing one is a 422 naming it.
    412 when `if_match` is stale (the row is locked first, so concurrent writers are serialised)."""
    if not isinstance(patch, dict):
        raise InvalidInput("a merge patch is a JSON object", [FieldError("body", "expected an object")])
    customer = await lock(session, Customer, customer_id, what="customer", if_match=if_match)
    current = representation(customer)
    merged = merge_patch(current, patch)
    errors = [
        FieldError(name, "read-only")
        for name in sorted(patch.keys() & READ_ONLY)
        if merged.get(name) != current.get(name)
    ]
    errors += [FieldError(name, "not a customer field") for name in sorted(patch.keys() - READ_ONLY - EDITABLE)]
    if errors:
        raise InvalidInput("the patch changes fields that cannot be changed", errors)
    try:
        data = CustomerInput.model_validate({**_editable(merged), "type": customer.kind})
    except ValidationError as exc:
        raise InvalidInput("the patched customer is not valid", field_errors(exc)) from exc
    return await change_customer(session, principal, customer, data, before=current)


async def change_customer(
    session: AsyncSession,
    principal: Principal,
    customer: Customer,
    data: CustomerInput,
    *,
    before: dict[str, Any] | None = None,
    reason_code: str | None = None,
) -> Customer:
    """Store `data` as the customer's settable fields (the customer already locked, e.g. by
    update_customer or locking.lock) and audit what changed. For facades that build the whole input."""
    if customer.anonymised_at is not None:
        raise Conflict("an anonymised customer cannot be changed", [FieldError("anonymisedAt", "is set")])
    before = before if before is not None else representation(customer)
    values = _columns(data)
    if data.parent_id is not None and (
        data.parent_id != customer.parent_id or values["relationship"] != customer.relationship
    ):
        await _check_parent(session, customer_id=customer.id, kind=customer.kind, data=data)
    previous_emails = set(customer.search_emails or [])
    for name, value in values.items():
        setattr(customer, name, value)
    customer.updated_by = principal.audit_name
    await _guarded(session.flush())
    await session.refresh(customer)
    await _claim_emails(session, customer.id, [e.address for e in data.emails], previous=previous_emails)
    after = representation(customer)
    changes = changed_fields(_editable(before), _editable(after))
    if changes:
        await audit.record(
            session,
            principal,
            [
                Change(
                    "customer",
                    customer.id,
                    "updated",
                    customer_id=customer.id,
                    changes=changes,
                    reason_code=reason_code,
                )
            ],
        )
    return customer


# ---------------------------------------------------------------------------------------------
# Emails: unique case-insensitively (setting), decided by a primary key


async def _claim_emails(
    session: AsyncSession, customer_id: uuid.UUID, addresses: list[str], *, previous: set[str]
) -> None:
    """With ACCORD_UNIQUE_CUSTOMER_EMAILS on, each of the customer's addresses is claimed in
    customer_emails (primary key: the case-folded address). A concurrent claim of the same address
    waits for the first transaction and then finds it taken: one wins, the other gets 409.
    Addresses the customer already had (`previous`) but could not claim — from before the setting,
    or onboarding — are left as they are, so that an unrelated change is never refused for them."""
    if not get_settings().unique_customer_emails:
        return
    keys = {rules.email_key(a): (i, a) for i, a in enumerate(addresses)}
    await session.execute(
        delete(CustomerEmail).where(CustomerEmail.customer_id == customer_id, CustomerEmail.email_key.not_in(keys))
    )
    wanted = [k for k in keys if k not in previous]
    owned = set(
        await session.scalars(
            select(CustomerEmail.email_key).where(
                CustomerEmail.customer_id == customer_id, CustomerEmail.email_key.in_(wanted)
            )
        )
    )
    to_claim = [k for k in wanted if k not in owned]
    if not to_claim:
        return
    claimed = set(
        await session.scalars(
            insert(CustomerEmail)
            .values([{"email_key": k, "customer_id": customer_id} for k in to_claim])
            .on_conflict_do_nothing()
            .returning(CustomerEmail.email_key)
        )
    )
    taken = [keys[k] for k in to_claim if k not in claimed]
    if taken:
        raise Conflict(
            "an email address belongs to another customer",
            [FieldError(f"emails[{i}].address", f"{a} is another customer's") for i, a in sorted(taken)],
        )


async def _guarded(awaitable: Any) -> Any:
    """A constraint the checks did not foresee (a concurrent change) becomes a 409, never a 500."""
    try:
        return await awaitable
    except IntegrityError as exc:
        constraint = getattr(getattr(exc.orig, "diag", None), "constraint_name", None) or "a constraint"
        field = {"uq_customers_external_ref": "externalRef", "fk_customers_parent_id_customers": "parentId"}.get(
            constraint, "body"
        )
        raise Conflict(
            f"the change conflicts with another one ({constraint}); read and retry",
            [FieldError(field, "conflicts with another customer")],
        ) from exc


# ---------------------------------------------------------------------------------------------
# Hierarchy

HIERARCHY_LOCK = 0x61636364  # one advisory lock serialises parent changes, so two cannot make a cycle

ANCESTORS = text(
    """
    WITH RECURSIVE up(id, parent_id, depth) AS (
        SELECT id, parent_id, 0 FROM customers WHERE id = :start
        UNION ALL
        SELECT c.id, c.parent_id, up.depth + 1 FROM customers c JOIN up ON c.id = up.parent_id WHERE up.depth < 100
    )
    SELECT id FROM up
    """
)


async def _check_parent(session: AsyncSession, *, customer_id: uuid.UUID, kind: str, data: CustomerInput) -> None:
    assert data.parent_id is not None
    await session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": HIERARCHY_LOCK})
    # KEY SHARE: the parent cannot be deleted before this transaction ends.
    parent_kind = await session.scalar(
        select(Customer.kind).where(Customer.id == data.parent_id).with_for_update(key_share=True)
    )
    if parent_kind is None:
        raise InvalidInput("the parent does not exist", [FieldError("parentId", f"no customer {data.parent_id}")])
    ancestors = set(await session.scalars(ANCESTORS, {"start": data.parent_id}))
    rules.check_parent(
        child_kind=kind,
        relationship=data.relationship or _default_relationship(kind),
        parent_kind=parent_kind,
        creates_cycle=customer_id in ancestors,
    )


# ---------------------------------------------------------------------------------------------
# Search


@dataclass(frozen=True)
class CustomerFilters:
    """Search criteria, all optional, combined with AND. `name` matches the start of words of the
    names, ignoring accents and case ("nguy" finds "Nguyễn"); `email` is exact but case-insensitive;
    `phone` is compared in E.164."""

    name: str | None = None
    email: str | None = None
    phone: str | None = None
    customer_number: str | None = None
    external_ref: str | None = None
    status: str | None = None
    segment: str | None = None
    type: str | None = None
    parent_id: uuid.UUID | None = None


def _conditions(filters: CustomerFilters) -> tuple[list[str], list[Any]]:
    """The filters but the name as SQL conditions on customers (ANDed) and their parameters, each
    served by an index."""
    where: list[str] = []
    params: list[Any] = []

    def add(condition: str, value: Any) -> None:
        where.append(condition)
        params.append(value)

    if filters.email is not None:
        add("c.search_emails @> ARRAY[%s]::varchar[]", rules.email_key(filters.email))
    if filters.phone is not None:
        try:
            number = rules.e164(filters.phone)
        except rules.PhoneError as exc:
            raise InvalidInput("invalid phone", [FieldError("phone", f"{exc}; e.g. +442079460958")]) from exc
        add("c.search_phones @> ARRAY[%s]::varchar[]", number)
    for column, value in (
        ("customer_number", filters.customer_number),
        ("external_ref", filters.external_ref),
        ("status", filters.status),
        ("segment", filters.segment),
        ("kind", filters.type),
        ("parent_id", filters.parent_id),
    ):
        if value is not None:
            add(f"c.{column} = %s", value)
    return where, params


def _name_matches(name: str) -> tuple[str, list[Any]]:
    """The (customer_id, created_at) of the customers whose name has, for each word of `name`, a word
    starting with it: one index-only range scan of customer_name_words, for the query's longest word
    (the one fewest names have, as a rule), each customer's other words checked in its search name.
    A name with two words in the range (María Martínez for "mar") is counted once, on its first:
    the one whose previous word lies before the range."""
    prefixes = rules.name_prefixes(name)
    if prefixes is None:
        raise InvalidInput("nothing to search for", [FieldError("name", "give at least one letter or digit")])
    first, after = max(prefixes, key=lambda prefix: len(prefix[0]))
    others = [word for word, _ in prefixes if word != first]
    sql = (
        "SELECT customer_id, created_at FROM customer_name_words WHERE word >= %s AND word < %s"
        " AND (previous_word IS NULL OR previous_word < %s)"
        + " AND strpos(' ' || search_name, ' ' || %s) > 0"
        * len(others)
    )
    return sql, [first, after, first, *others]


async def search_customers(
    connection: AsyncConnection[Any],
    filters: CustomerFilters,
    *,
    limit: int,
    offset: int = 0,
    after: tuple[Any, uuid.UUID] | None = None,
) -> tuple[list[Any], int]:
    """A page of the matching customers (rows with the Customer columns as attributes, the JSONB
    ones as JSON text for the page's body to carry as it is) in a stable order (creation time, then
    id), and how many match in all, in one round trip (the total is an uncorrelated subquery beside
    the page's rows). `after` (the last row's creation time and id) pages by keyset, which neither
    skips nor repeats rows while others insert; otherwise `offset`."""
    where, params = _conditions(filters)
    if filters.name is not None:
        sql, sql_params, total, total_params = _by_name(filters.name, where, params, limit, offset, after)
    else:
        sql, sql_params, total, total_params = _by_columns(filters, where, params, limit, offset, after)
    cursor = json_passed_through(connection)
    rows = await (await cursor.execute(sql, sql_params)).fetchall()
    if rows:
        return rows, int(rows[0].total)
    # Past the last page: the total still counts.
    counted = await (await cursor.execute(total, total_params)).fetchone()
    return rows, int(counted[0]) if counted else 0


Query = tuple[str, list[Any], str, list[Any]]  # the page's SQL and parameters, the total's


def _where(conditions: list[str]) -> str:
    return f" WHERE {' AND '.join(conditions)}" if conditions else ""


def _page_clause(
    where: list[str], params: list[Any], order: tuple[str, str], limit: int, offset: int, after: Any
) -> tuple[str, list[Any]]:
    """WHERE (with the keyset position), ORDER BY, LIMIT and OFFSET of a page."""
    conditions, values = list(where), list(params)
    if after is not None:
        conditions.append(f"({order[0]}, {order[1]}) > (%s, %s)")
        values.extend(after)
    sql = _where(conditions) + f" ORDER BY {order[0]}, {order[1]} LIMIT %s"
    values.append(limit)
    if after is None:
        sql += " OFFSET %s"
        values.append(offset)
    return sql, values


def _by_name(name: str, where: list[str], params: list[Any], limit: int, offset: int, after: Any) -> Query:
    """The customers the name matches drive the query: the page is chosen among them (narrowed by
    the other filters, if any) before a customer row is read, so that only the page's rows are."""
    names, name_params = _name_matches(name)
    order = ("n.created_at", "n.customer_id")
    source = "named n JOIN customers c ON c.id = n.customer_id" if where else "named n"
    clause, clause_params = _page_clause(where, params, order, limit, offset, after)
    total = f"SELECT count(*) FROM {source}{_where(where)}"
    named = f"WITH named AS MATERIALIZED ({names})"
    sql = (
        f"{named}, page AS (SELECT n.customer_id, n.created_at FROM {source}{clause}) "
        f"SELECT {PREFIXED_COLUMNS}, ({total}) AS total FROM page p JOIN customers c ON c.id = p.customer_id "
        "ORDER BY p.created_at, p.customer_id"
    )
    return sql, [*name_params, *clause_params, *params], f"{named} {total}", [*name_params, *params]


def _by_columns(
    filters: CustomerFilters, where: list[str], params: list[Any], limit: int, offset: int, after: Any
) -> Query:
    # An email or phone matches a handful of rows, but PostgreSQL keeps no statistics for array
    # elements that are all distinct and guesses 0.5 % of the table: it would then walk the whole
    # (created_at, id) index looking for them (50 ms at 100,000 customers). Ordering by an
    # expression equal to created_at makes it fetch the matches through the GIN index and sort them.
    by_array = filters.email is not None or filters.phone is not None
    order = ("c.created_at + interval '0'" if by_array else "c.created_at", "c.id")
    clause, clause_params = _page_clause(where, params, order, limit, offset, after)
    total = f"SELECT count(*) FROM customers c{_where(where)}"
    sql = f"SELECT {PREFIXED_COLUMNS}, ({total}) AS total FROM customers c{clause}"
    return sql, [*params, *clause_params], total, list(params)


# ---------------------------------------------------------------------------------------------
# Lifecycle, blockers, deletion, anonymisation


async def open_balances(session: Executor, customer_id: uuid.UUID) -> dict[str, Decimal]:
    """What the customer owes, per currency: the sum of its agreements' open bill amounts. There are
    no bills yet, so nothing is owed; the billing issue replaces this body with that sum."""
    return {}


async def _open_subscription_ids(session: AsyncSession, customer_id: uuid.UUID) -> list[str]:
    ids = await session.scalars(
        select(Subscription.id)
        .join(Agreement, Agreement.id == Subscription.agreement_id)
        .where(Agreement.customer_id == customer_id, Subscription.status != "terminated")
        .order_by(Subscription.id)
    )
    return [str(i) for i in ids]


async def change_status(
    session: AsyncSession,
    principal: Principal,
    customer_id: uuid.UUID,
    action: str,
    reason_code: str | None,
    *,
    if_match: IfMatch = ANY_VERSION,
) -> Customer:
    """activate, suspend, resume or close, with a reason code for that action. Closing is refused
    (409) while a subscription is not terminated or something is owed, listing what blocks it, and
    closes the customer's agreements with it."""
    reason = check_reason(
        action, reason_code, field="reasonCode", codes=await configuration.reason_codes(session, action)
    )
    customer = await lock(session, Customer, customer_id, what="customer", if_match=if_match)
    before = customer.status
    status = rules.transition(before, action)
    if action == "close":
        rules.refuse_if_blocked(
            "closed",
            rules.closure_blockers(
                open_subscription_ids=await _open_subscription_ids(session, customer_id),
                open_balances=await open_balances(session, customer_id),
            ),
        )
        await agreements.close_with_customer(session, principal, customer_id, reason)
    before_reason = customer.status_reason
    customer.status = status
    customer.status_reason = reason
    customer.updated_by = principal.audit_name
    await session.flush()
    await session.refresh(customer)
    await audit.record(
        session,
        principal,
        [
            Change(
                "customer",
                customer.id,
                rules.PAST[action],
                customer_id=customer.id,
                changes={
                    "status": {"from": before, "to": status},
                    "statusReason": {"from": before_reason, "to": reason},
                },
                reason_code=reason,
            )
        ],
    )
    return customer


async def delete_customer(
    session: AsyncSession, principal: Principal, customer_id: uuid.UUID, *, if_match: IfMatch = ANY_VERSION
) -> None:
    """Remove a customer recorded by mistake. 409 listing what blocks it: subscriptions, money owed,
    agreements, orders or child customers (a real customer is closed and anonymised instead)."""
    customer = await lock(session, Customer, customer_id, what="customer", if_match=if_match)
    agreement_ids = [
        str(i) for i in await session.scalars(select(Agreement.id).where(Agreement.customer_id == customer_id))
    ]
    order_refs = list(await session.scalars(select(Order.order_ref).where(Order.customer_id == customer_id)))
    child_ids = [str(i) for i in await session.scalars(select(Customer.id).where(Customer.parent_id == customer_id))]
    rules.refuse_if_blocked(
        "deleted",
        rules.deletion_blockers(
            open_subscription_ids=await _open_subscription_ids(session, customer_id),
            open_balances=await open_balances(session, customer_id),
            agreement_ids=agreement_ids,
            order_refs=order_refs,
            child_ids=child_ids,
        ),
    )
    snapshot = representation(customer)
    await _guarded(session.execute(delete(Customer).where(Customer.id == customer_id)))
    await audit.record(
        session,
        principal,
        [
            Change(
                "customer",
                customer_id,
                "deleted",
                customer_id=customer_id,
                changes={"customerNumber": snapshot["customerNumber"]},
            )
        ],
    )


REDACTED = "[anonymised]"


def _redact(changes: dict[str, Any]) -> dict[str, Any]:
    return {name: (REDACTED if name in rules.PERSONAL_FIELDS else value) for name, value in changes.items()}


async def anonymise_customer(
    session: AsyncSession,
    principal: Principal,
    customer_id: uuid.UUID,
    reason_code: str | None,
    *,
    if_match: IfMatch = ANY_VERSION,
) -> Customer:
    """Erase a closed customer's personal data: names, contact media, identifications,
    characteristics, language, consent. Its id, number, external reference, agreements,
    subscriptions and (future) bills stay. The values in its own audit trail and outbox events are
    redacted too (who did what, and when, stays)."""
    reason = check_reason(
        "anonymise", reason_code, field="reasonCode", codes=await configuration.reason_codes(session, "anonymise")
    )
    customer = await lock(session, Customer, customer_id, what="customer", if_match=if_match)
    rules.check_anonymisable(customer.status, customer.anonymised_at is not None)
    events = await session.scalars(
        select(AuditEvent).where(AuditEvent.entity_type == "customer", AuditEvent.entity_id == customer_id)
    )
    for event in events:
        event.changes = _redact(event.changes)
    outbox = await session.scalars(
        select(OutboxEvent).where(OutboxEvent.entity_type == "customer", OutboxEvent.entity_id == customer_id)
    )
    for message in outbox:
        message.payload = {**message.payload, "changes": _redact(message.payload.get("changes") or {})}
    anonymous = CustomerInput(
        type=customer.kind,
        trading_name=rules.ANONYMISED_NAME if customer.kind == "organisation" else None,
        family_name=rules.ANONYMISED_NAME if customer.kind == "individual" else None,
        external_ref=customer.external_ref,
        parent_id=customer.parent_id,
        relationship=customer.relationship,
        paying_parent=customer.paying_parent,
        segment=customer.segment,
    )
    for name, value in _columns(anonymous).items():
        setattr(customer, name, value)
    customer.anonymised_at = func.now()
    customer.updated_by = principal.audit_name
    await session.execute(delete(CustomerEmail).where(CustomerEmail.customer_id == customer_id))
    await session.flush()
    await session.refresh(customer)
    await audit.record(
        session,
        principal,
        [
            Change(
                "customer",
                customer.id,
                "anonymised",
                customer_id=customer.id,
                changes={name: REDACTED for name in rules.PERSONAL_FIELDS},
                reason_code=reason,
            )
        ],
    )
    return customer


# ---------------------------------------------------------------------------------------------
# Audit trail


async def audit_trail(
    session: AsyncSession, customer_id: uuid.UUID, *, limit: int, after_id: int | None = None
) -> tuple[list[Any], int]:
    """The customer's trail (its own changes and those of its agreements and subscriptions), oldest
    first, paged by event id, and how many events it has. A deleted customer's trail stays readable."""
    events, total = await audit.trail(session, AuditEvent.customer_id == customer_id, limit=limit, after_id=after_id)
    if not total and await session.scalar(select(literal(1)).where(Customer.id == customer_id)) is None:
        raise NotFound(f"no customer {customer_id}")
    return events, total
