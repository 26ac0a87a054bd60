from __future__ import annotations

from typing import Any

import orjson
from fastapi import Response
from pydantic import BaseModel

from accord.rules.preconditions import etag as etag_of


def json_response(body: BaseModel, *, etag: int | None = None, status_code: int = 200) -> Response:
    """The body serialised once, straight to bytes. A single resource's ETag is its row version."""
    headers = {"ETag": etag_of(etag)} if etag is not None else None
    return Response(
        body.model_dump_json(by_alias=True), status_code=status_code, media_type="application/json", headers=headers
    )


def document_response(document: Any, *, etag: int | None = None) -> Response:
    """A body already in the representation's shape (a *_document function's dict), serialised
    without a model in between, by orjson: it writes JSON text read from the database (a Fragment)
    as it is, and UUIDs and datetimes as pydantic does (a UTC time ends in Z)."""
    headers = {"ETag": etag_of(etag)} if etag is not None else None
    return Response(orjson.dumps(document, option=orjson.OPT_UTC_Z), media_type="application/json", headers=headers)
