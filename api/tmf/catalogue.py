"""TMF620 Product Catalog Management over Accord's versioned catalogue (services/catalogue.py and its
change sets): productSpecification, productOffering, productOfferingPrice, category (read and write)
and catalog (read-only: Accord has one catalogue, in versions).

Reads show the live catalogue (its latest published version) and, after it, what open change sets
would add (lifecycleStatus "In design"). Writes never touch the live catalogue: a POST adds the entity
to a new draft change set of its own, a PATCH or DELETE of such a draft edits or withdraws it there,
and a PATCH or DELETE of a live entity opens a change set (modify / retire) and answers 202 Accepted;
each change set then goes through validation, approval by a second person and publishing."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request, Response
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from temporalio.client import Client

from accord.config import Settings
from accord.errors import FieldError, InvalidInput, NotFound
from accord.models.catalogue import CatalogueChangeItem, CatalogueChangeSet, CatalogueVersion
from accord.principal import Principal
from accord.rules.catalogue import wire
from accord.rules.merge_patch import merge_patch
from accord.schemas.catalogue import ChangeSetCreate, ItemCreate
from accord.services import catalogue, catalogue_changes
from accord.tmf import catalogue as tmf
from accord.tmf.conventions import date_time, matches, missing_required, select_fields
from api.deps import PrincipalDep, SessionDep, SettingsDep, TemporalDep
from api.tmf.common import FieldsDep, ListQueryDep, list_response, read_json_object, tmf_response

router = APIRouter(prefix=tmf.PRODUCT_CATALOG_API, tags=["TMF620 Product Catalog Management"])

# Change sets whose additions the facade shows "In design" (not yet published, not given up).
OPEN = ("draft", "validating", "awaitingApproval", "scheduled", "publishing")
CATALOG_ID = "accord"


@dataclass
class View:
    """The catalogue as the facade sees it: live entries, then pending additions, by resource."""

    entries: dict[str, list[tmf.Entry]]
    version: int | None

    def find(self, resource: str, code: str) -> tmf.Entry | None:
        return next((e for e in self.entries[resource] if e.code == code), None)

    def names(self) -> dict[tuple[str, str], str]:
        return {(r, e.code): str(e.definition.get("name") or e.code) for r, es in self.entries.items() for e in es}


async def read_view(session: AsyncSession) -> View:
    try:
        number, live = await catalogue.catalogue_as_of(session)
    except NotFound:
        number, live = None, None
    entries: dict[str, list[tmf.Entry]] = {r: [] for r in tmf.RESOURCES}
    if live is not None and number is not None:
        since = await introduced(session)
        for resource, entity_type in tmf.RESOURCES.items():
            for code, definition in sorted(live.of(entity_type).items()):
                version, effective_at = since[(entity_type, code)]
                entries[resource].append(tmf.Entry(resource, wire(definition), effective_at, version=version))
    pending = await session.execute(
        select(CatalogueChangeItem, CatalogueChangeSet.updated_at)
        .join(CatalogueChangeSet, CatalogueChangeSet.id == CatalogueChangeItem.change_set_id)
        .where(CatalogueChangeItem.action == "add", CatalogueChangeSet.status.in_(OPEN))
        .order_by(CatalogueChangeSet.created_at, CatalogueChangeItem.position)
    )
    for item, updated_at in pending:
        resource = next(r for r, t in tmf.RESOURCES.items() if t == item.entity_type)
        if any(e.code == item.code for e in entries[resource]):
            continue
        definition = {**item.data, "code": item.code}
        entries[resource].append(
            tmf.Entry(resource, definition, updated_at, pending=True, change_set_id=item.change_set_id)
        )
    return View(entries, number)


async def introduced(session: AsyncSession) -> dict[tuple[str, str], tuple[int, datetime]]:
    """(entity type, code) → the version its live row came with, and when that version took effect:
    a live entity's lastUpdate."""
    found: dict[tuple[str, str], tuple[int, datetime]] = {}
    for entity_type, model in catalogue.TABLES.items():
        rows = await session.execute(
            select(model.code, model.from_version, CatalogueVersion.effective_at)
            .join(CatalogueVersion, CatalogueVersion.number == model.from_version)
            .where(model.to_version.is_(None))
        )
        for code, version, effective_at in rows:
            found[(entity_type, code)] = (version, effective_at)
    return found


