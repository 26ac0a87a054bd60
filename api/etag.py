from __future__ import annotations

from fastapi import Response


def set_etag(response: Response, version: int) -> None:
    """A single resource's ETag is its row version: a write with a stale If-Match gets 412."""
    response.headers["ETag"] = f'W/"{version}"'
