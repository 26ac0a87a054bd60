from __future__ import annotations

from fastapi import APIRouter

from accord.models import Offering
from accord.rules.money import round_money
from accord.schemas.catalogue import OfferingView
from accord.services import catalogue
from api.deps import SessionDep

router = APIRouter(prefix="/api/v1/catalogue", tags=["catalogue"])


def offering_view(o: Offering) -> OfferingView:
    return OfferingView(
        code=o.code,
        name=o.name,
        description=o.description,
        kind=o.kind,
        family=o.family,
        requires=f"{o.family} access" if o.kind == "addon" else None,
        monthly_price=round_money(o.monthly_price, o.currency),
        currency=o.currency,
        status=o.status,
    )


@router.get("/offerings", response_model=list[OfferingView])
async def list_offerings(session: SessionDep) -> list[OfferingView]:
    return [offering_view(o) for o in await catalogue.list_offerings(session)]
