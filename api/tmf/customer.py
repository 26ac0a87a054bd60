"""TMF629 Customer Management: Accord's customers as TMF Customers, through the customer services
(the same validation, lifecycle, audit trail and events as /api/v1/customers)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request, Response
from pydantic import ValidationError
from sqlalchemy import String, and_, case, cast, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from accord.errors import FieldError, InvalidInput, NotFound, field_errors
from accord.models import Agreement, Customer, TmfDocument
from accord.principal import Principal
from accord.rules.merge_patch import merge_patch
from accord.rules.preconditions import ANY_VERSION
from accord.schemas.customers import CustomerCreate
from accord.services import customers, tmf_documents
from accord.services.audit import Change, record
from accord.services.locking import lock
from accord.tmf import mapping
from accord.tmf.conventions import CUSTOMER_API, related_party_errors, select_fields
from api.deps import IfMatchDep, PrincipalDep, SessionDep
from api.tmf.common import FieldsDep, ListQueryDep, list_response, read_json_object, tmf_response
from api.tmf.product import uuids

router = APIRouter(prefix=CUSTOMER_API, tags=["TMF629 Customer Management"])

FILTERS = ("id", "name", "status")
KIND = "customer"  # tmf_documents kind of a customer's TMF-only attributes

# The TMF name, as SQL (exact match): an organisation's trading name, an individual's names.
tmf_name = case(
    (and_(Customer.kind == "organisation", Customer.trading_name.is_not(None)), Customer.trading_name),
    else_=func.nullif(func.concat_ws(" ", Customer.given_name, Customer.family_name), ""),
)
agreement_name = func.coalesce(TmfDocument.body["name"].astext, Agreement.agreement_number)


async def render(session: AsyncSession, rows: list[Customer]) -> list[dict[str, Any]]:
    """Customers as TMF Customers: with their agreements as account refs and their TMF-only attributes."""
    ids = [c.id for c in rows]
    accounts: dict[uuid.UUID, list[dict[str, Any]]] = {i: [] for i in ids}
    if ids:
        found = await session.execute(
            select(Agreement.id, Agreement.customer_id, agreement_name.label("name"))
            .outerjoin(
                TmfDocument, (TmfDocument.kind == "billingAccount") & (TmfDocument.id == cast(Agreement.id, String))
            )
            .where(Agreement.customer_id.in_(ids))
            .order_by(Agreement.created_at, Agreement.id)
        )
        for a in found:
            accounts[a.customer_id].append(mapping.billing_account_ref(a.id, a.name))
    extensions = await tmf_documents.extensions(session, kind=KIND, ids=ids)
    return [mapping.customer(c, extension=extensions.get(str(c.id), {}), accounts=accounts[c.id]) for c in rows]


async def read_one(session: AsyncSession, customer_id: str) -> Customer:
    found = uuids([customer_id])
    customer = await session.get(Customer, found[0], populate_existing=True) if found else None
    if customer is None:
        raise NotFound(f"no customer {customer_id}")
    return customer


@router.get("/customer")
async def list_customers(query: ListQueryDep, session: SessionDep) -> Response:
    """Customers, oldest first (ties by id). Filters: id, name (exact: trading name, or given and family
    names), status (Initialized, Approved, Suspended, Closed)."""
    where = []
    for name, values in query.filters(FILTERS).items():
        if name == "id":
            where.append(Customer.id.in_(uuids(values)))
        elif name == "name":
            where.append(tmf_name.in_(values))
        else:
            where.append(Customer.status.in_(mapping.from_tmf_status(mapping.CUSTOMER_STATUS, values)))
    rows = list(
        await session.scalars(
            select(Customer)
            .where(*where)
            .order_by(Customer.created_at, Customer.id)
            .offset(query.offset)
            .limit(query.limit)
        )
    )
    total = await session.scalar(select(func.count()).select_from(Customer).where(*where)) or 0
    return list_response(await render(session, rows), total=total, query=query)


@router.get("/customer/{customerId}")
async def get_customer(
    customer_id: Annotated[str, Path(alias="customerId")], fields: FieldsDep, session: SessionDep
) -> Response:
    customer = await read_one(session, customer_id)
    (resource,) = await render(session, [customer])
    return tmf_response(select_fields(resource, fields), etag=customer.version)


def extension_of(body: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in body.items() if k not in mapping.CUSTOMER_MAPPED}


def accord_fields(kind: str, body: dict[str, Any]) -> dict[str, Any]:
    """The Accord customer fields a TMF Customer body sets (those it carries)."""
    fields: dict[str, Any] = {}
    if "name" in body:
        fields |= mapping.accord_names(kind, body["name"])
    if "contactMedium" in body:
        fields |= mapping.accord_contacts(body["contactMedium"])
    if "characteristic" in body:
        fields["characteristics"] = mapping.accord_characteristics(body["characteristic"])
    return fields


def check_name(body: dict[str, Any]) -> None:
    if "name" in body and (not isinstance(body["name"], str) or not body["name"].strip()):
        raise InvalidInput("invalid customer", [FieldError("name", "required, a non-empty string")])


@router.post("/customer", status_code=201)
async def create_customer(request: Request, session: SessionDep, principal: PrincipalDep) -> Response:
    """A new customer: an organisation when engagedParty refers to an Organization, else an individual
    (the name's last word as family name); a prospect ("Initialized") unless status is "Approved".
    The engagedParty reference is kept as sent, whether or not Accord knows that party."""
    body = await read_json_object(request)
    errors = related_party_errors([body.get("engagedParty")], field="engagedParty", need_name=False)
    errors = [FieldError("engagedParty" + e.field.removeprefix("engagedParty[0]"), e.detail) for e in errors]
    if "name" not in body:
        errors.append(FieldError("name", "required, a non-empty string"))
    if errors:
        raise InvalidInput("invalid customer", errors)
    check_name(body)
    kind = mapping.customer_kind(body["engagedParty"])
    status = mapping.from_tmf_status(mapping.CUSTOMER_STATUS, [str(body.get("status", "Initialized"))])[0]
    try:
        data = CustomerCreate.model_validate(
            {"type": kind, **accord_fields(kind, body), "status": status, "reasonCode": body.get("statusReason")}
        )
    except ValidationError as exc:
        raise InvalidInput("invalid customer", tmf_field_errors(exc)) from exc
    customer = await customers.create_customer(session, principal, data)
    await save_extension(session, principal, customer.id, extension_of(body))
    (resource,) = await render(session, [customer])
    return tmf_response(resource, status_code=201, etag=customer.version, headers={"Location": resource["href"]})


@router.patch("/customer/{customerId}")
async def patch_customer(
    customer_id: Annotated[str, Path(alias="customerId")],
    request: Request,
    session: SessionDep,
    principal: PrincipalDep,
    if_match: IfMatchDep,
) -> Response:
    """JSON Merge Patch of the TMF Customer (application/merge-patch+json or application/json). name,
    contactMedium and characteristic change the Accord customer; status moves it along its lifecycle
    (statusReason is that action's reason code); other attributes are kept as sent."""
    patch = await read_json_object(request)
    check_name(patch)
    found = await read_one(session, customer_id)
    customer = await lock(session, Customer, found.id, what="customer", if_match=if_match)
    (current,) = await render(session, [customer])
    for name in ("id", "href"):
        if name in patch and patch[name] != current[name]:
            raise InvalidInput(f"the {name} cannot change", [FieldError(name, "assigned by the server")])
    merged = merge_patch(current, patch)
    changed = {k: v for k, v in merged.items() if current.get(k) != v}
    accord_patch = accord_fields(customer.kind, {k: merged.get(k, []) for k in changed})
    if accord_patch:
        try:
            await customers.update_customer(session, principal, customer.id, accord_patch, if_match=ANY_VERSION)
        except InvalidInput as exc:
            raise InvalidInput(exc.detail, [tmf_field(e) for e in exc.errors]) from exc
    if "status" in changed:
        wanted = mapping.from_tmf_status(mapping.CUSTOMER_STATUS, [str(merged.get("status"))])[0]
        action = mapping.customer_action(customer.status, wanted)
        if action not in mapping.CUSTOMER_ACTIONS:
            raise InvalidInput(
                "unknown status", [FieldError("status", f"one of {sorted(mapping.CUSTOMER_STATUS.values())}")]
            )
        await customers.change_status(
            session, principal, customer.id, action, merged.get("statusReason"), if_match=ANY_VERSION
        )
    await save_extension(session, principal, customer.id, extension_of(merged))
    customer = await read_one(session, customer_id)
    (resource,) = await render(session, [customer])
    return tmf_response(resource, etag=customer.version)


async def save_extension(
    session: AsyncSession, principal: Principal, customer_id: uuid.UUID, body: dict[str, Any]
) -> None:
    changes = await tmf_documents.save_extension(
        session, kind=KIND, resource_id=customer_id, body=body, principal=principal
    )
    if changes:
        await record(
            session, principal, [Change("customer", customer_id, "updated", customer_id=customer_id, changes=changes)]
        )


# Accord's field names → the TMF attribute a client wrote.
TMF_FIELDS = {
    "givenName": "name",
    "familyName": "name",
    "tradingName": "name",
    "emails": "contactMedium",
    "phones": "contactMedium",
    "addresses": "contactMedium",
    "characteristics": "characteristic",
    "reasonCode": "statusReason",
    "status": "status",
}


def tmf_field(error: FieldError) -> FieldError:
    head = error.field.split(".", 1)[0].split("[", 1)[0]
    return FieldError(TMF_FIELDS.get(head, error.field), f"{error.field}: {error.detail}")


def tmf_field_errors(exc: ValidationError) -> list[FieldError]:
    return [tmf_field(e) for e in field_errors(exc)]
