"""Prices: which of an offering's prices applies on a date, in a currency, and what it quotes."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from decimal import Decimal

from accord.rules.catalogue import date_in
from accord.rules.money import round_money
from accord.schemas.catalogue import Commitment, PriceDef, Quote

PERIOD_MONTHS = {"month": 1, "quarter": 3, "year": 12}


def prices_on(prices: Iterable[PriceDef], on: date, currency: str | None = None) -> list[PriceDef]:
    """The prices valid on business date `on` (in `currency`, when given), by code."""
    return sorted(
        (p for p in prices if date_in(on, p.valid_from, p.valid_to) and (currency is None or p.currency == currency)),
        key=lambda p: p.code,
    )


def monthly_equivalent(price: PriceDef) -> Decimal:
    """A recurring price per month (a quarterly or yearly one divided, rounded to the minor unit)."""
    assert price.price_type == "recurring"
    assert price.period is not None
    return round_money(price.amount / PERIOD_MONTHS[price.period], price.currency)


def monthly_prices(prices: Iterable[PriceDef], on: date) -> dict[str, Decimal]:
    """The recurring price per month in each currency, on `on` (a monthly price before a longer one)."""
    result: dict[str, Decimal] = {}
    recurring = [p for p in prices_on(prices, on) if p.price_type == "recurring"]
    for p in sorted(recurring, key=lambda p: (PERIOD_MONTHS[p.period or "month"], p.code)):
        result.setdefault(p.currency, monthly_equivalent(p))
    return result


def discounted(amount: Decimal, price: PriceDef) -> Decimal | None:
    if price.discount is None:
        return None
    percentage = price.discount.type == "percentage"
    cut = amount * price.discount.value / 100 if percentage else price.discount.value
    return max(round_money(amount - cut, price.currency), Decimal(0))


def quote(prices: Sequence[PriceDef], currency: str, on: date, commitment: Commitment | None = None) -> Quote | None:
    """What the offering costs in `currency` on `on`: its recurring price (per its period), the
    one-off charges, the usage prices and any discount. None when it has no price in that currency."""
    valid = prices_on(prices, on, currency)
    if not valid:
        return None
    recurring = sorted(
        (p for p in valid if p.price_type == "recurring"), key=lambda p: (PERIOD_MONTHS[p.period or "month"], p.code)
    )
    one_off = sum((p.amount for p in valid if p.price_type == "oneOff"), Decimal(0))
    result = Quote(
        currency=currency,
        one_off=round_money(one_off, currency),
        usage=[p for p in valid if p.price_type == "usage"],
        commitment=commitment,
    )
    if recurring:
        main = recurring[0]
        result.recurring = round_money(main.amount, currency)
        result.period = main.period
        result.monthly_equivalent = monthly_equivalent(main)
        result.discount = main.discount
        result.discounted_recurring = discounted(main.amount, main)
    return result


def usage_charge(price: PriceDef, units: Decimal) -> Decimal:
    """What `units` of usage cost under a usage price: tier by tier (each tier's units at its own
    unit amount), or amount per unit without tiers."""
    if not price.tiers:
        return round_money(units * price.amount, price.currency)
    total, below = Decimal(0), Decimal(0)
    for tier in price.tiers:
        top = units if tier.up_to is None else min(units, tier.up_to)
        if top > below:
            total += (top - below) * tier.unit_amount
            below = top
        if tier.up_to is None or units <= tier.up_to:
            break
    return round_money(total, price.currency)


def existing_subscriber_from(start: date, bill_day: int) -> date:
    """When a new price reaches an existing subscriber: the start of their first bill period that
    begins on or after `start` (a period already running keeps the price it began with)."""
    from accord.rules.bill_cycle import next_period_start, period_start

    return start if period_start(start, bill_day) == start else next_period_start(start, bill_day)
