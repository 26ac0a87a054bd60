from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from accord.schemas.common import ApiModel


class CustomerView(ApiModel):
    id: uuid.UUID
    href: str
    customer_number: str
    type: str
    given_name: str | None
    family_name: str | None
    trading_name: str | None
    email: str | None
    phone: str | None
    addresses: list[dict[str, Any]]
    characteristics: list[dict[str, Any]]
    external_ref: str | None
    status: str
    created_at: datetime
    updated_at: datetime
    created_by: str
    updated_by: str
    version: int
