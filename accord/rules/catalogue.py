"""The catalogue's rules, without the database: what the other rules need to know of an offering,
when an offering is on sale, how a change set's items change a catalogue, what makes a catalogue
invalid, and the difference between two catalogues."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import ValidationError

from accord.errors import FieldError, field_errors
from accord.rules.changes import changed_fields
from accord.rules.merge_patch import merge_patch
from accord.rules.money import fits_minor_unit, is_known_currency
from accord.schemas.catalogue import (
    DEFINITIONS,
    CatalogueDocument,
    CategoryDef,
    DiffLine,
    ItemCreate,
    OfferingDef,
    PriceDef,
    SpecificationDef,
)
from accord.schemas.common import ApiModel


@dataclass(frozen=True)
class OfferingTerms:
    code: str
    kind: str  # access | addon
    family: str  # an add-on needs an access offering of its family
    monthly_price: Decimal
    currency: str
    active: bool
    # When it is on sale: [sale_starts_at, sale_ends_at) (from its validity dates, operator timezone).
    sale_starts_at: datetime | None = None
    sale_ends_at: datetime | None = None
    channels: frozenset[str] = frozenset()  # empty: every channel
    segments: frozenset[str] = frozenset()  # empty: every segment
    customer_types: frozenset[str] = frozenset()  # empty: both
    requires_held: frozenset[str] = frozenset()  # the customer must already hold one of these
    requires_offerings: frozenset[str] = frozenset()  # one of these on the same agreement / in the order
    excludes: frozenset[str] = frozenset()
    # Its monthly recurring price in each currency it is priced in, today.
    prices: Mapping[str, Decimal] = field(default_factory=dict, hash=False, compare=False)

    def in_currency(self, currency: str) -> OfferingTerms:
        """The same terms at its price in `currency` (unchanged when it is not priced in it)."""
        if currency == self.currency or currency not in self.prices:
            return self
        return replace(self, monthly_price=self.prices[currency], currency=currency)


# --- Validity: dates are business dates in the operator's timezone; an end date is inclusive.


def start_of_day(day: date, timezone: str) -> datetime:
    return datetime.combine(day, time(0), tzinfo=ZoneInfo(timezone))


def end_of_day(day: date, timezone: str) -> datetime:
    """The instant a validity that ends on `day` is over: the next day's midnight, operator time."""
    return start_of_day(day + timedelta(days=1), timezone)


def sale_window(
    valid_from: date | None, valid_to: date | None, timezone: str
) -> tuple[datetime | None, datetime | None]:
    return (
        start_of_day(valid_from, timezone) if valid_from else None,
        end_of_day(valid_to, timezone) if valid_to else None,
    )


def on_sale(offering: OfferingTerms, at: datetime) -> bool:
    """Whether the offering may be ordered at instant `at`: active and inside its validity."""
    if not offering.active:
        return False
    if offering.sale_starts_at is not None and at < offering.sale_starts_at:
        return False
    return offering.sale_ends_at is None or at < offering.sale_ends_at


def date_in(day: date, valid_from: date | None, valid_to: date | None) -> bool:
    """Whether business date `day` is inside [valid_from, valid_to] (both inclusive; None: open)."""
    return (valid_from is None or valid_from <= day) and (valid_to is None or day <= valid_to)


# --- A catalogue in memory: every entity's definition, by code.


@dataclass
class Catalogue:
    categories: dict[str, CategoryDef] = field(default_factory=dict)
    specifications: dict[str, SpecificationDef] = field(default_factory=dict)
    offerings: dict[str, OfferingDef] = field(default_factory=dict)
    prices: dict[str, PriceDef] = field(default_factory=dict)

    def of(self, entity_type: str) -> dict[str, Any]:
        entities: dict[str, dict[str, Any]] = {
            "category": self.categories,
            "specification": self.specifications,
            "offering": self.offerings,
            "price": self.prices,
        }
        return entities[entity_type]

    def copy(self) -> Catalogue:
        return Catalogue(dict(self.categories), dict(self.specifications), dict(self.offerings), dict(self.prices))

    def prices_of(self, offering_code: str) -> list[PriceDef]:
        return sorted((p for p in self.prices.values() if p.offering_code == offering_code), key=lambda p: p.code)

    def document(self) -> CatalogueDocument:
        return CatalogueDocument(
            categories=[self.categories[c] for c in sorted(self.categories)],
            specifications=[self.specifications[c] for c in sorted(self.specifications)],
            offerings=[self.offerings[c] for c in sorted(self.offerings)],
            prices=[self.prices[c] for c in sorted(self.prices)],
        )

    @classmethod
    def from_document(cls, document: CatalogueDocument) -> Catalogue:
        return cls(
            {c.code: c for c in document.categories},
            {s.code: s for s in document.specifications},
            {o.code: o for o in document.offerings},
            {p.code: p for p in document.prices},
        )


ENTITY_TYPES = ("category", "specification", "offering", "price")
PLURAL = {"category": "categories", "specification": "specifications", "offering": "offerings", "price": "prices"}


