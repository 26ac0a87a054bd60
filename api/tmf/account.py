"""TMF666 Account Management: billingAccount over Accord's agreements; billingCycleSpecification and
billPresentationMedia from Accord's bill cycles and bill deliveries; billFormat, partyAccount,
financialAccount and settlementAccount (which Accord does not model) kept as documents."""

from __future__ import annotations

import uuid
from functools import cache
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request, Response
from pydantic import ValidationError
from sqlalchemy import String, cast, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from accord.errors import Conflict, FieldError, InvalidInput, NotFound, field_errors
from accord.models import Agreement, Customer, TmfDocument
from accord.principal import Principal
from accord.rules.merge_patch import merge_patch
from accord.schemas.agreements import NewAgreement
from accord.schemas.customers import CustomerCreate
from accord.services import agreements, customers, tmf_documents
from accord.services.audit import Change, record
from accord.services.locking import lock
from accord.tmf import mapping
from accord.tmf.conventions import ACCOUNT_API, href, missing_required, select_fields
from api.deps import IfMatchDep, PrincipalDep, SessionDep, SettingsDep
from api.tmf.common import FieldsDep, ListQueryDep, list_response, read_json_object, tmf_response
from api.tmf.documents import DocumentResource, add_document_routes
from api.tmf.product import uuids

router = APIRouter(prefix=ACCOUNT_API, tags=["TMF666 Account Management"])


@cache
def bill_cycles() -> tuple[dict[str, Any], ...]:
    """Accord's bill cycles: monthly, on a bill day from 1 to 28 (an agreement's billCycle)."""
    return tuple(
        {
            "id": f"monthly-{day}",
            "href": href(ACCOUNT_API, "billingCycleSpecification", f"monthly-{day}"),
            "name": f"Monthly, bill day {day}",
            "description": f"Billed monthly; each bill period starts on day {day} of the month",
            "frequency": "monthly",
            "billingPeriod": "month",
            "@type": "BillingCycleSpecification",
        }
        for day in range(1, 29)
    )


BILL_DELIVERIES = {
    "electronic": "Bills sent electronically (e-mail and self-service)",
    "paper": "Bills printed and posted to the billing address",
}


@cache
def bill_presentation_media() -> tuple[dict[str, Any], ...]:
    """Accord's bill deliveries (an agreement's billDelivery)."""
    return tuple(
        {
            "id": medium,
            "href": href(ACCOUNT_API, "billPresentationMedia", medium),
            "name": medium,
            "description": description,
            "@type": "BillPresentationMedia",
        }
        for medium, description in BILL_DELIVERIES.items()
    )


DOCUMENTS = (
    DocumentResource(ACCOUNT_API, "billFormat", "BillFormat"),
    DocumentResource(ACCOUNT_API, "partyAccount", "PartyAccount", required=("name", "relatedParty")),
    DocumentResource(ACCOUNT_API, "billingCycleSpecification", "BillingCycleSpecification", fixed=bill_cycles),
    DocumentResource(ACCOUNT_API, "financialAccount", "FinancialAccount"),
    DocumentResource(
        ACCOUNT_API, "billPresentationMedia", "BillPresentationMedia", fixed=bill_presentation_media, writable=False
    ),
    DocumentResource(ACCOUNT_API, "settlementAccount", "SettlementAccount", required=("name", "relatedParty")),
)
for resource in DOCUMENTS:
    add_document_routes(router, resource)


# --- billingAccount: Accord's agreements --------------------------------------------------------------

KIND = "billingAccount"  # tmf_documents kind of an agreement's TMF-only attributes
ACCOUNT_FILTERS = ("id", "name", "state", "relatedParty.id")
account_name = func.coalesce(TmfDocument.body["name"].astext, Agreement.agreement_number)
ACCOUNTS = (
    select(Agreement, Customer.kind, Customer.given_name, Customer.family_name, Customer.trading_name)
    .add_columns(Customer.customer_number, TmfDocument.body.label("extension"))
    .join(Customer, Customer.id == Agreement.customer_id)
    .outerjoin(TmfDocument, (TmfDocument.kind == KIND) & (TmfDocument.id == cast(Agreement.id, String)))
)


