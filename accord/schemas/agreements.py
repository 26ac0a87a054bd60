from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from accord.schemas.common import ApiModel
from accord.schemas.orders import BillCycle


class SubscriptionView(ApiModel):
    id: uuid.UUID
    offering_code: str
    currency: str
    list_price: Decimal
    price_adjustment: Decimal
    price: Decimal
    status: str
    start_date: date
    end_date: date | None


class PaymentMethodView(ApiModel):
    type: str
    details: dict[str, Any]


class AgreementView(ApiModel):
    id: uuid.UUID
    href: str
    agreement_number: str
    customer_id: uuid.UUID
    currency: str
    bill_cycle: BillCycle
    bill_delivery: str
    payment_method: PaymentMethodView
    commitment_term: int
    commitment_end_date: date | None
    billing_address: dict[str, Any] | None
    status: str
    monthly_recurring_charge: Decimal
    subscriptions: list[SubscriptionView]
    created_at: datetime
    updated_at: datetime
    created_by: str
    updated_by: str
    version: int
