"""Writers lock the row they change (SELECT … FOR UPDATE) and check the client's If-Match against it:
two concurrent writers are serialised, and a stale one gets 412, so no update is ever lost."""

from __future__ import annotations

import uuid
from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from accord.errors import NotFound
from accord.models.base import Base
from accord.rules.preconditions import ANY_VERSION, IfMatch

Row = TypeVar("Row", bound=Base)


async def lock(
    session: AsyncSession, model: type[Row], row_id: uuid.UUID, *, what: str, if_match: IfMatch = ANY_VERSION
) -> Row:
    row = await session.get(model, row_id, with_for_update=True, populate_existing=True)
    if row is None:
        raise NotFound(f"no {what} {row_id}")
    if_match.check(row.version, what=what)  # type: ignore[attr-defined]
    return row
