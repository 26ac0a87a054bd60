"""The rules an order must meet before any workflow starts."""

from __future__ import annotations

import calendar
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal

from accord.errors import FieldError
from accord.rules.catalogue import OfferingTerms
from accord.rules.eligibility import Buyer, offering_errors, price_errors
from accord.rules.money import is_known_currency
from accord.schemas.orders import OrderRequest


def order_buyer(order: OrderRequest, channel: str | None) -> Buyer:
    """Who buys: the order's customer type and segment (a `segment` characteristic), and the channel."""
    segment = next((c.value for c in order.customer.characteristics if c.name == "segment"), None)
    return Buyer(customer_type=order.customer.type, segment=segment, channel=channel)


def check_order(
    order: OrderRequest,
    catalogue: Mapping[str, OfferingTerms],
    *,
    at: datetime | None = None,
    channel: str | None = None,
) -> list[FieldError]:
    """Every reason the order cannot be fulfilled at instant `at` (default: now) through `channel`,
    each naming the field at fault, in item order. Eligibility is the catalogue's rule
    (rules/eligibility.offering_errors), with what the order itself holds."""
    currency = order.agreement.currency
    if not is_known_currency(currency):
        return [FieldError("agreement.currency", f"{currency} is not a currency Accord accepts")]
    buyer = order_buyer(order, channel)
    held = {item.offering_code for item in order.items if item.end_date is None}
    found = [(i, item, catalogue.get(item.offering_code)) for i, item in enumerate(order.items)]
    access_families = {o.family for _, _, o in found if o is not None and o.active and o.kind == "access"}
    seen_access: set[str] = set()
    errors: list[FieldError] = []
    for i, item, offering in found:
        field = f"items[{i}].offeringCode"
        found_errors = offering_errors(
            item.offering_code,
            offering,
            currency,
            access_families=access_families,
            field=field,
            where="in the same order",
            held=held,
            buyer=buyer,
            at=at,
        )
        errors.extend(found_errors)
        if offering is None or not offering.active:
            continue
        if offering.kind == "access":
            if offering.family in seen_access:
                errors.append(FieldError(field, f"a second {offering.family} access offering"))
            seen_access.add(offering.family)
        errors.extend(price_errors(item.price_adjustment, offering, currency, field=f"items[{i}].priceAdjustment"))
    return errors


def add_months(day: date, months: int) -> date:
    """The same day `months` later (or earlier), clamped to the end of a shorter month."""
    month_index = day.year * 12 + day.month - 1 + months
    year, month = divmod(month_index, 12)
    last_day = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last_day))


def commitment_end(start: date, term_months: int, today: date) -> date | None:
    """The end of the commitment term in force today: a term renews for the same length until it
    ends after today. None when there is no commitment."""
    if term_months == 0:
        return None
    terms = 1
    while add_months(start, terms * term_months) <= today:
        terms += 1
    return add_months(start, terms * term_months)


def monthly_recurring_charge(charges: Sequence[tuple[Decimal, Decimal]]) -> Decimal:
    """What an agreement's active subscriptions cost a month: list price plus adjustment, summed."""
    return sum((price + adjustment for price, adjustment in charges), Decimal("0"))
