"""How Accord's customers, agreements and subscriptions read as TMF629 Customer, TMF666 BillingAccount
and TMF637 Product, and back: pure functions over plain values (rows, dicts)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from accord.errors import FieldError, InvalidInput
from accord.tmf.conventions import ACCOUNT_API, CUSTOMER_API, PRODUCT_INVENTORY_API, date_time, href, money, ref

# --- statuses ---------------------------------------------------------------------------------------

# TMF629 leaves Customer.status free; these are the values of its examples and user guide.
CUSTOMER_STATUS = {"prospect": "Initialized", "active": "Approved", "suspended": "Suspended", "closed": "Closed"}
# TMF666 BillingAccount.state is free text too.
AGREEMENT_STATE = {"active": "Active", "suspended": "Suspended", "closed": "Closed"}
# TMF637 ProductStatusType (the enumeration), from the subscription's lifecycle.
SUBSCRIPTION_STATUS = {"active": "active", "suspended": "suspended", "terminated": "terminated"}


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


# --- TMF629 Customer --------------------------------------------------------------------------------

# The Customer attributes Accord stores in its own columns; every other attribute a client sends
# (engagedParty, relatedParty, creditProfile, paymentMethod, validFor, ...) is kept as given.
CUSTOMER_MAPPED = frozenset(
    {"id", "href", "@type", "name", "status", "statusReason", "contactMedium", "characteristic", "account"}
)
EMAIL_TYPES = frozenset({"home", "work", "billing", "other"})
PHONE_TYPES = frozenset({"mobile", "home", "work", "billing", "fax", "other"})
ADDRESS_TYPES = frozenset({"home", "work", "billing", "shipping", "other"})


def contact_media(emails: list[Any], phones: list[Any], addresses: list[Any]) -> list[dict[str, Any]]:
    """Accord's emails, phones and postal addresses as TMF ContactMedium."""
    media: list[dict[str, Any]] = []
    for e in emails:
        media.append(
            {
                "mediumType": "email",
                "preferred": bool(e.get("preferred")),
                "characteristic": {"contactType": e.get("type", "other"), "emailAddress": e["address"]},
            }
        )
    for p in phones:
        media.append(
            {
                "mediumType": "fax" if p.get("type") == "fax" else "telephone",
                "preferred": bool(p.get("preferred")),
                "characteristic": {"contactType": p.get("type", "other"), "phoneNumber": p["number"]},
            }
        )
    for a in addresses:
        characteristic = {
            "contactType": a.get("type", "other"),
            "street1": a.get("line1"),
            "street2": a.get("line2"),
            "city": a.get("city"),
            "postCode": a.get("postcode"),
            "stateOrProvince": a.get("region"),
            "country": a.get("country"),
        }
        media.append(
            {
                "mediumType": "postalAddress",
                "preferred": bool(a.get("preferred")),
                "characteristic": present(characteristic),
            }
        )
    return media


def accord_contacts(media: Any) -> dict[str, list[dict[str, Any]]]:
    """TMF ContactMedium → Accord's emails, phones and addresses (validated by the customer rules).
    A medium is told by what it carries: emailAddress, phoneNumber / faxNumber, or street1."""
    emails: list[dict[str, Any]] = []
    phones: list[dict[str, Any]] = []
    addresses: list[dict[str, Any]] = []
    for medium in media if isinstance(media, list) else []:
        c = medium.get("characteristic") if isinstance(medium, dict) else None
        if not isinstance(c, dict):
            continue
        kind = c.get("contactType")
        preferred = bool(medium.get("preferred"))
        if c.get("emailAddress"):
            emails.append(
                {"address": c["emailAddress"], "type": kind if kind in EMAIL_TYPES else "other", "preferred": preferred}
            )
        elif c.get("phoneNumber") or c.get("faxNumber"):
            fax = not c.get("phoneNumber")
            phone_type = "fax" if fax else (kind if kind in PHONE_TYPES else "other")
            phones.append(
                {"number": c.get("phoneNumber") or c["faxNumber"], "type": phone_type, "preferred": preferred}
            )
        elif c.get("street1"):
            address = {
                "line1": c["street1"],
                "line2": c.get("street2"),
                "city": c.get("city"),
                "postcode": c.get("postCode"),
                "region": c.get("stateOrProvince"),
                "country": c.get("country"),
                "type": kind if kind in ADDRESS_TYPES else "other",
                "preferred": preferred,
            }
            addresses.append({k: v for k, v in address.items() if v is not None})
    return {"emails": emails, "phones": phones, "addresses": addresses}


