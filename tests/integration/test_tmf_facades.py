"""The TM Forum facades against real PostgreSQL and Temporal: conventions (fields=, paging headers,
filters, 404 problem, merge patch) and the mapping to Accord's customers, agreements, subscriptions."""

from __future__ import annotations

import httpx

from tests.conftest import shop_order, unique
from tests.integration.helpers import wait_for_order

CUSTOMERS = "/tmf-api/customerManagement/v4/customer"
ACCOUNTS = "/tmf-api/accountManagement/v4/billingAccount"
PRODUCTS = "/tmf-api/productInventory/v4/product"


async def test_customer_create_read_filter_and_patch(api: httpx.AsyncClient) -> None:
    name = unique("Moon Football Club")
    created = await api.post(
        CUSTOMERS,
        json={
            "name": name,
            "engagedParty": {"@referredType": "Organization", "id": "500"},
            "contactMedium": [
                {
                    "mediumType": "email",
                    "preferred": True,
                    "characteristic": {"emailAddress": f"{unique('club')}@example.com"},
                },
                {"mediumType": "telephone", "characteristic": {"phoneNumber": "+44 20 7946 0958"}},
            ],
            "characteristic": [{"name": "segment", "value": "sports"}],
        },
    )
    assert created.status_code == 201, created.text
    customer = created.json()
    assert customer["@type"] == "Customer"
    assert customer["href"] == f"{CUSTOMERS}/{customer['id']}"
    assert customer["status"] == "Initialized"  # a prospect
    assert customer["engagedParty"] == {"@referredType": "Organization", "id": "500"}  # kept as sent
    phone = next(m for m in customer["contactMedium"] if m["mediumType"] == "telephone")
    assert phone["characteristic"]["phoneNumber"] == "+442079460958"  # E.164, by the customer rules

    # The same customer through Accord's own API.
    own = (await api.get(f"/api/v1/customers/{customer['id']}")).json()
    assert own["type"] == "organisation"
    assert own["tradingName"] == name
    assert own["status"] == "prospect"

    listed = await api.get(CUSTOMERS, params={"name": name})
    assert listed.status_code == 200
    assert [c["id"] for c in listed.json()] == [customer["id"]]
    assert listed.headers["X-Total-Count"] == "1"
    assert listed.headers["X-Result-Count"] == "1"
    assert (await api.get(CUSTOMERS, params={"name": name, "status": "Approved"})).json() == []

    selected = (await api.get(CUSTOMERS, params={"id": customer["id"], "fields": "name"})).json()
    assert selected == [{"id": customer["id"], "href": customer["href"], "@type": "Customer", "name": name}]

    read = await api.get(f"{CUSTOMERS}/{customer['id']}")
    patched = await api.patch(
        f"{CUSTOMERS}/{customer['id']}",
        json={"name": "Sun Football Club", "status": "Approved", "statusReason": "customer-request"},
        headers={"Content-Type": "application/merge-patch+json", "If-Match": read.headers["ETag"]},
    )
    assert patched.status_code == 200, patched.text
    assert patched.json()["name"] == "Sun Football Club"
    assert patched.json()["status"] == "Approved"
    assert patched.json()["engagedParty"]["id"] == "500"
    own = (await api.get(f"/api/v1/customers/{customer['id']}")).json()
    assert (own["tradingName"], own["status"]) == ("Sun Football Club", "active")

    stale = await api.patch(
        f"{CUSTOMERS}/{customer['id']}", json={"name": "Late"}, headers={"If-Match": read.headers["ETag"]}
    )
    assert stale.status_code == 412
    invalid = await api.patch(
        f"{CUSTOMERS}/{customer['id']}",
        json={"contactMedium": [{"mediumType": "telephone", "characteristic": {"phoneNumber": "12"}}]},
    )
    assert invalid.status_code == 422
    assert invalid.json()["errors"][0]["field"] == "contactMedium"


