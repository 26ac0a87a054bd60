"""Who is calling, and through which channel. Access control decides from this one value."""

from __future__ import annotations

from pydantic import BaseModel


class Principal(BaseModel):
    subject: str
    channel: str

    @property
    def audit_name(self) -> str:
        """What the created_by / updated_by columns record."""
        return f"{self.subject}@{self.channel}"


DEVELOPMENT_PRINCIPAL = Principal(subject="developer", channel="development")
MIGRATION_CHANNEL = "migration"