def entity_field(entity_type: str, code: str, name: str | None = None) -> str:
    """How a finding names an entity (and one of its fields): `offerings[fiber-optic].categoryCode`."""
    where = f"{PLURAL[entity_type]}[{code}]"
    return f"{where}.{name}" if name else where


def wire(definition: ApiModel) -> dict[str, Any]:
    return definition.model_dump(mode="json", by_alias=True, exclude_none=True)


def apply_items(live: Catalogue, items: Sequence[ItemCreate]) -> tuple[Catalogue, list[FieldError]]:
    """The catalogue `live` with the change set's items applied, and every item that cannot apply.
    add: the code must be new; modify: a JSON merge patch of the live definition; retire: an offering
    becomes retired (and stays readable), any other entity leaves the catalogue."""
    result = live.copy()
    findings: list[FieldError] = []
    for i, item in enumerate(items):
        entities = result.of(item.entity_type)
        where = f"items[{i}]"
        current = entities.get(item.code)
        if item.action == "add":
            if current is not None:
                findings.append(FieldError(f"{where}.code", f"{item.entity_type} {item.code} already exists"))
                continue
            data = {**item.data, "code": item.code}
        elif current is None:
            findings.append(FieldError(f"{where}.code", f"no {item.entity_type} {item.code} to {item.action}"))
            continue
        elif item.action == "modify":
            data = {**merge_patch(wire(current), item.data), "code": item.code}
        elif item.entity_type == "offering":
            data = {**wire(current), "status": "retired"}
        else:
            del entities[item.code]
            continue
        try:
            entities[item.code] = DEFINITIONS[item.entity_type].model_validate(data)
        except ValidationError as exc:
            findings.extend(field_errors(exc, f"{where}.data"))
    return result, findings


def validate(catalogue: Catalogue) -> list[FieldError]:
    """Every reason the catalogue cannot be published: references to what does not exist (or is
    retired), category cycles, overlapping price periods, amounts a currency cannot hold."""
    findings: list[FieldError] = []
    c = catalogue
    for code, category in sorted(c.categories.items()):
        if category.parent_code is not None and category.parent_code not in c.categories:
            findings.append(
                FieldError(entity_field("category", code, "parentCode"), f"no category {category.parent_code}")
            )
        seen = {code}
        parent = category.parent_code
        while parent is not None and parent in c.categories:
            if parent in seen:
                findings.append(FieldError(entity_field("category", code, "parentCode"), "categories form a cycle"))
                break
            seen.add(parent)
            parent = c.categories[parent].parent_code
    for code, offering in sorted(c.offerings.items()):
        findings.extend(_offering_findings(c, code, offering))
    for code, price in sorted(c.prices.items()):
        findings.extend(_price_findings(c, code, price))
    findings.extend(overlapping_prices(c.prices.values()))
    return findings


def _offering_findings(c: Catalogue, code: str, offering: OfferingDef) -> list[FieldError]:
    findings = []
    f = lambda name: entity_field("offering", code, name)  # noqa: E731
    if offering.category_code is not None and offering.category_code not in c.categories:
        findings.append(FieldError(f("categoryCode"), f"no category {offering.category_code}"))
    if offering.specification_code is not None and offering.specification_code not in c.specifications:
        findings.append(FieldError(f("specificationCode"), f"no product specification {offering.specification_code}"))
    live = offering.status != "retired"
    for name, codes in (
        ("requiresOfferings", offering.requires_offerings),
        ("excludes", offering.excludes),
        ("requiresHeld", offering.requires_held),
    ):
        for other in codes:
            if other not in c.offerings:
                findings.append(FieldError(f(name), f"no offering {other}"))
            elif other == code and name != "excludes":
                findings.append(FieldError(f(name), "an offering cannot require itself"))
    for i, part in enumerate(offering.bundle):
        component = c.offerings.get(part.offering_code)
        if component is None:
            findings.append(FieldError(f(f"bundle[{i}].offeringCode"), f"no offering {part.offering_code}"))
        elif part.offering_code == code:
            findings.append(FieldError(f(f"bundle[{i}].offeringCode"), "a bundle cannot contain itself"))
        elif live and component.status == "retired":
            findings.append(
                FieldError(
                    f(f"bundle[{i}].offeringCode"), f"{part.offering_code} is retired: the bundle cannot sell it"
                )
            )
    if offering.status == "active" and not any(
        p.price_type == "recurring" for p in c.prices.values() if p.offering_code == code
    ):
        findings.append(FieldError(f("status"), "an active offering needs a recurring price"))
    if offering.commitment and offering.commitment.early_termination.currency:
        etc = offering.commitment.early_termination
        assert etc.currency is not None
        findings.extend(_amount_findings(etc.amount, etc.currency, f("commitment.earlyTermination")))
    return findings


