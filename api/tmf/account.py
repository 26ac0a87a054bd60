"""TMF666 Account Management: billingAccount over Accord's agreements; billingCycleSpecification and
billPresentationMedia from Accord's bill cycles and bill deliveries; billFormat, partyAccount,
financialAccount and settlementAccount (which Accord does not model) kept as documents."""

from __future__ import annotations

from functools import cache
from typing import Any

from fastapi import APIRouter

from accord.tmf.conventions import ACCOUNT_API, href
from api.tmf.documents import DocumentResource, add_document_routes

router = APIRouter(prefix=ACCOUNT_API, tags=["TMF666 Account Management"])


@cache
def bill_cycles() -> tuple[dict[str, Any], ...]:
    """Accord's bill cycles: monthly, on a bill day from 1 to 28 (an agreement's billCycle)."""
    return tuple(
        {
            "id": f"monthly-{day}",
            "href": href(ACCOUNT_API, "billingCycleSpecification", f"monthly-{day}"),
            "name": f"Monthly, bill day {day}",
            "description": f"Billed monthly; each bill period starts on day {day} of the month",
            "frequency": "monthly",
            "billingPeriod": "month",
            "@type": "BillingCycleSpecification",
        }
        for day in range(1, 29)
    )


BILL_DELIVERIES = {
    "electronic": "Bills sent electronically (e-mail and self-service)",
    "paper": "Bills printed and posted to the billing address",
}


@cache
def bill_presentation_media() -> tuple[dict[str, Any], ...]:
    """Accord's bill deliveries (an agreement's billDelivery)."""
    return tuple(
        {
            "id": medium,
            "href": href(ACCOUNT_API, "billPresentationMedia", medium),
            "name": medium,
            "description": description,
            "@type": "BillPresentationMedia",
        }
        for medium, description in BILL_DELIVERIES.items()
    )


DOCUMENTS = (
    DocumentResource(ACCOUNT_API, "billFormat", "BillFormat"),
    DocumentResource(ACCOUNT_API, "partyAccount", "PartyAccount", required=("name", "relatedParty")),
    DocumentResource(ACCOUNT_API, "billingCycleSpecification", "BillingCycleSpecification", fixed=bill_cycles),
    DocumentResource(ACCOUNT_API, "financialAccount", "FinancialAccount"),
    DocumentResource(
        ACCOUNT_API, "billPresentationMedia", "BillPresentationMedia", fixed=bill_presentation_media, writable=False
    ),
    DocumentResource(ACCOUNT_API, "settlementAccount", "SettlementAccount", required=("name", "relatedParty")),
)
for resource in DOCUMENTS:
    add_document_routes(router, resource)
