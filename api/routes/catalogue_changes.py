"""Catalogue change sets (the catalogue-change wizard): a draft, its items, then submit → approve (a
second person) → published at its effective time, each step through the change set's workflow."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Body, Path, Response

from accord.schemas.catalogue import (
    ChangeSetCreate,
    ChangeSetStatus,
    ChangeSetView,
    Decision,
    ItemCreate,
    ItemView,
)
from accord.schemas.common import Page
from accord.services import catalogue_changes as changes
from api.deps import IfMatchDep, PrincipalDep, SessionDep, SettingsDep, TemporalDep
from api.paging import Limit, Offset
from api.responses import json_response

router = APIRouter(prefix="/api/v1/catalogue/change-sets", tags=["catalogue changes"])

ChangeSetId = Annotated[uuid.UUID, Path(alias="changeSetId")]
ItemId = Annotated[uuid.UUID, Path(alias="itemId")]
MERGE_PATCH = {
    "requestBody": {
        "content": {
            "application/merge-patch+json": {"schema": {"type": "object"}},
            "application/json": {"schema": {"type": "object"}},
        }
    }
}


async def _view(session: SessionDep, change_set_id: uuid.UUID, status_code: int = 200) -> Response:
    cs = await changes.get_change_set(session, change_set_id)
    return json_response(await changes.change_set_view(session, cs), etag=cs.version, status_code=status_code)


@router.post("", response_model=ChangeSetView, status_code=201)
async def create_change_set(
    request: ChangeSetCreate,
    session: SessionDep,
    principal: PrincipalDep,
    client: TemporalDep,
    settings: SettingsDep,
) -> Response:
    """A new draft change set; the caller is its author (who may not approve it)."""
    cs = await changes.create_change_set(session, client, request, principal=principal, task_queue=settings.task_queue)
    return await _view(session, cs.id, 201)


@router.get("", response_model=Page[ChangeSetView])
async def list_change_sets(
    session: SessionDep,
    status: ChangeSetStatus | None = None,
    author: str | None = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[ChangeSetView]:
    """Change sets, the newest first."""
    rows, total = await changes.list_change_sets(session, status=status, author=author, limit=limit, offset=offset)
    items = [await changes.change_set_view(session, cs) for cs in rows]
    return Page[ChangeSetView](items=items, total=total, limit=limit, offset=offset)


@router.get("/{changeSetId}", response_model=ChangeSetView)
async def get_change_set(change_set_id: ChangeSetId, session: SessionDep) -> Response:
    return await _view(session, change_set_id)


@router.get("/{changeSetId}/state")
async def live_state(change_set_id: ChangeSetId, session: SessionDep, client: TemporalDep) -> dict[str, Any]:
    """The change set's workflow, as it is now (a query)."""
    cs = await changes.get_change_set(session, change_set_id)
    state: dict[str, Any] = await client.get_workflow_handle(cs.workflow_id).query("current_state")
    return state


@router.patch("/{changeSetId}", response_model=ChangeSetView, openapi_extra=MERGE_PATCH)
async def patch_change_set(
    change_set_id: ChangeSetId,
    session: SessionDep,
    principal: PrincipalDep,
    if_match: IfMatchDep,
    patch: Annotated[dict[str, Any], Body()],
) -> Response:
    """JSON Merge Patch of title, description, effectiveAt, applyToExistingFrom (a draft only)."""
    await changes.patch_change_set(session, change_set_id, patch, principal=principal, if_match=if_match)
    return await _view(session, change_set_id)


@router.post("/{changeSetId}/items", response_model=ItemView, status_code=201)
async def add_item(
    change_set_id: ChangeSetId, item: ItemCreate, session: SessionDep, principal: PrincipalDep, if_match: IfMatchDep
) -> Response:
    """Add, modify (`data` is a JSON merge patch of the live definition) or retire one category,
    product specification, offering (a bundle is an offering with components) or price."""
    cs, row = await changes.add_item(session, change_set_id, item, principal=principal, if_match=if_match)
    return json_response(changes.item_view(row), etag=cs.version, status_code=201)


