"""How Accord's catalogue reads as TMF620 Product Catalog Management, and back: pure functions over the
catalogue definitions (accord/schemas/catalogue.py).

An entity's TMF id is its catalogue code (stable across catalogue versions; TMF637 already names an
offering by its code). What TMF620 says that Accord does not model is kept as the entity's TMF extension
(a tmf_documents body) and shown back as sent."""

from __future__ import annotations

import re
import secrets
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from accord.errors import FieldError, InvalidInput
from accord.rules.catalogue import sale_window
from accord.tmf.conventions import date_time, href, money

PRODUCT_CATALOG_API = "/tmf-api/productCatalogManagement/v4"

# TMF620 resource ↔ Accord catalogue entity type.
RESOURCES = {
    "category": "category",
    "productSpecification": "specification",
    "productOffering": "offering",
    "productOfferingPrice": "price",
}
TYPE_NAMES = {
    "category": "Category",
    "productSpecification": "ProductSpecification",
    "productOffering": "ProductOffering",
    "productOfferingPrice": "ProductOfferingPrice",
}

# TMF620 lifecycleStatus is free text; these are its user guide's values for Accord's lifecycle.
IN_DESIGN = "In design"
LIFECYCLE = {"inDesign": IN_DESIGN, "active": "Active", "retired": "Retired"}
LIFECYCLE_IN = {"in design": "inDesign", "in study": "inDesign", "in test": "inDesign", "active": "active"}
LIFECYCLE_IN |= {"launched": "active", "retired": "retired", "obsolete": "retired"}

PRICE_TYPES = {"recurring": "recurring", "oneOff": "oneTime", "usage": "usage"}
PRICE_TYPES_IN = {"recurring": "recurring", "onetime": "oneOff", "one time": "oneOff", "usage": "usage"}
PERIODS = {"month": ("month", 1), "quarter": ("month", 3), "year": ("year", 1)}
PERIOD_MONTHS = {1: "month", 3: "quarter", 12: "year"}

# Attributes the server owns or derives; never kept in an extension.
SERVER_OWNED = frozenset({"id", "href", "lastUpdate", "@type", "@baseType", "@schemaLocation"})
MAPPED = {
    "category": frozenset({"name", "description", "parentId", "isRoot", "lifecycleStatus", "subCategory"}),
    "productSpecification": frozenset({"name", "description", "productSpecCharacteristic", "lifecycleStatus"}),
    "productOffering": frozenset(
        {
            "name",
            "description",
            "lifecycleStatus",
            "isBundle",
            "isSellable",
            "category",
            "channel",
            "marketSegment",
            "validFor",
            "bundledProductOffering",
            "productOfferingTerm",
            "productOfferingPrice",
        }
    ),
    "productOfferingPrice": frozenset(
        {
            "name",
            "lifecycleStatus",
            "isBundle",
            "priceType",
            "price",
            "recurringChargePeriodType",
            "recurringChargePeriodLength",
            "unitOfMeasure",
            "validFor",
            "productOffering",
        }
    ),
}


@dataclass(frozen=True)
class Entry:
    """One catalogue entity as the facade shows it: its definition (camelCase, as the catalogue's
    definitions write it), whether it is live or only in a change set, and when it last changed."""

    resource: str  # TMF resource name, e.g. productOffering
    definition: Mapping[str, Any]
    last_update: datetime
    pending: bool = False  # only in a change set not yet published
    version: int | None = None  # the catalogue version it is live in
    change_set_id: object | None = None
    extension: Mapping[str, Any] = field(default_factory=dict)

    @property
    def code(self) -> str:
        return str(self.definition["code"])


def resource_href(resource: str, code: object) -> str:
    return href(PRODUCT_CATALOG_API, resource, code)


def catalog_ref(resource: str, code: str, name: str | None = None) -> dict[str, Any]:
    reference: dict[str, Any] = {"id": code, "href": resource_href(resource, code)}
    if name:
        reference["name"] = name
    return reference


def lifecycle(entry: Entry) -> str:
    """A change not yet published is "In design", whatever status it asks for; a live entity shows its
    own status (entities without one are "Active" while live)."""
    if entry.pending:
        return IN_DESIGN
    return LIFECYCLE.get(str(entry.definition.get("status", "active")), "Active")