def _amount_findings(amount: Decimal | None, currency: str, where: str) -> list[FieldError]:
    if not is_known_currency(currency):
        return [FieldError(f"{where}.currency", f"{currency} is not a currency Accord accepts")]
    if amount is not None and not fits_minor_unit(amount, currency):
        return [FieldError(f"{where}.amount", f"{amount} has more decimals than {currency} allows")]
    return []


def _price_findings(c: Catalogue, code: str, price: PriceDef) -> list[FieldError]:
    findings = []
    offering = c.offerings.get(price.offering_code)
    if offering is None:
        findings.append(FieldError(entity_field("price", code, "offeringCode"), f"no offering {price.offering_code}"))
    findings.extend(_amount_findings(price.amount, price.currency, entity_field("price", code)))
    if price.discount and price.discount.type == "percentage" and price.discount.value > 100:
        findings.append(FieldError(entity_field("price", code, "discount.value"), "more than 100 percent"))
    if price.discount and price.discount.type == "amount" and price.discount.value > price.amount:
        findings.append(FieldError(entity_field("price", code, "discount.value"), "more than the price"))
    return findings


def overlapping_prices(prices: Iterable[PriceDef]) -> list[FieldError]:
    """Two prices of one offering, of the same type and period in the same currency, whose validity
    periods overlap: which one would apply?"""
    findings = []
    groups: dict[tuple[str, str, str | None, str, str | None], list[PriceDef]] = {}
    for p in prices:
        groups.setdefault((p.offering_code, p.price_type, p.period, p.currency, p.unit), []).append(p)
    for group in groups.values():
        ordered = sorted(group, key=lambda p: (p.valid_from or date.min, p.code))
        for i, a in enumerate(ordered):
            for b in ordered[i + 1 :]:
                if (b.valid_from or date.min) <= (a.valid_to or date.max):
                    findings.append(
                        FieldError(
                            entity_field("price", b.code, "validFrom"),
                            f"overlaps {a.code}: two {a.price_type} {a.currency} prices of {a.offering_code} "
                            f"valid on {(b.valid_from or a.valid_from or date.min).isoformat()}",
                        )
                    )
    return findings


# --- Differences between two catalogues (what a publish writes; what an import would change).


def diff(before: Catalogue, after: Catalogue) -> list[DiffLine]:
    """What turns `before` into `after`, entity by entity, in a stable order."""
    lines = []
    for entity_type in ENTITY_TYPES:
        old, new = before.of(entity_type), after.of(entity_type)
        for code in sorted(old.keys() | new.keys()):
            a, b = old.get(code), new.get(code)
            if a is None:
                assert b is not None
                lines.append(DiffLine(entity_type=entity_type, code=code, action="add", changes=_fields({}, wire(b))))
            elif b is None:
                lines.append(DiffLine(entity_type=entity_type, code=code, action="retire"))
            elif a != b:
                action = "retire" if entity_type == "offering" and _only_retired(a, b) else "modify"
                lines.append(
                    DiffLine(entity_type=entity_type, code=code, action=action, changes=_fields(wire(a), wire(b)))
                )
    return lines


def _only_retired(a: OfferingDef, b: OfferingDef) -> bool:
    return b.status == "retired" and a.status != "retired" and a.model_copy(update={"status": "retired"}) == b


def _fields(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    return changed_fields(
        {k: v for k, v in before.items() if k != "code"}, {k: v for k, v in after.items() if k != "code"}
    )


def merge_patch_between(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """The JSON merge patch that turns `before` into `after`."""
    patch: dict[str, Any] = {}
    for name in before.keys() | after.keys():
        if name not in after:
            patch[name] = None
        elif before.get(name) != after[name]:
            a, b = before.get(name), after[name]
            patch[name] = merge_patch_between(a, b) if isinstance(a, dict) and isinstance(b, dict) else b
    return patch


def items_between(before: Catalogue, after: Catalogue) -> list[ItemCreate]:
    """A change set's items that turn `before` into `after` (an import)."""
    items = []
    for line in diff(before, after):
        new = after.of(line.entity_type).get(line.code)
        if line.action == "add":
            assert new is not None
            data = {k: v for k, v in wire(new).items() if k != "code"}
        elif line.action == "modify":
            assert new is not None
            old = before.of(line.entity_type)[line.code]
            data = merge_patch_between(wire(old), wire(new))
        else:
            data = {}
        items.append(ItemCreate(entity_type=line.entity_type, action=line.action, code=line.code, data=data))
    return items


def summary(lines: Sequence[DiffLine]) -> str:
    """e.g. "2 added, 1 modified, 1 retired" (or "no changes")."""
    counts = {a: sum(1 for line in lines if line.action == a) for a in ("add", "modify", "retire")}
    words = {"add": "added", "modify": "modified", "retire": "retired"}
    parts = [f"{n} {words[a]}" for a, n in counts.items() if n]
    return ", ".join(parts) or "no changes"


# --- Approval.


def approval_errors(author: str, approver: str) -> list[FieldError]:
    """Maker-checker: the author of a change set may not approve it."""
    if author == approver:
        return [FieldError("X-Accord-User", f"{approver} wrote this change set: a second person must approve it")]
    return []