def as_account(row: Any) -> dict[str, Any]:
    name = mapping.customer_name(row.kind, row.given_name, row.family_name, row.trading_name, row.customer_number)
    return mapping.billing_account(row.Agreement, extension=row.extension or {}, customer_name=name)


def account_conditions(filters: dict[str, list[str]]) -> list[Any]:
    where = []
    for name, values in filters.items():
        if name == "id":
            where.append(Agreement.id.in_(uuids(values)))
        elif name == "relatedParty.id":
            where.append(Agreement.customer_id.in_(uuids(values)))
        elif name == "name":
            where.append(account_name.in_(values))
        else:
            where.append(Agreement.status.in_(mapping.from_tmf_status(mapping.AGREEMENT_STATE, values)))
    return where


async def read_account(session: AsyncSession, account_id: str) -> tuple[dict[str, Any], int]:
    found = uuids([account_id])
    row = (
        (
            await session.execute(ACCOUNTS.where(Agreement.id == found[0]).execution_options(populate_existing=True))
        ).one_or_none()
        if found
        else None
    )
    if row is None:
        raise NotFound(f"no billingAccount {account_id}")
    return as_account(row), row.Agreement.version


@router.get("/billingAccount")
async def list_billing_accounts(query: ListQueryDep, session: SessionDep) -> Response:
    """Agreements as billing accounts, oldest first. Filters: id, name, state (Active, Suspended,
    Closed), relatedParty.id (the customer)."""
    where = account_conditions(query.filters(ACCOUNT_FILTERS))
    rows = await session.execute(
        ACCOUNTS.where(*where).order_by(Agreement.created_at, Agreement.id).offset(query.offset).limit(query.limit)
    )
    total = await session.scalar(
        select(func.count())
        .select_from(Agreement)
        .outerjoin(TmfDocument, (TmfDocument.kind == KIND) & (TmfDocument.id == cast(Agreement.id, String)))
        .where(*where)
    )
    return list_response([as_account(row) for row in rows], total=total or 0, query=query)


@router.get("/billingAccount/{billingAccountId}")
async def get_billing_account(
    account_id: Annotated[str, Path(alias="billingAccountId")], fields: FieldsDep, session: SessionDep
) -> Response:
    account, version = await read_account(session, account_id)
    return tmf_response(select_fields(account, fields), etag=version)


async def account_holder(session: AsyncSession, principal: Principal, parties: list[dict[str, Any]]) -> uuid.UUID:
    """The Accord customer a new billing account belongs to: the first related party that is an Accord
    customer (by id); otherwise the first party, found or created as a prospect customer whose external
    reference is `tmf:<@referredType>:<id>` (so the same party reference always gives the same customer)."""
    for party in parties:
        for customer_id in uuids([str(party["id"])]):
            if await session.scalar(select(Customer.id).where(Customer.id == customer_id)) is not None:
                return customer_id
    party = parties[0]
    external_ref = f"tmf:{party['@referredType']}:{party['id']}"[:100]
    existing = await session.scalar(select(Customer.id).where(Customer.external_ref == external_ref))
    if existing is not None:
        return existing
    kind = mapping.customer_kind(party)
    names = mapping.accord_names(kind, str(party.get("name") or party["id"]))
    try:
        data = CustomerCreate.model_validate({"type": kind, **names, "externalRef": external_ref})
    except ValidationError as exc:
        raise InvalidInput("the related party cannot be a customer", [FieldError("relatedParty[0]", str(exc))]) from exc
    try:
        return (await customers.create_customer(session, principal, data)).id
    except Conflict:  # created meanwhile by a concurrent request for the same party
        created = await session.scalar(select(Customer.id).where(Customer.external_ref == external_ref))
        assert created is not None
        return created