def lifecycle_in(value: Any, *, field_name: str = "lifecycleStatus") -> str:
    if not isinstance(value, str) or value.strip().lower() not in LIFECYCLE_IN:
        raise InvalidInput(
            "unknown lifecycleStatus",
            [FieldError(field_name, "one of In design, Active (Launched), Retired")],
        )
    return LIFECYCLE_IN[value.strip().lower()]


def filter_values(resource: str, name: str, values: list[str]) -> list[str]:
    """Filter values as the rendered resource writes them (lifecycleStatus is matched case-insensitively)."""
    if name == "lifecycleStatus":
        known = {v.lower(): v for v in (*LIFECYCLE.values(), IN_DESIGN)}
        return [known.get(v.lower(), v) for v in values]
    return values


def _base(entry: Entry) -> dict[str, Any]:
    d = entry.definition
    resource: dict[str, Any] = {
        **{k: v for k, v in entry.extension.items() if k not in SERVER_OWNED},
        "id": entry.code,
        "href": resource_href(entry.resource, entry.code),
        "name": d.get("name") or entry.code,
        "description": d.get("description", ""),
        "lastUpdate": date_time(entry.last_update),
        "lifecycleStatus": lifecycle(entry),
    }
    if entry.version is not None:
        resource["version"] = str(entry.version)
    return resource


def valid_for(valid_from: date | None, valid_to: date | None, timezone: str) -> dict[str, Any] | None:
    """TMF TimePeriod from validity dates: from the start of the first day to the end of the last
    (exclusive: the next day's midnight), operator timezone, written in UTC."""
    if valid_from is None and valid_to is None:
        return None
    start, end = sale_window(valid_from, valid_to, timezone)
    period: dict[str, Any] = {}
    if start is not None:
        period["startDateTime"] = date_time(start)
    if end is not None:
        period["endDateTime"] = date_time(end)
    return period


def _date(value: Any) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


def category(
    entry: Entry, *, children: Iterable[tuple[str, str]] = (), offerings: Iterable[tuple[str, str]] = ()
) -> dict[str, Any]:
    d = entry.definition
    parent = d.get("parentCode")
    return {
        **_base(entry),
        "isRoot": parent is None,
        "parentId": parent,
        "subCategory": [catalog_ref("category", code, name) for code, name in children],
        "productOffering": [catalog_ref("productOffering", code, name) for code, name in offerings],
        "@type": "Category",
    }


VALUE_TYPES_IN = {"number": "number", "integer": "number", "float": "number", "decimal": "number", "boolean": "boolean"}


def specification(entry: Entry) -> dict[str, Any]:
    d = entry.definition
    characteristics = []
    for c in d.get("characteristics") or []:
        values = [
            {
                "value": v,
                "valueType": c.get("valueType", "string"),
                "isDefault": v == c.get("default"),
                **({"unitOfMeasure": c["unit"]} if c.get("unit") else {}),
            }
            for v in (c.get("values") or ([c["default"]] if c.get("default") is not None else []))
        ]
        characteristics.append(
            {
                "name": c["name"],
                "valueType": c.get("valueType", "string"),
                "configurable": len(c.get("values") or []) != 1,
                "productSpecCharacteristicValue": values,
            }
        )
    return {
        **_base(entry),
        "isBundle": False,
        "productSpecCharacteristic": characteristics,
        "@type": "ProductSpecification",
    }


