"""The product catalogue: reads of any published version (`asOf`), the eligibility check, export
and import. Changes go through change sets (api/routes/catalogue_changes.py)."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Response
from pydantic import AwareDatetime

from accord.rules.catalogue import date_in
from accord.schemas.catalogue import (
    CatalogueDocument,
    CategoryView,
    ChangeSetView,
    EligibilityRequest,
    EligibilityView,
    ImportPreview,
    ImportRequest,
    OfferingView,
    PriceView,
    SpecificationDef,
    VersionView,
)
from accord.schemas.common import Page
from accord.services import catalogue, catalogue_changes
from api.deps import PrincipalDep, SessionDep, SettingsDep, TemporalDep
from api.paging import Offset
from api.responses import json_response

router = APIRouter(prefix="/api/v1/catalogue", tags=["catalogue"])

AsOf = Annotated[
    AwareDatetime | None,
    Query(alias="asOf", description="the catalogue as it was at this instant (default: the live catalogue)"),
]
Limit = Annotated[int, Query(ge=1, le=500)]


def _page(items: list[Any], limit: int, offset: int) -> dict[str, Any]:
    return {"items": items[offset : offset + limit], "total": len(items), "limit": limit, "offset": offset}


@router.get("/offerings", response_model=Page[OfferingView])
async def list_offerings(
    session: SessionDep,
    as_of: AsOf = None,
    name: Annotated[str | None, Query(description="a part of the name, any case")] = None,
    category: Annotated[str | None, Query(description="a category code (its subcategories included)")] = None,
    channel: str | None = None,
    segment: str | None = None,
    status: Literal["inDesign", "active", "retired"] | None = None,
    kind: Literal["access", "addon"] | None = None,
    family: str | None = None,
    valid_on: Annotated[date | None, Query(alias="validOn", description="on sale on this business date")] = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> Response:
    """Offerings of the catalogue, by kind then code."""
    number, cat = await catalogue.catalogue_as_of(session, as_of)
    filters = catalogue.OfferingFilters(name, category, channel, segment, status, kind, family, valid_on)
    on = as_of.date() if as_of else None
    views = [catalogue.offering_view(cat, o, number, on=on) for o in catalogue.matching_offerings(cat, filters)]
    return json_response(Page[OfferingView](**_page(views, limit, offset)))


@router.get("/offerings/{code}", response_model=OfferingView)
async def get_offering(code: str, session: SessionDep, as_of: AsOf = None) -> Response:
    number, cat = await catalogue.catalogue_as_of(session, as_of)
    offering = catalogue.one(cat.offerings, code, "offering")
    return json_response(catalogue.offering_view(cat, offering, number, on=as_of.date() if as_of else None))


@router.get("/offerings/{code}/prices", response_model=list[PriceView])
async def offering_prices(code: str, session: SessionDep, as_of: AsOf = None) -> list[PriceView]:
    number, cat = await catalogue.catalogue_as_of(session, as_of)
    catalogue.one(cat.offerings, code, "offering")
    return [PriceView(**p.model_dump(), catalogue_version=number) for p in cat.prices_of(code)]


@router.get("/bundles", response_model=Page[OfferingView])
async def list_bundles(session: SessionDep, as_of: AsOf = None, limit: Limit = 100, offset: Offset = 0) -> Response:
    """Offerings made of other offerings."""
    number, cat = await catalogue.catalogue_as_of(session, as_of)
    found = catalogue.matching_offerings(cat, catalogue.OfferingFilters(bundles_only=True))
    views = [catalogue.offering_view(cat, o, number) for o in found]
    return json_response(Page[OfferingView](**_page(views, limit, offset)))


@router.get("/prices", response_model=Page[PriceView])
async def list_prices(
    session: SessionDep,
    as_of: AsOf = None,
    offering_code: Annotated[str | None, Query(alias="offeringCode")] = None,
    currency: str | None = None,
    price_type: Annotated[Literal["oneOff", "recurring", "usage"] | None, Query(alias="priceType")] = None,
    valid_on: Annotated[date | None, Query(alias="validOn")] = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> Response:
    """Prices, by code."""
    number, cat = await catalogue.catalogue_as_of(session, as_of)
    prices = [
        PriceView(**p.model_dump(), catalogue_version=number)
        for p in catalogue.definitions(cat, "price")
        if (offering_code is None or p.offering_code == offering_code)
        and (currency is None or p.currency == currency)
        and (price_type is None or p.price_type == price_type)
        and (valid_on is None or date_in(valid_on, p.valid_from, p.valid_to))
    ]
    return json_response(Page[PriceView](**_page(prices, limit, offset)))


@router.get("/specifications", response_model=Page[SpecificationDef])
async def list_specifications(
    session: SessionDep,
    as_of: AsOf = None,
    name: str | None = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> Response:
    _, cat = await catalogue.catalogue_as_of(session, as_of)
    specs = [s for s in catalogue.definitions(cat, "specification") if not name or name.casefold() in s.name.casefold()]
    return json_response(Page[SpecificationDef](**_page(specs, limit, offset)))


@router.get("/specifications/{code}", response_model=SpecificationDef)
async def get_specification(code: str, session: SessionDep, as_of: AsOf = None) -> Response:
    _, cat = await catalogue.catalogue_as_of(session, as_of)
    return json_response(catalogue.one(cat.specifications, code, "product specification"))


@router.get("/categories", response_model=list[CategoryView])
async def list_categories(session: SessionDep, as_of: AsOf = None) -> list[CategoryView]:
    """The categories as a tree."""
    _, cat = await catalogue.catalogue_as_of(session, as_of)
    return catalogue.category_tree(cat)


@router.get("/categories/{code}", response_model=CategoryView)
async def get_category(code: str, session: SessionDep, as_of: AsOf = None) -> CategoryView:
    _, cat = await catalogue.catalogue_as_of(session, as_of)
    catalogue.one(cat.categories, code, "category")
    return next(c for c in _flatten(catalogue.category_tree(cat)) if c.code == code)


def _flatten(views: list[CategoryView]) -> list[CategoryView]:
    return [x for v in views for x in [v, *_flatten(v.children)]]


@router.get("/versions", response_model=Page[VersionView])
async def list_versions(session: SessionDep, limit: Limit = 100, offset: Offset = 0) -> Page[VersionView]:
    """Every published catalogue version, the latest first."""
    rows, total = await catalogue.list_versions(session, limit=limit, offset=offset)
    items = [VersionView.model_validate(r, from_attributes=True) for r in rows]
    return Page[VersionView](items=items, total=total, limit=limit, offset=offset)


@router.get("/versions/{number}", response_model=VersionView)
async def get_version(number: int, session: SessionDep) -> VersionView:
    return VersionView.model_validate(await catalogue.get_version(session, number), from_attributes=True)


@router.post("/eligibility", response_model=EligibilityView)
async def check_eligibility(
    request: EligibilityRequest, session: SessionDep, principal: PrincipalDep
) -> EligibilityView:
    """Can this customer buy that offering, and at what price — with the reasons when not."""
    return await catalogue.check_eligibility(session, request, principal)


@router.get("/export", response_model=CatalogueDocument)
async def export(
    session: SessionDep,
    as_of: AsOf = None,
    change_set_id: Annotated[uuid.UUID | None, Query(alias="changeSetId")] = None,
) -> Response:
    """The whole catalogue as of a time (default: live), or one change set, as a JSON file."""
    document, name = await catalogue_changes.export_document(session, as_of=as_of, change_set_id=change_set_id)
    response = json_response(document)
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@router.post("/import/preview", response_model=ImportPreview)
async def import_preview(document: CatalogueDocument, session: SessionDep) -> ImportPreview:
    """What importing this file would change here: a readable diff against the live catalogue, and
    what validation would find."""
    return await catalogue_changes.preview_import(session, document)


@router.post("/import", response_model=ChangeSetView, status_code=201)
async def import_catalogue(
    request: ImportRequest,
    session: SessionDep,
    principal: PrincipalDep,
    client: TemporalDep,
    settings: SettingsDep,
) -> Response:
    """Import a catalogue (or a change set) file as a new draft change set: it goes through the same
    validation, approval and scheduled publish as any other change."""
    change_set = await catalogue_changes.import_document(
        session, client, request, principal=principal, task_queue=settings.task_queue
    )
    view = await catalogue_changes.change_set_view(session, change_set)
    return json_response(view, etag=change_set.version, status_code=201)
