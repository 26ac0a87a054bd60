"""The TM Forum REST conventions (TMF630 design guidelines) that every facade follows, as pure rules:
attribute selection (`fields=`), attribute filters (`?name=…&status=…`), paging (`offset`/`limit`),
hrefs, and how values are written (ids as strings, date-times in UTC with `Z`, money as Money)."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any

from accord.errors import FieldError, InvalidInput

CUSTOMER_API = "/tmf-api/customerManagement/v4"
ACCOUNT_API = "/tmf-api/accountManagement/v4"
PRODUCT_INVENTORY_API = "/tmf-api/productInventory/v4"

# Query parameters that are not attribute filters.
RESERVED = frozenset({"fields", "offset", "limit", "sort", "depth", "expand"})
# Always returned, whatever `fields=` selects (TMF630: a selection keeps the resource identifiable).
IDENTITY = ("id", "href", "@type")

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000


def href(api: str, resource: str, resource_id: object) -> str:
    """The resource's address, relative to the server (as Accord's own API writes hrefs)."""
    return f"{api}/{resource}/{resource_id}"


def parse_fields(value: str | None) -> frozenset[str] | None:
    """`fields=name,status` → {"name", "status"}; a nested selection `a.b` selects `a`. None: everything."""
    if value is None or not value.strip():
        return None
    return frozenset(part.strip().split(".", 1)[0] for part in value.split(",") if part.strip())


def select_fields(resource: Mapping[str, Any], fields: frozenset[str] | None) -> dict[str, Any]:
    if fields is None:
        return dict(resource)
    return {name: value for name, value in resource.items() if name in fields or name in IDENTITY}


def parse_filters(params: Iterable[tuple[str, str]], allowed: Collection[str] | None) -> dict[str, list[str]]:
    """The attribute filters of a query: {attribute: [accepted values]}. A value may list alternatives
    separated by commas (`status=active,suspended`); the same attribute twice must match both, which
    keeps the values common to the two. `allowed` None: any attribute (documents are filtered on their
    stored attributes); otherwise an attribute outside it is refused, naming what can be filtered."""
    filters: dict[str, list[str]] = {}
    for name, value in params:
        if name in RESERVED:
            continue
        if allowed is not None and name not in allowed:
            raise InvalidInput(
                f"cannot filter on {name}",
                [FieldError(name, f"filterable attributes: {', '.join(sorted(allowed))}")],
            )
        values = [v for v in value.split(",")] if "," in value else [value]
        filters[name] = [v for v in filters[name] if v in values] if name in filters else values
    return filters


def page_bounds(offset: int, limit: int | None) -> tuple[int, int]:
    """(offset, limit) with the default and the ceiling applied; out-of-range values are refused."""
    errors = []
    if offset < 0:
        errors.append(FieldError("offset", "must be 0 or more"))
    if limit is not None and not 1 <= limit <= MAX_LIMIT:
        errors.append(FieldError("limit", f"must be between 1 and {MAX_LIMIT}"))
    if errors:
        raise InvalidInput("invalid paging", errors)
    return offset, DEFAULT_LIMIT if limit is None else limit


def date_time(value: datetime | date | None) -> str | None:
    """A TMF date-time: UTC, second precision or finer, with `Z` (a `+00:00` would arrive as a space in
    a query string). A date is the start of that day in UTC."""
    if value is None:
        return None
    if not isinstance(value, datetime):
        value = datetime.combine(value, time(0), tzinfo=UTC)
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def money(amount: Decimal, currency: str) -> dict[str, Any]:
    """TMF Money {unit, value}: the schema types value as a number. Accord amounts have at most four
    decimals, so the shortest float representation writes them exactly."""
    return {"unit": currency, "value": float(amount)}


def ref(api: str, resource: str, resource_id: object, referred_type: str, name: str | None = None) -> dict[str, Any]:
    """A reference to another TMF resource: {id, href, name, @referredType}."""
    reference: dict[str, Any] = {"id": str(resource_id), "href": href(api, resource, resource_id)}
    if name is not None:
        reference["name"] = name
    reference["@referredType"] = referred_type
    return reference


def matches(resource: Mapping[str, Any], filters: Mapping[str, list[str]]) -> bool:
    """Whether a resource passes every attribute filter (its top-level value, as text)."""
    return all(_as_text(resource.get(name)) in values for name, values in filters.items())


def _as_text(value: Any) -> str | None:
    if value is None or isinstance(value, dict | list):
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def split_page(leading: int, offset: int, limit: int) -> tuple[slice, int, int]:
    """Paging over `leading` fixed resources followed by stored ones: which of the fixed ones fall on
    the page (a slice), and the offset and limit to read the stored ones with."""
    first = slice(min(offset, leading), min(offset + limit, leading))
    taken = first.stop - first.start
    return first, max(offset - leading, 0), limit - taken


def missing_required(body: Mapping[str, Any], required: Iterable[str]) -> list[FieldError]:
    """The TMF schema's required attributes that are absent or empty."""
    errors = []
    for name in required:
        value = body.get(name)
        if name == "relatedParty":
            errors += related_party_errors(value)
        elif not isinstance(value, str) or not value.strip():
            errors.append(FieldError(name, "required, a non-empty string"))
    return errors


def related_party_errors(value: Any, *, field: str = "relatedParty", need_name: bool = True) -> list[FieldError]:
    """TMF666 RelatedParty: an array of {id, name, @referredType} (id and @referredType in TMF629/637)."""
    if not isinstance(value, list) or not value:
        return [FieldError(field, "required, an array of party references")]
    errors = []
    required = ("id", "@referredType", "name") if need_name else ("id", "@referredType")
    for index, party in enumerate(value):
        if not isinstance(party, dict):
            errors.append(FieldError(f"{field}[{index}]", "expected an object"))
            continue
        errors += [
            FieldError(f"{field}[{index}].{name}", "required, a non-empty string")
            for name in required
            if not isinstance(party.get(name), str) or not party[name].strip()
        ]
    return errors