def render(view: View, entry: tmf.Entry, settings: Settings) -> dict[str, Any]:
    names = view.names()
    if entry.resource == "productOffering":
        prices = [
            (p.code, str(p.definition.get("name") or p.code))
            for p in view.entries["productOfferingPrice"]
            if p.definition.get("offeringCode") == entry.code
        ]
        return tmf.offering(entry, timezone=settings.timezone, names=names, prices=prices)
    if entry.resource == "productOfferingPrice":
        offering_code = entry.definition.get("offeringCode")
        return tmf.price(
            entry, timezone=settings.timezone, offering_name=names.get(("productOffering", str(offering_code)))
        )
    if entry.resource == "productSpecification":
        return tmf.specification(entry)
    children = [
        (c.code, str(c.definition.get("name")))
        for c in view.entries["category"]
        if c.definition.get("parentCode") == entry.code
    ]
    offerings = [
        (o.code, str(o.definition.get("name")))
        for o in view.entries["productOffering"]
        if o.definition.get("categoryCode") == entry.code
    ]
    return tmf.category(entry, children=children, offerings=offerings)


# --- Writes: change sets.


NEW_DEFAULTS: dict[str, dict[str, Any]] = {
    # TMF has no kind or family: a TMF-made offering is an access offering of family "general" until
    # changed through Accord's API; its status is in design until a change set makes it active.
    "productOffering": {"kind": "access", "family": "general", "status": "inDesign"},
    # A TMF price stands alone and may come without an amount; an Accord price belongs to an offering.
    # Until the client names both (`productOffering`, `price`), the draft holds placeholders that the
    # change set's validation refuses ("no offering tmf-unattached"), so it cannot be published so.
    "productOfferingPrice": {"offeringCode": "tmf-unattached", "amount": "0"},
    "productSpecification": {},
    "category": {},
}


@dataclass(frozen=True)
class Writer:
    """Catalogue writes through change sets (services/catalogue_changes.py), never on the live catalogue."""

    session: AsyncSession
    client: Client
    principal: Principal
    settings: Settings

    async def open(self, title: str) -> uuid.UUID:
        change_set = await catalogue_changes.create_change_set(
            self.session,
            self.client,
            ChangeSetCreate(title=title[:200]),
            principal=self.principal,
            task_queue=self.settings.task_queue,
        )
        return change_set.id

    async def add(
        self, change_set_id: uuid.UUID, entity_type: str, action: str, code: str, data: dict[str, Any]
    ) -> None:
        item = ItemCreate.model_validate({"entityType": entity_type, "action": action, "code": code, "data": data})
        await catalogue_changes.add_item(self.session, change_set_id, item, principal=self.principal)

    async def item_id(self, change_set_id: uuid.UUID, entity_type: str, code: str) -> uuid.UUID:
        found = await self.session.scalar(
            select(CatalogueChangeItem.id).where(
                CatalogueChangeItem.change_set_id == change_set_id,
                CatalogueChangeItem.entity_type == entity_type,
                CatalogueChangeItem.code == code,
            )
        )
        if found is None:
            raise NotFound(f"no {entity_type} {code} in change set {change_set_id}")
        return found

    async def patch(self, change_set_id: uuid.UUID, entity_type: str, code: str, data_patch: dict[str, Any]) -> None:
        item_id = await self.item_id(change_set_id, entity_type, code)
        await catalogue_changes.patch_item(
            self.session, change_set_id, item_id, {"data": data_patch}, principal=self.principal
        )

    async def withdraw(self, change_set_id: uuid.UUID, entity_type: str, code: str) -> None:
        item_id = await self.item_id(change_set_id, entity_type, code)
        await catalogue_changes.delete_item(self.session, change_set_id, item_id, principal=self.principal)

    async def specification_ref(self, view: View, change_set_id: uuid.UUID, body: dict[str, Any]) -> dict[str, Any]:
        """An offering's productSpecification: one Accord has (live or in design) is linked by its code;
        one it does not know is added to the same change set as a new specification (its id as the
        code, its name), as TMF666 finds or creates an unknown party."""
        if "productSpecification" not in body:
            return {}
        ref = body["productSpecification"]
        if ref is None:
            return {"specificationCode": None}
        if not isinstance(ref, dict) or not isinstance(ref.get("id"), str) or not ref["id"].strip():
            raise InvalidInput(
                "invalid productSpecification", [FieldError("productSpecification", "a reference with an id")]
            )
        code = ref["id"].strip()
        if view.find("productSpecification", code) is None:
            name = ref["name"] if isinstance(ref.get("name"), str) and ref["name"].strip() else code
            try:
                await self.add(change_set_id, "specification", "add", code, {"name": name})
            except InvalidInput as exc:
                raise InvalidInput(
                    "the productSpecification cannot be added",
                    [FieldError("productSpecification.id", e.detail) for e in exc.errors],
                ) from exc
        return {"specificationCode": code}


