"""If-Match: a write names the version it was made against, and is refused (412) when that version is
no longer current. A resource's ETag is its row version: W/"<version>"."""

from __future__ import annotations

import re
from dataclasses import dataclass

from accord.errors import AccordError, FieldError, PreconditionFailed

ETAG = re.compile(r'^(?:W/)?"(\d{1,18})"$')


def etag(version: int) -> str:
    return f'W/"{version}"'


@dataclass(frozen=True)
class IfMatch:
    versions: frozenset[int] | None = None  # None: any version (no If-Match, or "*")

    def check(self, current: int, *, what: str = "resource") -> None:
        if self.versions is not None and current not in self.versions:
            raise PreconditionFailed(
                f"the {what} has changed since you read it: it is at version {current}; read it again",
                [FieldError("If-Match", f"current ETag is {etag(current)}")],
            )


ANY_VERSION = IfMatch()


def parse_if_match(header: str | None) -> IfMatch:
    """`W/"3"`, `"3"`, a comma-separated list of those, or `*`."""
    if header is None or header.strip() == "*":
        return ANY_VERSION
    versions = set()
    for tag in header.split(","):
        match = ETAG.match(tag.strip())
        if match is None:
            raise AccordError(
                "If-Match is not an ETag this API gave out",
                [FieldError("If-Match", 'expected an ETag such as W/"3", or *')],
            )
        versions.add(int(match.group(1)))
    return IfMatch(frozenset(versions))
