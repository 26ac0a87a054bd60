"""Who is calling, and through which channel. Access control decides from this one value."""

from __future__ import annotations

import re
from collections.abc import Mapping

from pydantic import BaseModel

from accord.errors import AccordError, FieldError


class Principal(BaseModel):
    subject: str
    channel: str

    @property
    def audit_name(self) -> str:
        """What the created_by / updated_by columns record."""
        return f"{self.subject}@{self.channel}"


DEVELOPMENT_PRINCIPAL = Principal(subject="developer", channel="development")
MIGRATION_CHANNEL = "migration"

# Until access control lands, development mode lets a caller say who it is, so that two people can
# play their parts (a change set's author and its approver must differ). Production ignores these.
USER_HEADER = "x-accord-user"
CHANNEL_HEADER = "x-accord-channel"
NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,99}$")


def development_principal(headers: Mapping[str, str]) -> Principal:
    """The principal a development-mode request names in X-Accord-User / X-Accord-Channel (each
    optional; the development principal's values otherwise)."""
    named = {}
    for header, part in ((USER_HEADER, "subject"), (CHANNEL_HEADER, "channel")):
        value = headers.get(header)
        if value is None:
            continue
        if not NAME.match(value):
            raise AccordError(
                f"{header} is not a valid name",
                [FieldError(header.title(), "1 to 100 letters, digits and . _ @ -, starting with a letter or digit")],
            )
        named[part] = value
    return DEVELOPMENT_PRINCIPAL.model_copy(update=named)
