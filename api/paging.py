"""The paging parameters list routes share, and the page an audit trail answers.

An offset or a trail cursor is bounded by what PostgreSQL counts in (a bigint), so that a huge one is
a 422 naming it rather than a database error. Audit trails (a customer's, an agreement's) are read
oldest first, a page at a time, the next page named by the last event's id."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Query

from accord.schemas.common import AuditEntryView, Page

BIGINT_MAX = 2**63 - 1

Limit = Annotated[int, Query(ge=1, le=200, description="rows per page")]
Offset = Annotated[int, Query(ge=0, le=BIGINT_MAX, description="rows to skip")]
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
