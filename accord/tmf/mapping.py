"""How Accord's customers, agreements and subscriptions read as TMF629 Customer, TMF666 BillingAccount
and TMF637 Product, and back: pure functions over plain values (rows, dicts)."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from accord.tmf.conventions import ACCOUNT_API, CUSTOMER_API, PRODUCT_INVENTORY_API, date_time, href, money, ref

# --- statuses ---------------------------------------------------------------------------------------

# TMF629 leaves Customer.status free; these are the values of its examples and user guide.
CUSTOMER_STATUS = {"prospect": "Initialized", "active": "Approved", "suspended": "Suspended", "closed": "Closed"}
# TMF666 BillingAccount.state is free text too.
AGREEMENT_STATE = {"active": "Active", "suspended": "Suspended", "closed": "Closed"}
# TMF637 ProductStatusType (the enumeration), from the subscription's lifecycle.
SUBSCRIPTION_STATUS = {
    "pending": "pendingActive",
    "active": "active",
    "suspended": "suspended",
    "terminated": "terminated",
    "cancelled": "cancelled",
}


def to_tmf_status(mapping: Mapping[str, str], status: str) -> str:
    return mapping.get(status, status)


def from_tmf_status(mapping: Mapping[str, str], values: list[str]) -> list[str]:
    """Accord statuses for TMF status filter values (case-insensitive; an Accord status is accepted as is)."""
    back = {tmf.lower(): accord for accord, tmf in mapping.items()}
    return [back.get(v.lower(), v.lower()) for v in values]


# --- names and references ---------------------------------------------------------------------------


def customer_name(
    kind: str, given_name: str | None, family_name: str | None, trading_name: str | None, fallback: str
) -> str:
    """An organisation's trading name; an individual's given and family names (the customer number
    when Accord has no name, so that name is always a string)."""
    if kind == "organisation" and trading_name:
        return trading_name
    return " ".join(n for n in (given_name, family_name) if n) or trading_name or fallback


def party_type(kind: str) -> str:
    return "Organization" if kind == "organisation" else "Individual"


def customer_ref(customer_id: object, name: str | None = None, *, role: str | None = None) -> dict[str, Any]:
    reference = ref(CUSTOMER_API, "customer", customer_id, "Customer", name)
    if role is not None:
        reference["role"] = role
    return reference


def billing_account_ref(agreement_id: object, name: str | None = None) -> dict[str, Any]:
    return ref(ACCOUNT_API, "billingAccount", agreement_id, "BillingAccount", name)


def product_href(subscription_id: object) -> str:
    return href(PRODUCT_INVENTORY_API, "product", subscription_id)


# --- TMF637 Product ---------------------------------------------------------------------------------


def product(
    *,
    subscription: Any,
    offering_name: str,
    agreement_name: str,
    customer_id: object,
    customer_name: str,
) -> dict[str, Any]:
    """A subscription as a TMF637 Product. `subscription` has the Subscription columns."""
    s = subscription
    price: dict[str, Any] = {
        "name": "monthly charge",
        "priceType": "recurring",
        "recurringChargePeriod": "month",
        "price": {"dutyFreeAmount": money(s.list_price + s.price_adjustment, s.currency)},
        "billingAccount": billing_account_ref(s.agreement_id, agreement_name),
    }
    if s.price_adjustment != Decimal(0):
        price["productPriceAlteration"] = [
            {
                "name": "price adjustment",
                "priceType": "recurring",
                "recurringChargePeriod": "month",
                "price": {"dutyFreeAmount": money(s.price_adjustment, s.currency)},
            }
        ]
        price["description"] = f"list price {s.list_price:.2f} {s.currency}, adjusted by {s.price_adjustment:.2f}"
    return present(
        {
            "id": str(s.id),
            "href": product_href(s.id),
            "name": offering_name,
            "status": to_tmf_status(SUBSCRIPTION_STATUS, s.status),
            "isBundle": False,
            "isCustomerVisible": True,
            "startDate": date_time(s.start_date),
            "terminationDate": date_time(s.end_date),
            "productOffering": {
                "id": s.offering_code,
                "href": f"/api/v1/catalogue/offerings/{s.offering_code}",
                "name": offering_name,
                "@referredType": "ProductOffering",
            },
            "billingAccount": billing_account_ref(s.agreement_id, agreement_name),
            "relatedParty": [customer_ref(customer_id, customer_name, role="customer")],
            "productPrice": [price],
            "productCharacteristic": [],
            "@type": "Product",
        }
    )


def present(resource: dict[str, Any]) -> dict[str, Any]:
    """Without the attributes that have no value (TMF omits them rather than sending null)."""
    return {name: value for name, value in resource.items() if value is not None}
