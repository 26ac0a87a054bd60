from __future__ import annotations

from typing import Any

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from accord.models.base import Audited, Base


class TmfDocument(Audited, Base):
    """A TM Forum resource Accord does not model, kept as the client sent it (partyAccount,
    financialAccount, settlementAccount, billFormat, client-defined billingCycleSpecification), or the
    TM Forum-only attributes of a resource Accord does model (kind "customer" / "billingAccount", id =
    the Accord customer's or agreement's id): e.g. a customer's engagedParty reference."""

    __tablename__ = "tmf_documents"
    __table_args__ = (Index("ix_tmf_documents_kind_created_at_id", "kind", "created_at", "id"),)

    kind: Mapped[str] = mapped_column(String(60), primary_key=True)
    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    body: Mapped[dict[str, Any]] = mapped_column(default=dict)
