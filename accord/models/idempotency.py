from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import LargeBinary, SmallInteger, String, func
from sqlalchemy.orm import Mapped, mapped_column

from accord.models.base import Base


class IdempotencyKey(Base):
    """A POST's Idempotency-Key, per caller: the request it came with (as a fingerprint) and the answer
    it got, replayed to a retry of the same request."""

    __tablename__ = "idempotency_keys"

    principal: Mapped[str] = mapped_column(String(200), primary_key=True)
    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(server_default=func.now(), index=True)
    status: Mapped[int | None] = mapped_column(SmallInteger)  # None while the first request runs
    headers: Mapped[list[Any] | None]
    body: Mapped[bytes | None] = mapped_column(LargeBinary)
