"""Business configuration over REST: /api/v1/config/<kind> for every kind of reference data, each with
the same operations (list, get, create, merge-patch, retire, delete)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Body, Path, Query, Response

from accord.models import ReferenceItem
from accord.rules.configuration import KINDS, Kind
from accord.schemas.configuration import NewReferenceItem, ReferenceItemList, ReferenceItemView
from accord.services import configuration
from api.deps import IfMatchDep, PrincipalDep, SessionDep
from api.paging import Limit, Offset
from api.responses import json_response

router = APIRouter(prefix="/api/v1/config", tags=["business configuration"])

Code = Annotated[str, Path(max_length=60)]
MERGE_PATCH = {
    "requestBody": {
        "content": {
            "application/merge-patch+json": {"schema": {"type": "object"}},
            "application/json": {"schema": {"type": "object"}},
        }
    }
}


def item_view(item: ReferenceItem) -> ReferenceItemView:
    return ReferenceItemView(
        id=item.id,
        href=f"/api/v1/config/{KINDS[item.kind].path}/{item.code}",
        kind=item.kind,
        code=item.code,
        name=item.name,
        description=item.description,
        status=item.status,
        valid_from=item.valid_from,
        valid_to=item.valid_to,
        attributes=item.attributes,
        created_at=item.created_at,
        updated_at=item.updated_at,
        created_by=item.created_by,
        updated_by=item.updated_by,
        version=item.version,
    )


def shown(item: ReferenceItem) -> dict[str, Any]:
    view: dict[str, Any] = item_view(item).model_dump(mode="json", by_alias=True)
    return view


def add_routes(kind: Kind) -> None:
    """The six operations for one kind, under /api/v1/config/<kind.path>."""
    path = f"/{kind.path}"
    what = kind.name

    async def list_items(
        session: SessionDep,
        status: Annotated[str | None, Query(pattern="^(active|retired)$")] = None,
        code: Annotated[str | None, Query(max_length=60, description="codes starting with this")] = None,
        region: Annotated[str | None, Query(max_length=10, description="tax rates of this region")] = None,
        action: Annotated[str | None, Query(max_length=40, description="reason codes for this action")] = None,
        valid_on: Annotated[date | None, Query(alias="validOn", description="in force on this day")] = None,
        limit: Limit = 50,
        offset: Offset = 0,
    ) -> ReferenceItemList:
        filters = configuration.Filters(status=status, code=code, region=region, action=action, valid_on=valid_on)
        rows, total = await configuration.list_items(session, kind, filters, limit=limit, offset=offset)
        return ReferenceItemList(items=[item_view(i) for i in rows], total=total, limit=limit, offset=offset)

    async def get_item(code: Code, session: SessionDep) -> Response:
        item = await configuration.get_item(session, kind, code)
        return json_response(item_view(item), etag=item.version)

    async def create_item(body: NewReferenceItem, session: SessionDep, principal: PrincipalDep) -> Response:
        item = await configuration.create_item(session, principal, kind, body)
        response = json_response(item_view(item), etag=item.version, status_code=201)
        response.headers["Location"] = f"/api/v1/config/{kind.path}/{item.code}"
        return response

    async def update_item(
        code: Code,
        session: SessionDep,
        principal: PrincipalDep,
        if_match: IfMatchDep,
        patch: Annotated[dict[str, Any], Body()],
    ) -> Response:
        item = await configuration.update_item(session, principal, kind, code, patch, if_match=if_match, view=shown)
        return json_response(item_view(item), etag=item.version)

    async def retire_item(code: Code, session: SessionDep, principal: PrincipalDep, if_match: IfMatchDep) -> Response:
        item = await configuration.retire_item(session, principal, kind, code, if_match=if_match, view=shown)
        return json_response(item_view(item), etag=item.version)

    async def delete_item(code: Code, session: SessionDep, principal: PrincipalDep, if_match: IfMatchDep) -> Response:
        await configuration.delete_item(session, principal, kind, code, if_match=if_match)
        return Response(status_code=204)

    in_use: dict[int | str, dict[str, Any]] = {409: {"description": "existing data depends on it: the reasons listed"}}
    stale: dict[int | str, dict[str, Any]] = {412: {"description": "If-Match is stale"}}
    router.add_api_route(
        path, list_items, methods=["GET"], response_model=ReferenceItemList, name=f"list {what}",
        summary=f"List {kind.path}", description=f"The {kind.path} in code order, with the total; filters combine.",
    )  # fmt: skip
    router.add_api_route(
        f"{path}/{{code}}", get_item, methods=["GET"], response_model=ReferenceItemView, name=f"get {what}",
        summary=f"Get a {what}", description="The item, with its ETag.",
    )  # fmt: skip
    router.add_api_route(
        path, create_item, methods=["POST"], status_code=201, response_model=ReferenceItemView,
        name=f"create {what}", summary=f"Create a {what}",
        description="201 with Location and ETag; 409 when the code exists; 422 naming each field at fault.",
        responses={409: {"description": "the code exists"}},
    )  # fmt: skip
    router.add_api_route(
        f"{path}/{{code}}", update_item, methods=["PATCH"], response_model=ReferenceItemView,
        name=f"update {what}", summary=f"Change a {what}",
        description="JSON Merge Patch onto the item as GET shows it (attributes merge field by field); "
        "`status: retired` retires it. If-Match → 412 when stale.",
        responses={**in_use, **stale}, openapi_extra=MERGE_PATCH,
    )  # fmt: skip
    router.add_api_route(
        f"{path}/{{code}}/retire", retire_item, methods=["POST"], response_model=ReferenceItemView,
        name=f"retire {what}", summary=f"Retire a {what}",
        description="No longer offered for new use; what already uses it keeps it. 409 while existing data "
        "depends on it in a way retiring would break.",
        responses={**in_use, **stale},
    )  # fmt: skip
    router.add_api_route(
        f"{path}/{{code}}", delete_item, methods=["DELETE"], status_code=204, name=f"delete {what}",
        summary=f"Delete a {what}", description="204 when nothing refers to it; 409 with the reasons otherwise.",
        responses={**in_use, **stale},
    )  # fmt: skip


for _kind in KINDS.values():
    add_routes(_kind)