def fields_of(resource: str, body: dict[str, Any], settings: Settings) -> dict[str, Any]:
    if resource == "productOffering":
        return tmf.offering_fields(body, settings.timezone)
    if resource == "productOfferingPrice":
        fields = tmf.price_fields(body, settings.timezone)
        if fields.get("priceType") in ("oneOff", "usage") and "period" not in fields:
            fields["period"] = None
        return fields
    if resource == "productSpecification":
        return tmf.specification_fields(body)
    return tmf.category_fields(body)


def new_data(resource: str, fields: dict[str, Any], settings: Settings) -> dict[str, Any]:
    data = {**NEW_DEFAULTS[resource], **fields}
    if resource == "productOfferingPrice":
        data.setdefault("currency", settings.default_currency)
        if data.get("priceType", "recurring") == "recurring":
            data.setdefault("period", "month")  # Accord's bill period
        data.setdefault("priceType", "recurring")
    return {k: v for k, v in data.items() if v is not None}


def add_routes(resource: str) -> None:
    path = f"/{resource}"
    entity_type = tmf.RESOURCES[resource]

    async def list_resources(query: ListQueryDep, session: SessionDep, settings: SettingsDep) -> Response:
        filters = query.filters(None)
        filters = {name: tmf.filter_values(resource, name, values) for name, values in filters.items()}
        view = await read_view(session)
        items = [r for r in (render(view, e, settings) for e in view.entries[resource]) if matches(r, filters)]
        return list_response(items[query.offset : query.offset + query.limit], total=len(items), query=query)

    async def get_resource(
        resource_id: Annotated[str, Path(alias="id")], fields: FieldsDep, session: SessionDep, settings: SettingsDep
    ) -> Response:
        view = await read_view(session)
        entry = view.find(resource, resource_id)
        if entry is None:
            raise NotFound(f"no {resource} {resource_id}")
        return tmf_response(select_fields(render(view, entry, settings), fields))

    async def create_resource(
        request: Request, session: SessionDep, client: TemporalDep, principal: PrincipalDep, settings: SettingsDep
    ) -> Response:
        """A new entity, in a draft change set of its own (lifecycleStatus In design)."""
        body = await read_json_object(request)
        errors = missing_required(body, ("name",))
        if errors:
            raise InvalidInput(f"invalid {resource}", errors)
        writer = Writer(session, client, principal, settings)
        data = new_data(resource, fields_of(resource, body, settings), settings)
        code = tmf.new_code(str(body["name"]))
        view = await read_view(session)
        change_set_id = await writer.open(f"TMF620: new {resource} {body['name']}")
        if resource == "productOffering":
            data |= await writer.specification_ref(view, change_set_id, body)
        await writer.add(change_set_id, entity_type, "add", code, data)
        view = await read_view(session)
        entry = view.find(resource, code)
        assert entry is not None
        rendered = render(view, entry, settings)
        return tmf_response(rendered, status_code=201, headers={"Location": rendered["href"]})

    async def patch_resource(
        resource_id: Annotated[str, Path(alias="id")],
        request: Request,
        session: SessionDep,
        client: TemporalDep,
        principal: PrincipalDep,
        settings: SettingsDep,
    ) -> Response:
        """JSON Merge Patch. An entity in design is edited in its draft change set (200); a live one
        gets a new change set that modifies it (202 Accepted, with the resource as it will read)."""
        patch = await read_json_object(request)
        view = await read_view(session)
        entry = view.find(resource, resource_id)
        if entry is None:
            raise NotFound(f"no {resource} {resource_id}")
        current = render(view, entry, settings)
        for name in ("id", "href"):
            if name in patch and patch[name] != current[name]:
                raise InvalidInput(f"the {name} cannot change", [FieldError(name, "assigned by the server")])
        writer = Writer(session, client, principal, settings)
        fields = fields_of(resource, patch, settings)
        if entry.pending:
            assert entry.change_set_id is not None
            change_set_id = uuid.UUID(str(entry.change_set_id))
            if resource == "productOffering":
                fields |= await writer.specification_ref(view, change_set_id, patch)
            await writer.patch(change_set_id, entity_type, entry.code, fields)
            view = await read_view(session)
            updated = view.find(resource, entry.code)
            assert updated is not None
            return tmf_response(render(view, updated, settings))
        change_set_id = await writer.open(f"TMF620: change {resource} {entry.code}")
        if resource == "productOffering":
            fields |= await writer.specification_ref(view, change_set_id, patch)
        await writer.add(change_set_id, entity_type, "modify", entry.code, fields)
        future = replace(entry, definition=merge_patch(dict(entry.definition), fields))
        return tmf_response(
            render(view, future, settings),
            status_code=202,
            headers={"Location": f"/api/v1/catalogue/change-sets/{change_set_id}"},
        )

    async def delete_resource(
        resource_id: Annotated[str, Path(alias="id")],
        session: SessionDep,
        client: TemporalDep,
        principal: PrincipalDep,
        settings: SettingsDep,
    ) -> Response:
        """An entity in design is withdrawn from its draft change set (204); a live one is retired by a
        new change set (202 Accepted)."""
        view = await read_view(session)
        entry = view.find(resource, resource_id)
        if entry is None:
            raise NotFound(f"no {resource} {resource_id}")
        writer = Writer(session, client, principal, settings)
        if entry.pending:
            assert entry.change_set_id is not None
            await writer.withdraw(uuid.UUID(str(entry.change_set_id)), entity_type, entry.code)
            return Response(status_code=204)
        change_set_id = await writer.open(f"TMF620: retire {resource} {entry.code}")
        await writer.add(change_set_id, entity_type, "retire", entry.code, {})
        return Response(status_code=202, headers={"Location": f"/api/v1/catalogue/change-sets/{change_set_id}"})

    router.add_api_route(path, list_resources, methods=["GET"], name=f"list {resource}")
    router.add_api_route(path + "/{id}", get_resource, methods=["GET"], name=f"get {resource}")
    router.add_api_route(path, create_resource, methods=["POST"], status_code=201, name=f"create {resource}")
    router.add_api_route(path + "/{id}", patch_resource, methods=["PATCH"], name=f"patch {resource}")
    router.add_api_route(
        path + "/{id}", delete_resource, methods=["DELETE"], status_code=204, name=f"delete {resource}"
    )