async def test_customer_errors_are_problems(api: httpx.AsyncClient) -> None:
    missing = await api.get(f"{CUSTOMERS}/c2df1950-c17c-4576-9c22-e59073a4a86a")
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"
    assert (await api.get(f"{CUSTOMERS}/not-an-id")).status_code == 404
    no_party = await api.post(CUSTOMERS, json={"name": "Nobody"})
    assert no_party.status_code == 422
    assert [e["field"] for e in no_party.json()["errors"]] == ["engagedParty"]
    unknown_filter = await api.get(CUSTOMERS, params={"colour": "blue"})
    assert unknown_filter.status_code == 422
    assert unknown_filter.json()["errors"][0]["field"] == "colour"
    assert (await api.get(CUSTOMERS, params={"limit": 0})).status_code == 422


async def test_billing_account_for_an_unknown_party_and_a_known_customer(api: httpx.AsyncClient) -> None:
    party = unique("6838")
    body = {
        "name": "Home Account",
        "relatedParty": [{"@referredType": "Organization", "id": party, "name": "Richard Cole"}],
    }
    first = await api.post(ACCOUNTS, json=body)
    second = await api.post(ACCOUNTS, json=body)
    assert (first.status_code, second.status_code) == (201, 201), first.text
    a, b = first.json(), second.json()
    assert a["id"] != b["id"]
    assert a["name"] == "Home Account"
    # One prospect customer stands for the party, whatever the number of accounts.
    holder = a["relatedParty"][0]
    assert holder["role"] == "customer"
    assert b["relatedParty"][0]["id"] == holder["id"]
    assert a["relatedParty"][1] == body["relatedParty"][0]
    customer = (await api.get(f"/api/v1/customers/{holder['id']}")).json()
    assert (customer["tradingName"], customer["status"], customer["externalRef"]) == (
        "Richard Cole",
        "prospect",
        f"tmf:Organization:{party}",
    )
    agreement = (await api.get(f"/api/v1/agreements/{a['id']}")).json()
    assert (agreement["currency"], agreement["billCycle"]["billDay"], agreement["billDelivery"]) == (
        "USD",
        1,
        "electronic",
    )
    assert a["billStructure"]["cycleSpecification"]["id"] == "monthly-1"
    assert a["state"] == "Active"

    cycle = (await api.get("/tmf-api/accountManagement/v4/billingCycleSpecification/monthly-1")).json()
    assert cycle["name"] == "Monthly, bill day 1"

    mine = await api.post(
        ACCOUNTS,
        json={
            "name": "Office",
            "relatedParty": [{"@referredType": "Customer", "id": holder["id"], "name": "Richard Cole"}],
            "creditLimit": {"unit": "USD", "value": 250.5},
            "billStructure": {"cycleSpecification": {"id": "monthly-15"}, "presentationMedia": [{"id": "paper"}]},
        },
    )
    assert mine.status_code == 201, mine.text
    account = mine.json()
    assert account["relatedParty"] == [holder]
    assert account["creditLimit"] == {"unit": "USD", "value": 250.5}
    assert account["billStructure"]["presentationMedia"][0]["id"] == "paper"

    patched = await api.patch(
        f"{ACCOUNTS}/{account['id']}",
        json={"creditLimit": {"unit": "USD", "value": 300}, "description": "head office"},
        headers={"If-Match": mine.headers["ETag"]},
    )
    assert patched.status_code == 200, patched.text
    assert patched.json()["creditLimit"]["value"] == 300
    assert patched.json()["description"] == "head office"
    assert (await api.get(f"/api/v1/agreements/{account['id']}")).json()["creditLimit"] == "300.00"
    # The limit is in the account's currency, and a Money object or null: anything else is refused,
    # never read as "no limit".
    refusals: list[tuple[dict[str, object], str]] = [
        ({"creditLimit": {"unit": "EUR", "value": 400}}, "creditLimit.unit"),
        ({"creditLimit": "5000"}, "creditLimit"),
    ]
    for patch, field in refusals:
        refused = await api.patch(f"{ACCOUNTS}/{account['id']}", json=patch)
        assert refused.status_code == 422, patch
        assert [e["field"] for e in refused.json()["errors"]] == [field]
    assert (await api.get(f"/api/v1/agreements/{account['id']}")).json()["creditLimit"] == "300.00"
    removed = await api.patch(f"{ACCOUNTS}/{account['id']}", json={"creditLimit": None})
    assert removed.status_code == 200, removed.text
    assert (await api.get(f"/api/v1/agreements/{account['id']}")).json()["creditLimit"] is None

    by_customer = await api.get(ACCOUNTS, params={"relatedParty.id": holder["id"], "limit": 2, "offset": 1})
    assert by_customer.headers["X-Total-Count"] == "3"
    assert by_customer.headers["X-Result-Count"] == "2"
    assert [x["id"] for x in by_customer.json()] == [b["id"], account["id"]]
    assert (await api.get(f"{ACCOUNTS}/a3d00424-24fe-43a1-b25d-45ace15de5e2")).status_code == 404


