from __future__ import annotations

from fastapi import Response
from pydantic import BaseModel


def json_response(body: BaseModel, *, etag: int | None = None) -> Response:
    """The body serialised once, straight to bytes. A single resource's ETag is its row version."""
    headers = {"ETag": f'W/"{etag}"'} if etag is not None else None
    return Response(body.model_dump_json(by_alias=True), media_type="application/json", headers=headers)
