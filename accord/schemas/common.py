"""Shapes shared by every area: camelCase JSON, addresses, characteristics, pages, audit trails."""

from __future__ import annotations

import re
import unicodedata
import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Generic, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    GetCoreSchemaHandler,
    GetJsonSchemaHandler,
    StringConstraints,
)
from pydantic.alias_generators import to_camel
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, PydanticCustomError, core_schema

from accord.rules import money


def nfc(value: str) -> str:
    return unicodedata.normalize("NFC", value)


@dataclass(frozen=True)
class MaxChars:
    """`Annotated[Text, MaxChars(n)]`: at most n characters, counted after NFC normalisation and said
    so (a StringConstraints max_length placed after Text's NFC step reports "items")."""

    limit: int

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> CoreSchema:
        def at_most(value: str) -> str:
            if len(value) > self.limit:
                raise PydanticCustomError(
                    "string_too_long", "String should have at most {max_length} characters", {"max_length": self.limit}
                )
            return value

        return core_schema.no_info_after_validator_function(at_most, handler(source))

    def __get_pydantic_json_schema__(self, schema: CoreSchema, handler: GetJsonSchemaHandler) -> JsonSchemaValue:
        return {**handler(schema), "maxLength": self.limit}


# Free text in any script, stored NFC-normalised, trimmed, length counted in characters.
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1), AfterValidator(nfc)]
Name = Annotated[Text, MaxChars(200)]
CurrencyCode = Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]
CountryCode = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")]


# What the money columns hold exactly (accord.rules.money: NUMERIC(18, 4)), written out plainly.
WHOLE_DIGITS = money.PRECISION - money.SCALE
AMOUNT_TEXT = re.compile(rf"-?[0-9]{{1,{WHOLE_DIGITS}}}(\.[0-9]{{1,{money.SCALE}}})?")


def _amount_as_text(value: object) -> object:
    if isinstance(value, int | float) and not isinstance(value, bool):
        raise ValueError('send amounts as strings, e.g. "-5.00": a JSON number may have passed through a float')
    if isinstance(value, str) and not AMOUNT_TEXT.fullmatch(value):
        raise ValueError(
            f"a decimal string with at most {WHOLE_DIGITS} digits before the point and {money.SCALE} after,"
            ' e.g. "-5.00"'
        )
    return value


# An amount of money on the wire: a plain decimal string that storage holds exactly, never a JSON
# number, an exponent ("1e2") or digit separators ("1_000").
Amount = Annotated[Decimal, BeforeValidator(_amount_as_text)]


class ApiModel(BaseModel):
    """camelCase on the wire, snake_case in Python; unknown fields are refused."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid")


class Address(ApiModel):
    line1: Annotated[Text, MaxChars(200)]
    line2: Annotated[Text, MaxChars(200)] | None = None
    city: Annotated[Text, MaxChars(100)]
    postcode: Annotated[Text, MaxChars(20)] | None = None
    region: Annotated[Text, MaxChars(100)] | None = None
    country: CountryCode


class Characteristic(ApiModel):
    name: Annotated[Text, MaxChars(100)]
    value: Annotated[str, AfterValidator(nfc), MaxChars(1000)]


T = TypeVar("T")


class Page(ApiModel, Generic[T]):
    items: list[T]
    total: int
    limit: int
    offset: int
    next_cursor: str | None = Field(default=None, description="pass as `cursor` for the next page")


def page_document(items: list[Any], *, total: int, limit: int, offset: int, next_cursor: str | None) -> dict[str, Any]:
    """A Page as it goes on the wire, around items that are already documents (a search answers
    pages of rows: building and validating a model per item cost a quarter of the request)."""
    return {"items": items, "total": total, "limit": limit, "offset": offset, "nextCursor": next_cursor}


class AuditEntryView(ApiModel):
    """One change in an audit trail: who, through which channel, when, what changed, and why."""

    id: int
    occurred_at: datetime
    actor: str
    channel: str
    entity_type: str
    entity_id: uuid.UUID
    action: str
    changes: dict[str, Any]
    reason_code: str | None
    request_id: str | None
