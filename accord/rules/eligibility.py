"""Whether an offering may be sold: one place for the rule that the shop's orders, a CSA's added
subscription and the catalogue's eligibility check all follow. Pure: the moment of the sale is given."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

from accord.errors import FieldError
from accord.rules.catalogue import OfferingTerms, on_sale
from accord.rules.money import fits_minor_unit


@dataclass(frozen=True)
class Buyer:
    """Who buys, and through which channel. None: not known (not checked)."""

    customer_type: str | None = None
    segment: str | None = None
    channel: str | None = None


def offering_errors(
    code: str,
    offering: OfferingTerms | None,
    currency: str,
    *,
    access_families: Collection[str],
    field: str,
    where: str,
    held: Collection[str] | None = None,
    buyer: Buyer | None = None,
    at: datetime | None = None,
) -> list[FieldError]:
    """Why `offering` (looked up by `code`) cannot be sold at instant `at` (default: now) in `currency`
    to `buyer`, next to access offerings of `access_families` and the offerings `held` (codes, on the
    agreement or in the same order); `where` says where the access must be ("in the same order", "on
    the same agreement")."""
    if offering is None or not offering.active:
        return [FieldError(field, f"no offering {code!r} on sale")]
    at = at or datetime.now(UTC)
    if not on_sale(offering, at):
        if offering.sale_ends_at is not None and at >= offering.sale_ends_at:
            return [FieldError(field, f"{offering.code} was on sale until {_local(offering.sale_ends_at)}")]
        assert offering.sale_starts_at is not None
        return [FieldError(field, f"{offering.code} is on sale from {_local(offering.sale_starts_at)}")]
    errors = []
    if offering.currency != currency and currency not in offering.prices:
        errors.append(
            FieldError(field, f"{offering.code} is priced in {offering.currency}, the agreement is in {currency}")
        )
    if offering.kind == "addon" and offering.family not in access_families:
        errors.append(FieldError(field, f"{offering.code} is an add-on: it needs {offering.family} access {where}"))
    errors += buyer_errors(offering, buyer or Buyer(), field=field)
    if held is not None:
        errors += holding_errors(offering, held, field=field, where=where)
    return errors


def buyer_errors(offering: OfferingTerms, buyer: Buyer, *, field: str) -> list[FieldError]:
    errors = []
    if offering.channels and buyer.channel is not None and buyer.channel not in offering.channels:
        errors.append(FieldError(field, f"{offering.code} is not sold through {buyer.channel}"))
    if (
        offering.customer_types
        and buyer.customer_type is not None
        and buyer.customer_type not in offering.customer_types
    ):
        errors.append(FieldError(field, f"{offering.code} is not sold to {buyer.customer_type} customers"))
    if offering.segments and buyer.segment not in offering.segments:
        wanted = ", ".join(sorted(offering.segments))
        errors.append(FieldError(field, f"{offering.code} is sold only to the {wanted} segment(s)"))
    return errors


def holding_errors(offering: OfferingTerms, held: Collection[str], *, field: str, where: str) -> list[FieldError]:
    """What the offering needs (or cannot stand) among what the customer holds or orders with it."""
    errors = []
    others = set(held) - {offering.code}
    if offering.requires_held and not offering.requires_held & set(held):
        needed = " or ".join(sorted(offering.requires_held))
        errors.append(FieldError(field, f"{offering.code} is only for customers who hold {needed}"))
    if offering.requires_offerings and not offering.requires_offerings & set(held):
        needed = " or ".join(sorted(offering.requires_offerings))
        errors.append(FieldError(field, f"{offering.code} needs {needed} {where}"))
    clash = offering.excludes & others
    if clash:
        errors.append(FieldError(field, f"{offering.code} cannot be held with {', '.join(sorted(clash))}"))
    return errors


def _local(instant: datetime) -> str:
    return instant.isoformat()


def price_errors(adjustment: Decimal, offering: OfferingTerms, currency: str, *, field: str) -> list[FieldError]:
    """A price adjustment must fit the currency's minor unit and leave the price at zero or more."""
    if not fits_minor_unit(adjustment, currency):
        return [FieldError(field, f"{adjustment} has more decimals than {currency} allows")]
    if offering.in_currency(currency).monthly_price + adjustment < 0:
        return [FieldError(field, f"would make {offering.code} cost less than nothing")]
    return []
