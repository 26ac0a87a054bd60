"""The paging parameter every list route shares: how many rows to skip, as far as PostgreSQL counts
(a bigint), so that a huge one is a 422 naming it rather than a database error."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query

BIGINT_MAX = 2**63 - 1

Offset = Annotated[int, Query(ge=0, le=BIGINT_MAX, description="rows to skip")]