@router.post("/billingAccount", status_code=201)
async def create_billing_account(
    request: Request, session: SessionDep, principal: PrincipalDep, settings: SettingsDep
) -> Response:
    """A new agreement for the related party's customer (see account_holder), with the terms the body
    names (creditLimit, billStructure, defaultPaymentMethod) and documented defaults for the others."""
    body = await read_json_object(request)
    errors = missing_required(body, ("name", "relatedParty"))
    if errors:
        raise InvalidInput("invalid billingAccount", errors)
    customer_id = await account_holder(session, principal, body["relatedParty"])
    try:
        terms = NewAgreement.model_validate(mapping.agreement_terms(body, settings.default_currency))
    except ValidationError as exc:
        raise InvalidInput(
            "invalid billingAccount", [FieldError(tmf_account_field(e), e.detail) for e in field_errors(exc)]
        ) from exc
    agreement = await agreements.create_agreement(session, principal, customer_id, terms)
    await save_account_extension(session, principal, agreement, account_extension(body))
    account, version = await read_account(session, str(agreement.id))
    return tmf_response(account, status_code=201, etag=version, headers={"Location": account["href"]})


@router.patch("/billingAccount/{billingAccountId}")
async def patch_billing_account(
    account_id: Annotated[str, Path(alias="billingAccountId")],
    request: Request,
    session: SessionDep,
    principal: PrincipalDep,
    if_match: IfMatchDep,
) -> Response:
    """JSON Merge Patch of the TMF BillingAccount. state (with `stateReason`, the reason code of that
    action), creditLimit, billStructure (a monthly-N cycle, a presentation medium) and
    defaultPaymentMethod change the agreement through its rules; other attributes are kept as sent."""
    patch = await read_json_object(request)
    current, _ = await read_account(session, account_id)
    agreement = await lock(session, Agreement, uuid.UUID(current["id"]), what="agreement", if_match=if_match)
    for name in ("id", "href"):
        if name in patch and patch[name] != current[name]:
            raise InvalidInput(f"the {name} cannot change", [FieldError(name, "assigned by the server")])
    merged = merge_patch(current, patch)
    errors = missing_required(merged, ("name",))
    if errors:
        raise InvalidInput("invalid billingAccount", errors)
    changed = {k: merged.get(k) for k in merged.keys() | current.keys() if merged.get(k) != current.get(k)}
    accord_patch = mapping.agreement_patch(changed, agreement.currency)
    if accord_patch:
        try:
            await agreements.update_agreement(
                session,
                principal,
                agreement.id,
                accord_patch,
                status_reason=merged.get("stateReason") if "status" in accord_patch else None,
            )
        except InvalidInput as exc:
            raise InvalidInput(exc.detail, [FieldError(tmf_account_field(e), e.detail) for e in exc.errors]) from exc
    extension = account_extension({k: v for k, v in merged.items() if k != "relatedParty"})
    stored = (await tmf_documents.extensions(session, kind=KIND, ids=[agreement.id])).get(str(agreement.id), {})
    extension["relatedParty"] = patch.get("relatedParty", stored.get("relatedParty", []))
    await save_account_extension(session, principal, agreement, extension)
    account, version = await read_account(session, account_id)
    return tmf_response(account, etag=version)


def account_extension(body: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in body.items() if k not in mapping.ACCOUNT_MAPPED and k != "stateReason"}


async def save_account_extension(
    session: AsyncSession, principal: Principal, agreement: Agreement, body: dict[str, Any]
) -> None:
    changes = await tmf_documents.save_extension(
        session, kind=KIND, resource_id=agreement.id, body=body, principal=principal
    )
    if changes:
        await record(
            session,
            principal,
            [Change("agreement", agreement.id, "updated", customer_id=agreement.customer_id, changes=changes)],
        )


ACCOUNT_FIELDS = {
    "currency": "creditLimit.unit",
    "creditLimit": "creditLimit",
    "billCycle": "billStructure.cycleSpecification",
    "billDelivery": "billStructure.presentationMedia",
    "paymentMethod": "defaultPaymentMethod",
    "status": "state",
    "statusReason": "stateReason",
}


def tmf_account_field(error: FieldError) -> str:
    head = error.field.split(".", 1)[0].split("[", 1)[0]
    return ACCOUNT_FIELDS.get(head, error.field)
