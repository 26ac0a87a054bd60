"""Business configuration: the kinds of reference data and the rules each kind's items must meet.
Pure functions (no I/O): the service loads what they need and stores what they accept."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from pydantic import TypeAdapter, ValidationError

from accord.errors import FieldError, field_errors
from accord.schemas.common import ApiModel
from accord.schemas.configuration import (
    SETTING_CODES,
    BillCycleAttributes,
    CurrencyAttributes,
    CustomerSegmentAttributes,
    EmailUniqueness,
    PaymentMethodTypeAttributes,
    PaymentTermAttributes,
    ReasonCodeAttributes,
    SalesChannelAttributes,
    SettingAttributes,
    TaxRateAttributes,
    TaxRounding,
)


@dataclass(frozen=True)
class Kind:
    """One kind of reference data: its name (also the audit entity type, `config.<name>`), its path
    under /api/v1/config, the model of its attributes, and what may be done to its items."""

    name: str
    path: str
    attributes: type[ApiModel]
    deletable: bool = True  # False: retire instead (the audit trail and old records name them)
    retirable: bool = True
    dated: bool = False  # validFrom required; items of one scope may not overlap in time

    @property
    def entity_type(self) -> str:
        return f"config.{self.name}"


KINDS: dict[str, Kind] = {
    k.name: k
    for k in (
        Kind("bill-cycle", "bill-cycles", BillCycleAttributes),
        Kind("payment-term", "payment-terms", PaymentTermAttributes),
        Kind("payment-method-type", "payment-method-types", PaymentMethodTypeAttributes),
        Kind("tax-rate", "tax-rates", TaxRateAttributes, dated=True),
        Kind("reason-code", "reason-codes", ReasonCodeAttributes, deletable=False),
        Kind("customer-segment", "customer-segments", CustomerSegmentAttributes),
        Kind("sales-channel", "sales-channels", SalesChannelAttributes),
        Kind("currency", "currencies", CurrencyAttributes),
        Kind("setting", "settings", SettingAttributes, deletable=False, retirable=False),
    )
}


def check_attributes(kind: Kind, attributes: Mapping[str, Any]) -> tuple[dict[str, Any], list[FieldError]]:
    """The attributes as stored (camelCase, defaults filled in), or the errors naming each field."""
    try:
        model = kind.attributes.model_validate(attributes)
    except ValidationError as exc:
        return {}, field_errors(exc, "attributes")
    return model.model_dump(mode="json", by_alias=True), []


def check_validity(kind: Kind, valid_from: date | None, valid_to: date | None) -> list[FieldError]:
    errors = []
    if kind.dated and valid_from is None:
        errors.append(FieldError("validFrom", f"a {kind.name} needs the first day it applies"))
    if valid_from is not None and valid_to is not None and valid_to < valid_from:
        errors.append(FieldError("validTo", f"the last day it applies ({valid_to}) is before validFrom ({valid_from})"))
    return errors


def is_timezone(name: object) -> bool:
    """An IANA zone name, e.g. Europe/London (not an offset such as +02:00, not a made-up name)."""
    if not isinstance(name, str) or name not in available_timezones():
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def check_setting(code: str, value: object, *, currencies: Iterable[str]) -> list[FieldError]:
    """The operator's settings and policies: which codes exist and what each one's value may be.
    `currencies`: the active currency codes."""
    field = "attributes.value"
    if code not in SETTING_CODES:
        return [FieldError("code", f"not a setting Accord has: one of {list(SETTING_CODES)}")]
    if code == "timezone":
        if not is_timezone(value):
            return [FieldError(field, f"{value!r} is not an IANA timezone, e.g. Europe/London")]
    elif code == "defaultCurrency":
        active = set(currencies)
        if value not in active:
            return [FieldError(field, f"{value!r} is not an active currency: one of {sorted(active)}")]
    else:
        adapter: TypeAdapter[Any] = TypeAdapter(TaxRounding if code == "taxRounding" else EmailUniqueness)
        try:
            adapter.validate_python(value)
        except ValidationError:
            choices = ["perLine", "perBill"] if code == "taxRounding" else ["global", "none"]
            return [FieldError(field, f"{value!r} is not one of {choices}")]
    return []


@dataclass(frozen=True)
class Period:
    code: str
    valid_from: date
    valid_to: date | None  # inclusive; None: open-ended


def overlaps(a: Period, b: Period) -> bool:
    """Two inclusive periods share at least one day."""
    return (b.valid_to is None or a.valid_from <= b.valid_to) and (a.valid_to is None or b.valid_from <= a.valid_to)


def overlap_errors(new: Period, others: Iterable[Period], *, scope: str) -> list[FieldError]:
    """A tax rate's period may not share a day with another rate of the same region and category."""
    return [
        FieldError(
            "validFrom",
            f"overlaps {o.code} ({o.valid_from} to {o.valid_to or 'open-ended'}) for {scope}: "
            "end that one first (set its validTo)",
        )
        for o in others
        if o.code != new.code and overlaps(new, o)
    ]


def allowed_reasons(items: Iterable[tuple[str, Iterable[str]]]) -> dict[str, frozenset[str]]:
    """{action: codes} from active reason codes given as (code, actions)."""
    by_action: dict[str, set[str]] = {}
    for code, actions in items:
        for action in actions:
            by_action.setdefault(action, set()).add(code)
    return {action: frozenset(codes) for action, codes in by_action.items()}