def accord_characteristics(characteristics: Any) -> list[dict[str, str]]:
    """TMF Characteristic {name, value (any)} → Accord's {name, value} (the value as text)."""
    found = []
    for c in characteristics if isinstance(characteristics, list) else []:
        if isinstance(c, dict) and "name" in c:
            value = c.get("value")
            found.append({"name": str(c["name"]), "value": value if isinstance(value, str) else json_text(value)})
    return found


def json_text(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def accord_names(kind: str, name: str) -> dict[str, str | None]:
    """A TMF name → Accord's names: an organisation's trading name; an individual's given names and
    family name (the last word)."""
    name = name.strip()
    if kind == "organisation":
        return {"tradingName": name}
    given, _, family = name.rpartition(" ")
    return {"givenName": given or None, "familyName": family} if given else {"givenName": None, "familyName": name}


def customer_kind(engaged_party: Any) -> str:
    referred = engaged_party.get("@referredType", "") if isinstance(engaged_party, dict) else ""
    return "organisation" if str(referred).lower() in ("organization", "organisation") else "individual"


def customer(row: Any, *, extension: Mapping[str, Any], accounts: list[dict[str, Any]]) -> dict[str, Any]:
    """A customer (ORM row or a row with its columns) as a TMF629 Customer. `extension` holds the
    attributes Accord does not model, as the client sent them."""
    name = customer_name(row.kind, row.given_name, row.family_name, row.trading_name, row.customer_number)
    resource: dict[str, Any] = {
        "id": str(row.id),
        "href": href(CUSTOMER_API, "customer", row.id),
        "name": name,
        "status": to_tmf_status(CUSTOMER_STATUS, row.status),
        "statusReason": row.status_reason,
        # Accord's own customers are their own engaged party; a TMF client's reference is kept as sent.
        "engagedParty": {"id": str(row.id), "name": name, "@referredType": party_type(row.kind)},
        "contactMedium": contact_media(row.emails or [], row.phones or [], row.addresses or []),
        "characteristic": [
            {"name": c["name"], "valueType": "string", "value": c["value"]} for c in row.characteristics or []
        ],
        "account": accounts,
        "validFor": {"startDateTime": date_time(row.created_at)},
        **{k: v for k, v in extension.items() if k not in CUSTOMER_MAPPED},
        "@type": "Customer",
    }
    return present(resource)


CUSTOMER_ACTIONS = frozenset({"activate", "suspend", "resume", "close"})


def customer_action(current: str, wanted: str) -> str:
    """The lifecycle action that takes a customer from `current` to `wanted` (the customer rules
    refuse it, 409, when the lifecycle does not allow it)."""
    if wanted == "active":
        return "activate" if current == "prospect" else "resume"
    return {"suspended": "suspend", "closed": "close"}.get(wanted, f"become {wanted}")


# --- TMF666 BillingAccount --------------------------------------------------------------------------

# Attributes derived from the agreement; every other one a client sends is kept as given (name too:
# Accord's agreements have a number, not a name).
ACCOUNT_MAPPED = frozenset(
    {"id", "href", "@type", "state", "billStructure", "defaultPaymentMethod", "creditLimit", "lastModified"}
)
PAYMENT_METHOD_TYPES = frozenset({"creditCard", "bankTransfer", "electronicCheck", "mailedCheck"})
DEFAULT_PAYMENT_METHOD = "bankTransfer"  # the customer pays each bill by transfer (nothing collected)
DEFAULT_BILL_DAY = 1
DEFAULT_BILL_DELIVERY = "electronic"


def bill_cycle_ref(bill_day: int) -> dict[str, Any]:
    cycle_id = f"monthly-{bill_day}"
    return {
        "id": cycle_id,
        "href": href(ACCOUNT_API, "billingCycleSpecification", cycle_id),
        "name": f"Monthly, bill day {bill_day}",
        "isRef": True,
        "@referredType": "BillingCycleSpecification",
    }


def billing_account(agreement: Any, *, extension: Mapping[str, Any], customer_name: str) -> dict[str, Any]:
    """An agreement (ORM row) as a TMF666 BillingAccount. Its relatedParty lists the Accord customer
    that holds it (role "customer") first, then the parties the client sent, as sent."""
    a = agreement
    parties = [
        p for p in extension.get("relatedParty", []) if isinstance(p, dict) and p.get("id") != str(a.customer_id)
    ]
    resource: dict[str, Any] = {
        "id": str(a.id),
        "href": href(ACCOUNT_API, "billingAccount", a.id),
        "name": a.agreement_number,
        "accountType": "billing",
        **{k: v for k, v in extension.items() if k not in ACCOUNT_MAPPED},
        "state": to_tmf_status(AGREEMENT_STATE, a.status),
        "relatedParty": [customer_ref(a.customer_id, customer_name, role="customer"), *parties],
        "billStructure": {
            "cycleSpecification": bill_cycle_ref(a.bill_day),
            "presentationMedia": [
                {
                    "id": a.bill_delivery,
                    "href": href(ACCOUNT_API, "billPresentationMedia", a.bill_delivery),
                    "name": a.bill_delivery,
                    "isRef": True,
                    "@referredType": "BillPresentationMedia",
                }
            ],
        },
        "defaultPaymentMethod": {
            "id": a.payment_method_type,
            "name": a.payment_method_type,
            "@referredType": "PaymentMethod",
        },
        "creditLimit": None if a.credit_limit is None else money(a.credit_limit, a.currency),
        "lastModified": date_time(a.updated_at),
        "@type": "BillingAccount",
    }
    return present(resource)


def agreement_terms(body: Mapping[str, Any], default_currency: str) -> dict[str, Any]:
    """A TMF BillingAccount body → the terms of a new Accord agreement (camelCase, validated by the
    agreement rules). Unnamed terms take documented defaults: the currency setting, bill day 1,
    electronic bills, paid by bank transfer."""
    limit = body.get("creditLimit") if isinstance(body.get("creditLimit"), dict) else None
    structure: dict[str, Any] = body["billStructure"] if isinstance(body.get("billStructure"), dict) else {}
    terms: dict[str, Any] = {
        "currency": (limit or {}).get("unit") or default_currency,
        "billCycle": {"billDay": bill_day_of(structure.get("cycleSpecification")) or DEFAULT_BILL_DAY},
        "billDelivery": bill_delivery_of(structure.get("presentationMedia")) or DEFAULT_BILL_DELIVERY,
        "paymentMethod": {"type": payment_method_of(body.get("defaultPaymentMethod")) or DEFAULT_PAYMENT_METHOD},
    }
    if limit is not None and limit.get("value") is not None:
        terms["creditLimit"] = str(limit["value"])
    return terms


def _credit_limit(limit: Any, currency: str) -> str | None:
    """A TMF Money credit limit → the amount as text; null (or a null value) removes the limit."""
    if limit is None:
        return None
    if not isinstance(limit, dict):
        raise InvalidInput(
            "invalid creditLimit", [FieldError("creditLimit", 'a Money object: {"value": …, "unit": …}, or null')]
        )
    if limit.get("unit") not in (None, currency):
        raise InvalidInput(
            "the credit limit is in the account's currency",
            [FieldError("creditLimit.unit", f"the account is in {currency}")],
        )
    return None if limit.get("value") is None else str(limit["value"])


def bill_day_of(cycle: Any) -> int | None:
    """monthly-N (a billingCycleSpecification id) → N."""
    cycle_id = str(cycle.get("id", "")) if isinstance(cycle, dict) else ""
    day = cycle_id.removeprefix("monthly-")
    return int(day) if cycle_id.startswith("monthly-") and day.isdigit() else None


def bill_delivery_of(media: Any) -> str | None:
    for medium in media if isinstance(media, list) else []:
        if isinstance(medium, dict) and medium.get("id") in ("electronic", "paper"):
            return str(medium["id"])
    return None


def payment_method_of(method: Any) -> str | None:
    method_id = method.get("id") if isinstance(method, dict) else None
    return method_id if method_id in PAYMENT_METHOD_TYPES else None


def agreement_patch(changed: Mapping[str, Any], currency: str) -> dict[str, Any]:
    """The changed TMF attributes → a merge patch of the agreement's settings (in `currency`, which a
    creditLimit's unit cannot change)."""
    patch: dict[str, Any] = {}
    if "state" in changed:
        patch["status"] = from_tmf_status(AGREEMENT_STATE, [str(changed["state"])])[0]
    if "creditLimit" in changed:
        patch["creditLimit"] = _credit_limit(changed["creditLimit"], currency)
    structure = changed.get("billStructure")
    if isinstance(structure, dict):
        day = bill_day_of(structure.get("cycleSpecification"))
        if day is not None:
            patch["billCycle"] = {"billDay": day}
        delivery = bill_delivery_of(structure.get("presentationMedia"))
        if delivery is not None:
            patch["billDelivery"] = delivery
    if "defaultPaymentMethod" in changed:
        method = payment_method_of(changed["defaultPaymentMethod"])
        if method is not None:
            patch["paymentMethod"] = {"type": method}
    return patch