def offering(
    entry: Entry,
    *,
    timezone: str,
    names: Mapping[tuple[str, str], str] | None = None,
    prices: Iterable[tuple[str, str]] = (),
) -> dict[str, Any]:
    """`names`: (resource, code) → name, for references; `prices`: the offering's (code, name) prices."""
    d = entry.definition
    names = names or {}
    resource = _base(entry)
    bundle = d.get("bundle") or []
    resource["isBundle"] = bool(bundle)
    resource["isSellable"] = not entry.pending and d.get("status") == "active"
    if d.get("categoryCode"):
        code = d["categoryCode"]
        resource["category"] = [catalog_ref("category", code, names.get(("category", code)))]
    if d.get("specificationCode"):
        code = d["specificationCode"]
        resource["productSpecification"] = catalog_ref(
            "productSpecification", code, names.get(("productSpecification", code))
        )
    elif "productSpecification" not in resource:
        # TMF620 expects one; an offering with no specification of its own is its own specification.
        resource["productSpecification"] = None
    resource["channel"] = [{"id": c, "name": c} for c in d.get("channels") or []]
    resource["marketSegment"] = [{"id": s, "name": s} for s in d.get("segments") or []]
    period = valid_for(_date(d.get("validFrom")), _date(d.get("validTo")), timezone)
    if period is not None:
        resource["validFor"] = period
    if bundle:
        resource["bundledProductOffering"] = [
            {
                **catalog_ref("productOffering", c["offeringCode"], names.get(("productOffering", c["offeringCode"]))),
                "bundledProductOfferingOption": {
                    "numberRelOfferLowerLimit": c.get("minQuantity", 1),
                    "numberRelOfferUpperLimit": c.get("maxQuantity", 1),
                },
            }
            for c in bundle
        ]
    commitment = d.get("commitment")
    if commitment:
        resource["productOfferingTerm"] = [
            {"name": f"{months} months", "duration": {"amount": months, "units": "month"}}
            for months in commitment.get("terms", [])
        ]
    resource["productOfferingPrice"] = [catalog_ref("productOfferingPrice", code, name) for code, name in prices]
    resource["@type"] = "ProductOffering"
    return resource


def price(entry: Entry, *, timezone: str, offering_name: str | None = None) -> dict[str, Any]:
    d = entry.definition
    resource = _base(entry)
    resource["isBundle"] = False
    resource["priceType"] = PRICE_TYPES.get(str(d.get("priceType")), str(d.get("priceType")))
    if d.get("period"):
        period_type, length = PERIODS[d["period"]]
        resource["recurringChargePeriodType"] = period_type
        resource["recurringChargePeriodLength"] = length
    if d.get("amount") is not None and d.get("currency"):
        resource["price"] = money(Decimal(str(d["amount"])), d["currency"])
    if d.get("unit"):
        resource["unitOfMeasure"] = {"amount": 1, "units": d["unit"]}
    period = valid_for(_date(d.get("validFrom")), _date(d.get("validTo")), timezone)
    if period is not None:
        resource["validFor"] = period
    if d.get("offeringCode"):
        resource["productOffering"] = catalog_ref("productOffering", d["offeringCode"], offering_name)
    resource["@type"] = "ProductOfferingPrice"
    return resource


# --- TMF → Accord -----------------------------------------------------------------------------------


