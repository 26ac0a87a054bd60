"""What the rules need to know of an offering, without the database."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class OfferingTerms:
    code: str
    kind: str  # access | addon
    family: str  # an add-on needs an access offering of its family
    monthly_price: Decimal
    currency: str
    active: bool
