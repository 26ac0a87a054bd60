"""One error hierarchy: each domain error carries its HTTP status; one handler renders them all
as RFC 9457 problem+json (see api/problems.py)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from pydantic import ValidationError


@dataclass(frozen=True)
class FieldError:
    """One problem with one field, named as a client wrote it: `items[1].offeringCode`."""

    field: str
    detail: str


def field_name(loc: Sequence[int | str], prefix: str = "") -> str:
    """('items', 1, 'offeringCode') → 'items[1].offeringCode', under `prefix` if given."""
    name = prefix
    for part in loc:
        name += f"[{part}]" if isinstance(part, int) else (f".{part}" if name else str(part))
    return name or "body"


def field_errors(exc: ValidationError, prefix: str = "") -> list[FieldError]:
    """Pydantic's errors, each naming its field as the client wrote it: `phones[0].number`."""
    return [FieldError(field_name(e["loc"], prefix), e["msg"].removeprefix("Value error, ")) for e in exc.errors()]


@dataclass
class AccordError(Exception):
    detail: str
    errors: list[FieldError] = field(default_factory=list)

    status: int = 400
    title: str = "Bad request"
    slug: str = "bad-request"

    def __str__(self) -> str:
        return self.detail


@dataclass
class NotFound(AccordError):
    status: int = 404
    title: str = "Not found"
    slug: str = "not-found"


@dataclass
class Conflict(AccordError):
    status: int = 409
    title: str = "Conflict"
    slug: str = "conflict"


@dataclass
class InvalidInput(AccordError):
    """The request is well-formed but breaks a business rule."""

    status: int = 422
    title: str = "Invalid input"
    slug: str = "invalid-input"


@dataclass
class PreconditionFailed(AccordError):
    """The client's If-Match names a version that is no longer current."""

    status: int = 412
    title: str = "Precondition failed"
    slug: str = "precondition-failed"
