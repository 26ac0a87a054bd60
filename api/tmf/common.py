"""What every TMF route shares: the query conventions as dependencies, and the response shapes
(a bare JSON array with X-Total-Count / X-Result-Count, ids as strings, raw UTF-8)."""

from __future__ import annotations

import json
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Query, Request, Response

from accord.errors import AccordError, FieldError, InvalidInput
from accord.rules.preconditions import etag as etag_of
from accord.tmf.conventions import MAX_LIMIT, page_bounds, parse_fields, parse_filters, select_fields
from api.paging import Offset

PATCH_TYPES = ("application/json", "application/merge-patch+json")


@dataclass(frozen=True)
class ListQuery:
    fields: frozenset[str] | None
    offset: int
    limit: int
    params: tuple[tuple[str, str], ...]

    def filters(self, allowed: Collection[str] | None) -> dict[str, list[str]]:
        return parse_filters(self.params, allowed)


async def list_query(
    request: Request,
    fields: Annotated[str | None, Query(description="attributes to return, e.g. `name,status`")] = None,
    offset: Offset = 0,
    limit: Annotated[int | None, Query(ge=1, le=MAX_LIMIT, description="default 100")] = None,
) -> ListQuery:
    """`fields=`, `offset`, `limit`, and every other query parameter as an attribute filter."""
    offset, page_limit = page_bounds(offset, limit)
    return ListQuery(parse_fields(fields), offset, page_limit, tuple(request.query_params.multi_items()))


async def fields_query(
    fields: Annotated[str | None, Query(description="attributes to return, e.g. `name,status`")] = None,
) -> frozenset[str] | None:
    return parse_fields(fields)


ListQueryDep = Annotated[ListQuery, Depends(list_query)]
FieldsDep = Annotated[frozenset[str] | None, Depends(fields_query)]


def tmf_response(
    body: Any, *, status_code: int = 200, etag: int | None = None, headers: dict[str, str] | None = None
) -> Response:
    # Raw UTF-8 and no escaped slashes: clients (and the conformance kits) compare values with the body text.
    all_headers = dict(headers or {})
    if etag is not None:
        all_headers["ETag"] = etag_of(etag)
    return Response(
        json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode(),
        status_code=status_code,
        media_type="application/json;charset=utf-8",
        headers=all_headers,
    )


def list_response(items: Sequence[dict[str, Any]], *, total: int, query: ListQuery) -> Response:
    return tmf_response(
        [select_fields(item, query.fields) for item in items],
        headers={"X-Total-Count": str(total), "X-Result-Count": str(len(items))},
    )


async def read_json_object(request: Request) -> dict[str, Any]:
    """The request body as a JSON object (a POST's resource, or a PATCH's JSON Merge Patch: sent as
    application/merge-patch+json or, as TMF v4 clients do, application/json)."""
    media_type = request.headers.get("content-type", "application/json").split(";")[0].strip().lower()
    if media_type not in PATCH_TYPES:
        raise UnsupportedMediaType(
            f"send the body as {' or '.join(PATCH_TYPES)}", [FieldError("Content-Type", f"not {media_type}")]
        )
    try:
        body = json.loads(await request.body())
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidInput("the body is not JSON", [FieldError("body", str(exc))]) from exc
    if not isinstance(body, dict):
        raise InvalidInput("the body must be a JSON object", [FieldError("body", "expected an object")])
    return body


@dataclass
class UnsupportedMediaType(AccordError):
    status: int = 415
    title: str = "Unsupported media type"
    slug: str = "unsupported-media-type"
