"""Routes for TMF resources kept as documents (services/tmf_documents.py), optionally preceded by
fixed resources derived from Accord's own reference data (read-only)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from fastapi import APIRouter, Request, Response

from accord.errors import Conflict, FieldError, InvalidInput
from accord.models import TmfDocument
from accord.rules.merge_patch import merge_patch
from accord.services import tmf_documents
from accord.tmf.conventions import href, matches, missing_required, select_fields, split_page
from api.deps import IfMatchDep, PrincipalDep, SessionDep
from api.tmf.common import FieldsDep, ListQueryDep, list_response, read_json_object, tmf_response

SERVER_OWNED = ("id", "href")


@dataclass(frozen=True)
class DocumentResource:
    api: str  # e.g. /tmf-api/accountManagement/v4
    name: str  # the path segment and the stored kind, e.g. partyAccount
    type_name: str  # @type, e.g. PartyAccount
    required: tuple[str, ...] = ("name",)
    fixed: Callable[[], Sequence[dict[str, Any]]] = field(default=tuple)  # derived from Accord, read-only
    writable: bool = True

    def render(self, document: TmfDocument) -> dict[str, Any]:
        body = {k: v for k, v in document.body.items() if k not in SERVER_OWNED}
        return {
            "id": document.id,
            "href": href(self.api, self.name, document.id),
            **body,
            "@type": body.get("@type", self.type_name),
        }

    def fixed_one(self, resource_id: str) -> dict[str, Any] | None:
        return next((r for r in self.fixed() if r["id"] == resource_id), None)


def validated(resource: DocumentResource, body: dict[str, Any]) -> dict[str, Any]:
    errors = missing_required(body, resource.required)
    errors += [
        FieldError(name, "assigned by the server")
        for name in SERVER_OWNED
        if name in body and body[name] is not None and not isinstance(body[name], str)
    ]
    if errors:
        raise InvalidInput(f"invalid {resource.name}", errors)
    return {k: v for k, v in body.items() if k not in SERVER_OWNED}


def add_document_routes(router: APIRouter, resource: DocumentResource) -> None:
    path = f"/{resource.name}"

    async def list_resources(query: ListQueryDep, session: SessionDep) -> Response:
        filters = query.filters(None)
        fixed = [r for r in resource.fixed() if matches(r, filters)]
        first, offset, limit = split_page(len(fixed), query.offset, query.limit)
        rows, total = await tmf_documents.list_documents(
            session, kind=resource.name, filters=filters, offset=offset, limit=max(limit, 0)
        )
        if limit <= 0:
            rows = []
        items = fixed[first] + [resource.render(d) for d in rows]
        return list_response(items, total=total + len(fixed), query=query)

    async def get_resource(resource_id: str, fields: FieldsDep, session: SessionDep) -> Response:
        fixed = resource.fixed_one(resource_id)
        if fixed is not None:
            return tmf_response(select_fields(fixed, fields))
        document = await tmf_documents.get_document(session, kind=resource.name, document_id=resource_id)
        return tmf_response(select_fields(resource.render(document), fields), etag=document.version)

    router.add_api_route(path, list_resources, methods=["GET"], name=f"list {resource.name}")
    router.add_api_route(path + "/{resource_id}", get_resource, methods=["GET"], name=f"get {resource.name}")
    if not resource.writable:
        return

    async def create_resource(request: Request, session: SessionDep, principal: PrincipalDep) -> Response:
        body = validated(resource, await read_json_object(request))
        document = await tmf_documents.create_document(session, kind=resource.name, body=body, principal=principal)
        rendered = resource.render(document)
        return tmf_response(rendered, status_code=201, etag=document.version, headers={"Location": rendered["href"]})

    async def patch_resource(
        resource_id: str, request: Request, session: SessionDep, principal: PrincipalDep, if_match: IfMatchDep
    ) -> Response:
        if resource.fixed_one(resource_id) is not None:
            raise Conflict(f"{resource.name} {resource_id} is derived from Accord's configuration and cannot change")
        patch = await read_json_object(request)
        current = await tmf_documents.lock_document(
            session, kind=resource.name, document_id=resource_id, if_match=if_match
        )
        for name in SERVER_OWNED:
            if name in patch and patch[name] != resource.render(current)[name]:
                raise InvalidInput(f"the {name} cannot change", [FieldError(name, "assigned by the server")])
        body = validated(resource, merge_patch(current.body, patch))
        document = await tmf_documents.replace_document(
            session, kind=resource.name, document_id=resource_id, body=body, principal=principal, if_match=if_match
        )
        return tmf_response(resource.render(document), etag=document.version)

    async def delete_resource(
        resource_id: str, session: SessionDep, principal: PrincipalDep, if_match: IfMatchDep
    ) -> Response:
        if resource.fixed_one(resource_id) is not None:
            raise Conflict(f"{resource.name} {resource_id} is derived from Accord's configuration and cannot go")
        await tmf_documents.delete_document(
            session, kind=resource.name, document_id=resource_id, principal=principal, if_match=if_match
        )
        return Response(status_code=204)

    router.add_api_route(path, create_resource, methods=["POST"], status_code=201, name=f"create {resource.name}")
    router.add_api_route(path + "/{resource_id}", patch_resource, methods=["PATCH"], name=f"patch {resource.name}")
    router.add_api_route(
        path + "/{resource_id}", delete_resource, methods=["DELETE"], status_code=204, name=f"delete {resource.name}"
    )