def new_code(name: str) -> str:
    """A catalogue code for a resource a TMF client creates (TMF ids are the server's): the name as a
    slug, with a random suffix so that the same name posted twice gives two entities."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:44].strip("-") or "tmf"
    return f"{slug}-{secrets.token_hex(4)}"


def extension(resource: str, body: Mapping[str, Any]) -> dict[str, Any]:
    """The TMF-only attributes of a body: kept as sent."""
    return {k: v for k, v in body.items() if k not in SERVER_OWNED and k not in MAPPED[resource]}


def _ref_id(value: Any, field_name: str) -> str:
    if not isinstance(value, dict) or not isinstance(value.get("id"), str) or not value["id"].strip():
        raise InvalidInput(f"invalid {field_name}", [FieldError(field_name, "a reference with an id")])
    return str(value["id"]).strip()


def _refs(value: Any, field_name: str) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise InvalidInput(f"invalid {field_name}", [FieldError(field_name, "an array of references")])
    return [_ref_id(item, f"{field_name}[{i}]") for i, item in enumerate(value)]


def _text(body: Mapping[str, Any], name: str) -> str | None:
    value = body.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidInput(f"invalid {name}", [FieldError(name, "a string")])
    return value


def dates_in(value: Any, timezone: str, field_name: str = "validFor") -> tuple[date | None, date | None]:
    """validFor → validity dates in the operator's timezone; an end instant is exclusive (midnight ends
    the day before)."""
    if value is None:
        return None, None
    if not isinstance(value, dict):
        raise InvalidInput(f"invalid {field_name}", [FieldError(field_name, "a TimePeriod object")])
    zone = ZoneInfo(timezone)
    days: list[date | None] = []
    for key in ("startDateTime", "endDateTime"):
        raw = value.get(key)
        if raw is None:
            days.append(None)
            continue
        try:
            instant = datetime.fromisoformat(str(raw).replace("Z", "+00:00"))
        except ValueError as exc:
            raise InvalidInput(
                f"invalid {field_name}", [FieldError(f"{field_name}.{key}", "an ISO 8601 date-time")]
            ) from exc
        if instant.tzinfo is None:
            instant = instant.replace(tzinfo=zone)
        if key == "endDateTime":
            instant -= timedelta(microseconds=1)
        days.append(instant.astimezone(zone).date())
    return days[0], days[1]


def category_fields(body: Mapping[str, Any]) -> dict[str, Any]:
    """The CategoryDef fields a TMF Category body names."""
    fields: dict[str, Any] = {}
    for name in ("name", "description"):
        if name in body:
            fields[name] = _text(body, name) or ""
    if "parentId" in body:
        fields["parentCode"] = _text(body, "parentId")
    return fields


def specification_fields(body: Mapping[str, Any]) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for name in ("name", "description"):
        if name in body:
            fields[name] = _text(body, name) or ""
    if "productSpecCharacteristic" in body:
        characteristics = body["productSpecCharacteristic"] or []
        if not isinstance(characteristics, list):
            raise InvalidInput(
                "invalid productSpecCharacteristic", [FieldError("productSpecCharacteristic", "an array")]
            )
        fields["characteristics"] = [characteristic_in(c, i) for i, c in enumerate(characteristics)]
    return fields


def characteristic_in(value: Any, index: int) -> dict[str, Any]:
    where = f"productSpecCharacteristic[{index}]"
    if not isinstance(value, dict) or not isinstance(value.get("name"), str):
        raise InvalidInput("invalid productSpecCharacteristic", [FieldError(f"{where}.name", "required, a string")])
    values = value.get("productSpecCharacteristicValue") or []
    if not isinstance(values, list):
        raise InvalidInput(
            "invalid productSpecCharacteristic", [FieldError(f"{where}.productSpecCharacteristicValue", "an array")]
        )
    listed = [v for v in values if isinstance(v, dict) and v.get("value") is not None]
    unit = next((str(v["unitOfMeasure"]) for v in listed if v.get("unitOfMeasure")), None)
    default = next((str(v["value"]) for v in listed if v.get("isDefault")), None)
    return {
        "name": value["name"],
        "valueType": VALUE_TYPES_IN.get(str(value.get("valueType", "string")).lower(), "string"),
        "unit": unit,
        "values": [str(v["value"]) for v in listed],
        "default": default,
    }


def offering_fields(body: Mapping[str, Any], timezone: str) -> dict[str, Any]:
    """The OfferingDef fields a TMF ProductOffering body names (a specification reference is resolved
    by the caller: it may name one Accord does not have)."""
    fields: dict[str, Any] = {}
    for name in ("name", "description"):
        if name in body:
            fields[name] = _text(body, name) or ""
    if "lifecycleStatus" in body:
        fields["status"] = lifecycle_in(body["lifecycleStatus"])
    if "category" in body:
        codes = _refs(body["category"], "category")
        fields["categoryCode"] = codes[0] if codes else None
    if "channel" in body:
        fields["channels"] = _refs(body["channel"], "channel")
    if "marketSegment" in body:
        fields["segments"] = _refs(body["marketSegment"], "marketSegment")
    if "validFor" in body:
        start, end = dates_in(body["validFor"], timezone)
        fields["validFrom"] = start.isoformat() if start else None
        fields["validTo"] = end.isoformat() if end else None
    if "bundledProductOffering" in body:
        bundle = body["bundledProductOffering"] or []
        codes = _refs(bundle, "bundledProductOffering")
        fields["bundle"] = [
            {
                "offeringCode": code,
                "minQuantity": int((item.get("bundledProductOfferingOption") or {}).get("numberRelOfferLowerLimit", 1)),
                "maxQuantity": int((item.get("bundledProductOfferingOption") or {}).get("numberRelOfferUpperLimit", 1)),
            }
            for code, item in zip(codes, bundle, strict=True)
        ]
    if "productOfferingTerm" in body:
        terms = body["productOfferingTerm"] or []
        months = sorted({term_months(t, i) for i, t in enumerate(terms)} if isinstance(terms, list) else set())
        fields["commitment"] = {"terms": months} if months else None
    return fields


def term_months(term: Any, index: int) -> int:
    duration = term.get("duration") if isinstance(term, dict) else None
    try:
        amount = int((duration or {})["amount"])
        units = str((duration or {}).get("units", "month")).lower().rstrip("s")
    except (KeyError, TypeError, ValueError) as exc:
        raise InvalidInput(
            "invalid productOfferingTerm", [FieldError(f"productOfferingTerm[{index}].duration", "{amount, units}")]
        ) from exc
    months = amount * 12 if units == "year" else amount
    if units not in ("month", "year") or months not in (12, 24):
        raise InvalidInput(
            "invalid productOfferingTerm",
            [FieldError(f"productOfferingTerm[{index}].duration", "Accord offers 12 or 24 month commitments")],
        )
    return months


def price_fields(body: Mapping[str, Any], timezone: str) -> dict[str, Any]:
    """The PriceDef fields a TMF ProductOfferingPrice body names."""
    fields: dict[str, Any] = {}
    if "name" in body:
        fields["name"] = _text(body, "name") or ""
    if body.get("isBundle") is True:
        raise InvalidInput("Accord prices are not bundles", [FieldError("isBundle", "must be false")])
    if "priceType" in body:
        raw = _text(body, "priceType") or ""
        if raw.strip().lower() not in PRICE_TYPES_IN:
            raise InvalidInput("unknown priceType", [FieldError("priceType", "one of recurring, oneTime, usage")])
        fields["priceType"] = PRICE_TYPES_IN[raw.strip().lower()]
    if "recurringChargePeriodType" in body or "recurringChargePeriodLength" in body:
        fields["period"] = period_in(body.get("recurringChargePeriodType"), body.get("recurringChargePeriodLength"))
    if "price" in body:
        value = body["price"]
        if not isinstance(value, dict) or value.get("value") is None or not isinstance(value.get("unit"), str):
            raise InvalidInput("invalid price", [FieldError("price", "a Money object {unit, value}")])
        try:
            amount = Decimal(str(value["value"]))
        except InvalidOperation as exc:
            raise InvalidInput("invalid price", [FieldError("price.value", "a number")]) from exc
        fields["amount"] = str(amount)
        fields["currency"] = value["unit"]
    if "unitOfMeasure" in body:
        unit = body["unitOfMeasure"]
        fields["unit"] = str(unit.get("units")) if isinstance(unit, dict) and unit.get("units") else None
    if "validFor" in body:
        start, end = dates_in(body["validFor"], timezone)
        fields["validFrom"] = start.isoformat() if start else None
        fields["validTo"] = end.isoformat() if end else None
    if "productOffering" in body:
        fields["offeringCode"] = _ref_id(body["productOffering"], "productOffering")
    return fields


def period_in(period_type: Any, length: Any) -> str | None:
    if period_type is None:
        return None
    unit = str(period_type).strip().lower().removesuffix("ly").rstrip("s")
    unit = {"annual": "year", "quarter": "quarter", "month": "month", "year": "year"}.get(unit, unit)
    try:
        count = int(length) if length is not None else 1
    except (TypeError, ValueError) as exc:
        raise InvalidInput(
            "invalid recurringChargePeriodLength", [FieldError("recurringChargePeriodLength", "a whole number")]
        ) from exc
    months = {"month": 1, "quarter": 3, "year": 12}.get(unit)
    if months is None or months * count not in PERIOD_MONTHS:
        raise InvalidInput(
            "unsupported recurring period",
            [FieldError("recurringChargePeriodType", "Accord bills recurring prices monthly, quarterly or yearly")],
        )
    return PERIOD_MONTHS[months * count]