for _resource in tmf.RESOURCES:
    add_routes(_resource)


# --- catalog: Accord's one catalogue, read-only (its versions are published by change sets).


def catalog(view: View, latest: CatalogueVersion | None) -> dict[str, Any]:
    roots = [e for e in view.entries["category"] if not e.pending and e.definition.get("parentCode") is None]
    return {
        "id": CATALOG_ID,
        "href": tmf.resource_href("catalog", CATALOG_ID),
        "name": "Accord product catalogue",
        "description": "The live catalogue: its latest published version",
        "catalogType": "productCatalog",
        "lastUpdate": date_time(latest.effective_at) if latest else None,
        "lifecycleStatus": "Active" if latest else tmf.IN_DESIGN,
        "version": str(latest.number) if latest else None,
        "category": [tmf.catalog_ref("category", e.code, str(e.definition.get("name"))) for e in roots],
        "@type": "Catalog",
    }


@router.get("/catalog")
async def list_catalogs(query: ListQueryDep, session: SessionDep) -> Response:
    view = await read_view(session)
    items = [c for c in [catalog(view, await catalogue.latest_version(session))] if matches(c, query.filters(None))]
    return list_response(items[query.offset : query.offset + query.limit], total=len(items), query=query)


@router.get("/catalog/{catalogId}")
async def get_catalog(
    catalog_id: Annotated[str, Path(alias="catalogId")], fields: FieldsDep, session: SessionDep
) -> Response:
    if catalog_id != CATALOG_ID:
        raise NotFound(f"no catalog {catalog_id}")
    view = await read_view(session)
    return tmf_response(select_fields(catalog(view, await catalogue.latest_version(session)), fields))