async def test_documents_are_kept_as_sent(api: httpx.AsyncClient) -> None:
    url = "/tmf-api/accountManagement/v4/partyAccount"
    name = unique("Travel account")
    body = {
        "name": name,
        "relatedParty": [{"@referredType": "Organization", "id": "4665", "name": "John Doe"}],
        "paymentStatus": "due",
    }
    created = await api.post(url, json=body)
    assert created.status_code == 201, created.text
    document = created.json()
    assert document == {"id": document["id"], "href": f"{url}/{document['id']}", **body, "@type": "PartyAccount"}
    patched = await api.patch(f"{url}/{document['id']}", json={"paymentStatus": None, "state": "active"})
    assert patched.json()["state"] == "active"
    assert "paymentStatus" not in patched.json()
    assert [d["id"] for d in (await api.get(url, params={"name": name})).json()] == [document["id"]]
    assert (await api.post(url, json={"name": "no party"})).status_code == 422
    assert (await api.delete(f"{url}/{document['id']}")).status_code == 204
    assert (await api.get(f"{url}/{document['id']}")).status_code == 404

    media = (await api.get("/tmf-api/accountManagement/v4/billPresentationMedia")).json()
    assert [m["id"] for m in media] == ["electronic", "paper"]
    cycles = await api.get("/tmf-api/accountManagement/v4/billingCycleSpecification", params={"offset": 26, "limit": 3})
    assert [c["id"] for c in cycles.json()][:2] == ["monthly-27", "monthly-28"]


async def test_products_are_subscriptions(api: httpx.AsyncClient) -> None:
    order = shop_order()
    await api.post("/api/v1/orders", json=order)
    done = await wait_for_order(api, order["orderRef"])
    agreement_id = done["agreementId"]
    products = await api.get(PRODUCTS, params={"billingAccount.id": agreement_id})
    assert products.status_code == 200
    assert products.headers["X-Total-Count"] == "2"
    fiber = next(p for p in products.json() if p["productOffering"]["id"] == "fiber-optic")
    assert fiber["status"] == "active"
    assert fiber["billingAccount"]["id"] == agreement_id
    assert fiber["relatedParty"][0]["id"] == done["customerId"]
    assert fiber["productPrice"][0]["productPriceAlteration"][0]["price"]["dutyFreeAmount"]["value"] == -5.0
    one = await api.get(f"{PRODUCTS}/{fiber['id']}", params={"fields": "status"})
    assert one.json() == {"id": fiber["id"], "href": fiber["href"], "@type": "Product", "status": "active"}
    assert "ETag" in one.headers
    assert (await api.get(PRODUCTS, params={"id": fiber["id"], "status": "terminated"})).json() == []
    assert (await api.get(f"{PRODUCTS}/55a2163b-489e-4138-93e9-8becb24272f2")).status_code == 404
