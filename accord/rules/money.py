"""Money: exact decimals in a currency's own minor unit, rounded half-up where a rule says so."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal

# ISO 4217 minor units for the currencies Accord accepts.
MINOR_UNITS: dict[str, int] = {
    "AUD": 2, "BHD": 3, "BRL": 2, "CAD": 2, "CHF": 2, "CNY": 2, "CZK": 2, "DKK": 2, "EUR": 2,
    "GBP": 2, "HKD": 2, "HUF": 2, "INR": 2, "JPY": 0, "KRW": 0, "KWD": 3, "MXN": 2, "NOK": 2,
    "NZD": 2, "PLN": 2, "SEK": 2, "SGD": 2, "TND": 3, "USD": 2, "VND": 0, "ZAR": 2,
}  # fmt: skip


# How amounts are stored (NUMERIC(precision, scale)): wide enough for any ISO 4217 minor unit.
PRECISION, SCALE = 18, 4


def is_known_currency(currency: str) -> bool:
    return currency in MINOR_UNITS


def minor_unit(currency: str) -> Decimal:
    """The smallest amount of `currency`: 0.01 for USD, 1 for JPY, 0.001 for KWD."""
    return Decimal(1).scaleb(-MINOR_UNITS[currency])


def round_money(amount: Decimal, currency: str) -> Decimal:
    return amount.quantize(minor_unit(currency), rounding=ROUND_HALF_UP)


def fits_minor_unit(amount: Decimal, currency: str) -> bool:
    """True when `amount` has no more decimals than the currency allows."""
    exponent = amount.normalize().as_tuple().exponent
    return isinstance(exponent, int) and -exponent <= MINOR_UNITS[currency]


def allocate(total: Decimal, weights: Sequence[Decimal], currency: str) -> list[Decimal]:
    """Split `total` over `weights` in proportion, in whole minor units, so that the parts add up to
    `total` exactly (largest remainders take the leftover units; ties go to the earlier part)."""
    if not weights:
        raise ValueError("nothing to allocate over")
    unit = minor_unit(currency)
    units = int((total / unit).to_integral_value(rounding=ROUND_HALF_UP))
    weight_sum = sum(weights, Decimal(0))
    if weight_sum == 0:
        weights = [Decimal(1)] * len(weights)
        weight_sum = Decimal(len(weights))
    sign = -1 if units < 0 else 1
    exact = [abs(units) * w / weight_sum for w in weights]
    parts = [int(e) for e in exact]
    leftover = abs(units) - sum(parts)
    by_remainder = sorted(range(len(exact)), key=lambda i: (-(exact[i] - parts[i]), i))
    for i in by_remainder[:leftover]:
        parts[i] += 1
    return [sign * p * unit for p in parts]


def money_text(amount: Decimal | None, currency: str) -> str | None:
    """An amount as text, to the currency's minor unit ("200.00"), as the audit trail records it."""
    return None if amount is None else str(round_money(amount, currency))