@router.patch("/{changeSetId}/items/{itemId}", response_model=ItemView, openapi_extra=MERGE_PATCH)
async def patch_item(
    change_set_id: ChangeSetId,
    item_id: ItemId,
    session: SessionDep,
    principal: PrincipalDep,
    if_match: IfMatchDep,
    patch: Annotated[dict[str, Any], Body()],
) -> Response:
    cs, row = await changes.patch_item(session, change_set_id, item_id, patch, principal=principal, if_match=if_match)
    return json_response(changes.item_view(row), etag=cs.version)


@router.delete("/{changeSetId}/items/{itemId}", status_code=204)
async def delete_item(
    change_set_id: ChangeSetId, item_id: ItemId, session: SessionDep, principal: PrincipalDep, if_match: IfMatchDep
) -> Response:
    cs = await changes.delete_item(session, change_set_id, item_id, principal=principal, if_match=if_match)
    return Response(status_code=204, headers={"ETag": f'W/"{cs.version}"'})


@router.post("/{changeSetId}/submit", response_model=ChangeSetView)
async def submit(
    change_set_id: ChangeSetId, session: SessionDep, principal: PrincipalDep, client: TemporalDep
) -> Response:
    """Validate the draft (referential integrity, overlapping price periods, bundles of retired
    offerings, ...). Without findings it awaits approval; with findings it stays a draft and the
    answer is a 422 listing them (they are kept on the change set too)."""
    outcome = await changes.submit(session, client, change_set_id, principal=principal)
    if outcome.findings:
        from accord.errors import FieldError, InvalidInput

        raise InvalidInput(
            "the change set cannot be published as it is", [FieldError(f.field, f.detail) for f in outcome.findings]
        )
    return await _view(session, change_set_id)


async def _decide(
    step: str, change_set_id: uuid.UUID, session: SessionDep, principal: PrincipalDep, client: TemporalDep,
    decision: Decision | None,
) -> Response:  # fmt: skip
    reason = decision.reason if decision else None
    await changes.decide(session, client, change_set_id, step, principal=principal, reason=reason)
    return await _view(session, change_set_id)


@router.post("/{changeSetId}/approve", response_model=ChangeSetView, responses={409: {"description": "the author"}})
async def approve(
    change_set_id: ChangeSetId,
    session: SessionDep,
    principal: PrincipalDep,
    client: TemporalDep,
    decision: Annotated[Decision | None, Body()] = None,
) -> Response:
    """Approve (someone other than the author): it is scheduled to publish at its effectiveAt (now
    when it has none)."""
    return await _decide("approve", change_set_id, session, principal, client, decision)


@router.post("/{changeSetId}/reject", response_model=ChangeSetView)
async def reject(
    change_set_id: ChangeSetId,
    session: SessionDep,
    principal: PrincipalDep,
    client: TemporalDep,
    decision: Annotated[Decision | None, Body()] = None,
) -> Response:
    return await _decide("reject", change_set_id, session, principal, client, decision)


@router.post("/{changeSetId}/cancel", response_model=ChangeSetView)
async def cancel(
    change_set_id: ChangeSetId,
    session: SessionDep,
    principal: PrincipalDep,
    client: TemporalDep,
    decision: Annotated[Decision | None, Body()] = None,
) -> Response:
    """Cancel, until it is published."""
    return await _decide("cancel", change_set_id, session, principal, client, decision)


@router.get("/{changeSetId}/price-changes")
async def price_changes(change_set_id: ChangeSetId, session: SessionDep) -> list[dict[str, Any]]:
    """What the change set did to existing subscribers' prices, subscription by subscription."""
    await changes.get_change_set(session, change_set_id)
    return [
        {
            "subscriptionId": str(p.subscription_id),
            "offeringCode": p.offering_code,
            "currency": p.currency,
            "oldListPrice": format(p.old_list_price.normalize(), "f"),
            "newListPrice": format(p.new_list_price.normalize(), "f"),
            "effectiveDate": p.effective_date.isoformat(),
            "status": p.status,
        }
        for p in await changes.price_changes_of(session, change_set_id)
    ]
