from __future__ import annotations

from decimal import Decimal

from accord.schemas.common import ApiModel


class OfferingView(ApiModel):
    code: str
    name: str
    description: str
    kind: str
    family: str
    requires: str | None
    monthly_price: Decimal
    currency: str
    status: str
