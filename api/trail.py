"""One shape for every audit trail the API reads (a customer's, an agreement's): oldest first, a
page at a time, the next page named by the last event's id, with the trail's size."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Query

from accord.schemas.common import AuditEntryView, Page
from api.paging import BIGINT_MAX

TrailCursor = Annotated[
    int | None, Query(alias="cursor", ge=0, le=BIGINT_MAX, description="nextCursor of the previous page")
]


def trail_page(events: list[Any], total: int, limit: int) -> Page[AuditEntryView]:
    """The page answered for `events`, read with limit + 1 so a further page shows itself."""
    page = events[:limit]
    return Page[AuditEntryView](
        items=[AuditEntryView.model_validate(e, from_attributes=True) for e in page],
        total=total,
        limit=limit,
        offset=0,
        next_cursor=str(page[-1].id) if len(events) > limit else None,
    )
