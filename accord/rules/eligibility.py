"""Whether an offering may be sold onto an agreement: one place for the rule the shop's orders and a
CSA's added subscription both follow."""

from __future__ import annotations

from collections.abc import Collection
from decimal import Decimal

from accord.errors import FieldError
from accord.rules.catalogue import OfferingTerms
from accord.rules.money import fits_minor_unit


def offering_errors(
    code: str,
    offering: OfferingTerms | None,
    currency: str,
    *,
    access_families: Collection[str],
    field: str,
    where: str,
) -> list[FieldError]:
    """Why `offering` (looked up by `code`) cannot be sold in `currency` next to access offerings of
    `access_families`; `where` says where the access must be ("in the same order", "on the same
    agreement")."""
    if offering is None or not offering.active:
        return [FieldError(field, f"no offering {code!r} on sale")]
    errors = []
    if offering.currency != currency:
        errors.append(
            FieldError(field, f"{offering.code} is priced in {offering.currency}, the agreement is in {currency}")
        )
    if offering.kind == "addon" and offering.family not in access_families:
        errors.append(FieldError(field, f"{offering.code} is an add-on: it needs {offering.family} access {where}"))
    return errors


def price_errors(adjustment: Decimal, offering: OfferingTerms, currency: str, *, field: str) -> list[FieldError]:
    """A price adjustment must fit the currency's minor unit and leave the price at zero or more."""
    if not fits_minor_unit(adjustment, currency):
        return [FieldError(field, f"{adjustment} has more decimals than {currency} allows")]
    if offering.monthly_price + adjustment < 0:
        return [FieldError(field, f"would make {offering.code} cost less than nothing")]
    return []
