from __future__ import annotations

import asyncio

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from sqlalchemy import text

from api.deps import SessionsDep, TemporalDep

router = APIRouter(tags=["operations"])


@router.get("/health")
async def health(sessions: SessionsDep, temporal: TemporalDep) -> JSONResponse:
    """200 when both PostgreSQL and Temporal answer; 503 naming what does not."""

    async def database() -> None:
        async with sessions() as session:
            await session.execute(text("SELECT 1"))

    checks = {"database": database(), "temporal": temporal.service_client.check_health()}
    results = await asyncio.gather(*(asyncio.wait_for(c, 3) for c in checks.values()), return_exceptions=True)
    status = {
        name: "up" if not isinstance(r, BaseException) else f"down: {r!r}"[:200]
        for name, r in zip(checks, results, strict=True)
    }
    healthy = all(v == "up" for v in status.values())
    return JSONResponse({"status": "up" if healthy else "down", "checks": status}, status_code=200 if healthy else 503)
