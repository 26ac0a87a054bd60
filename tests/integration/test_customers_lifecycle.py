"""A customer's lifecycle, deletion, anonymisation, hierarchy and audit trail, through the API."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from accord.models import AuditEvent, Subscription
from accord.principal import Principal
from accord.services import audit
from accord.services.audit import Change
from tests.conftest import shop_order, unique
from tests.integration.helpers import wait_for_order
from tests.integration.test_customers import URL, create, person


async def act(
    api: httpx.AsyncClient, customer: dict[str, Any], action: str, reason: str, **headers: str
) -> httpx.Response:
    return await api.post(f"{customer['href']}/{action}", json={"reasonCode": reason}, headers=headers)


async def shop_customer(api: httpx.AsyncClient) -> dict[str, Any]:
    order = shop_order()
    await api.post("/api/v1/orders", json=order)
    placed = await wait_for_order(api, order["orderRef"])
    assert placed["state"] == "completed", placed
    customer: dict[str, Any] = (await api.get(f"{URL}/{placed['customerId']}")).json()
    return customer | {
        "orderRef": order["orderRef"],
        "agreementId": placed["agreementId"],
        "subscriptionIds": placed["subscriptionIds"],
    }


class TestLifecycle:
    async def test_prospect_active_suspended_active_closed_with_reasons(self, api: httpx.AsyncClient) -> None:
        customer = await create(api)
        steps = [
            ("activate", "customer-request", "active"),
            ("suspend", "non-payment", "suspended"),
            ("resume", "payment-received", "active"),
            ("close", "moved-away", "closed"),
        ]
        for version, (action, reason, status) in enumerate(steps, start=1):
            response = await act(api, customer, action, reason, **{"If-Match": f'W/"{version}"'})
            assert response.status_code == 200, response.text
            assert response.headers["ETag"] == f'W/"{version + 1}"'
            assert (response.json()["status"], response.json()["statusReason"]) == (status, reason)

        trail = (await api.get(f"{customer['href']}/audit")).json()
        assert [(e["action"], e["reasonCode"]) for e in trail["items"]] == [
            ("created", None),
            ("activated", "customer-request"),
            ("suspended", "non-payment"),
            ("resumed", "payment-received"),
            ("closed", "moved-away"),
        ]
        assert trail["items"][2]["changes"]["status"] == {"from": "active", "to": "suspended"}

    async def test_a_transition_the_status_does_not_allow_is_409(self, api: httpx.AsyncClient) -> None:
        customer = await create(api)
        response = await act(api, customer, "resume", "customer-request")
        assert response.status_code == 409
        assert response.json()["errors"][0]["field"] == "status"

    async def test_a_reason_not_of_the_action_is_422(self, api: httpx.AsyncClient) -> None:
        customer = await create(api)
        responses = await asyncio.gather(
            act(api, customer, "activate", "non-payment"),
            api.post(f"{customer['href']}/activate", json={}),
        )
        assert [r.status_code for r in responses] == [422, 422]
        assert [r.json()["errors"][0]["field"] for r in responses] == ["reasonCode", "reasonCode"]

    async def test_closing_with_active_subscriptions_is_refused_listing_them(
        self, api: httpx.AsyncClient, sessions: async_sessionmaker[AsyncSession]
    ) -> None:
        customer = await shop_customer(api)
        response = await act(api, customer, "close", "customer-request")

        assert response.status_code == 409
        errors = response.json()["errors"]
        assert [e["field"] for e in errors] == ["activeSubscriptions"]
        assert all(s in errors[0]["detail"] for s in customer["subscriptionIds"])
        assert (await api.get(customer["href"])).json()["status"] == "active"

        # Once every subscription has ended, it closes.
        async with sessions() as session, session.begin():
            for subscription in await session.scalars(
                select(Subscription).where(Subscription.agreement_id == customer["agreementId"])
            ):
                subscription.status = "terminated"
                subscription.end_date = subscription.start_date
        closed = await act(api, customer, "close", "customer-request")
        assert closed.status_code == 200, closed.text
        assert closed.json()["status"] == "closed"

        # Its agreement closed with it, for the same reason: nothing more is sold onto it.
        agreement_url = f"/api/v1/agreements/{customer['agreementId']}"
        agreement = (await api.get(agreement_url)).json()
        assert (agreement["status"], agreement["statusReason"]) == ("closed", "customer-request")
        last = (await api.get(f"{agreement_url}/history")).json()["items"][-1]
        assert (last["action"], last["reasonCode"]) == ("closed", "customer-request")
        assert last["changes"] == {
            "status": {"from": "active", "to": "closed"},
            "statusReason": {"from": None, "to": "customer-request"},
        }
        sale = await api.post(f"{agreement_url}/subscriptions", json={"offeringCode": "phone-line"})
        assert sale.status_code == 409
        assert sale.json()["errors"] == [{"field": "agreementId", "detail": "is closed"}]


class TestDelete:
    async def test_a_customer_nothing_refers_to_is_deleted(self, api: httpx.AsyncClient) -> None:
        customer = await create(api)
        response = await api.delete(customer["href"], headers={"If-Match": 'W/"1"'})
        assert response.status_code == 204
        assert (await api.get(customer["href"])).status_code == 404
        trail = (await api.get(f"{customer['href']}/audit")).json()
        assert [e["action"] for e in trail["items"]] == ["created", "deleted"]

    async def test_deleting_is_refused_listing_what_blocks_it(self, api: httpx.AsyncClient) -> None:
        customer = await shop_customer(api)
        response = await api.delete(customer["href"])

        assert response.status_code == 409
        fields = [e["field"] for e in response.json()["errors"]]
        assert fields == ["activeSubscriptions", "agreements", "orders"]
        assert customer["orderRef"] in response.json()["errors"][2]["detail"]
        assert (await api.get(customer["href"])).status_code == 200


class TestAnonymise:
    async def test_a_closed_customer_is_anonymised_keeping_its_ids(self, api: httpx.AsyncClient) -> None:
        customer = await create(api, identifications=[{"type": "passport", "number": "X123", "issuingCountry": "US"}])
        await act(api, customer, "close", "customer-request")
        response = await act(api, customer, "anonymise", "gdpr-erasure")

        assert response.status_code == 200, response.text
        anonymous = response.json()
        assert anonymous["id"] == customer["id"]
        assert anonymous["customerNumber"] == customer["customerNumber"]
        assert anonymous["externalRef"] == customer["externalRef"]
        assert anonymous["status"] == "closed"
        assert anonymous["anonymisedAt"] is not None
        assert (anonymous["givenName"], anonymous["familyName"], anonymous["email"], anonymous["phone"]) == (
            None,
            "anonymised",
            None,
            None,
        )
        assert (
            anonymous["emails"] == anonymous["phones"] == anonymous["addresses"] == anonymous["identifications"] == []
        )

        # Not findable by its old data; the trail keeps who did what, but not the values.
        found = await api.get(URL, params={"email": customer["email"]})
        assert found.json()["total"] == 0
        trail = (await api.get(f"{customer['href']}/audit")).json()["items"]
        assert [(e["action"], e["reasonCode"]) for e in trail][-1] == ("anonymised", "gdpr-erasure")
        assert "Grace" not in str(trail)
        assert customer["email"] not in str(trail)
        assert "X123" not in str(trail)
        # Its email is free again.
        again = await create(api, emails=customer["emails"])
        assert again["email"] == customer["email"]

    async def test_an_open_customer_is_not_anonymised_nor_an_anonymised_one_changed(
        self, api: httpx.AsyncClient
    ) -> None:
        customer = await create(api)
        refused = await act(api, customer, "anonymise", "gdpr-erasure")
        assert refused.status_code == 409
        assert refused.json()["errors"][0]["field"] == "status"

        await act(api, customer, "close", "customer-request")
        await act(api, customer, "anonymise", "gdpr-erasure")
        patched = await api.patch(customer["href"], json={"givenName": "Back"})
        assert patched.status_code == 409


class TestHierarchy:
    async def test_an_organisation_with_a_subsidiary_and_a_contact(self, api: httpx.AsyncClient) -> None:
        org = await create(api, type="organisation", givenName=None, familyName=None, tradingName="Acme")
        branch = await create(
            api, type="organisation", givenName=None, familyName=None, tradingName="Acme North",
            parentId=org["id"], relationship="branch", payingParent=True,
        )  # fmt: skip
        contact = await create(api, parentId=org["id"])

        assert (branch["parentId"], branch["relationship"], branch["payingParent"]) == (org["id"], "branch", True)
        assert (contact["parentId"], contact["relationship"]) == (org["id"], "contact")
        children = (await api.get(f"{org['href']}/children")).json()
        assert [c["id"] for c in children["items"]] == [branch["id"], contact["id"]]
        assert children["total"] == 2

        # Deleting the parent is blocked by its children.
        response = await api.delete(org["href"])
        assert response.status_code == 409
        assert response.json()["errors"][0]["field"] == "children"

    async def test_a_parent_is_an_organisation_and_there_are_no_cycles(self, api: httpx.AsyncClient) -> None:
        person = await create(api)
        refused = await api.post(URL, json={"givenName": "Kid", "parentId": person["id"]})
        assert refused.status_code == 422
        assert refused.json()["errors"][0]["field"] == "parentId"

        top = await create(api, type="organisation", givenName=None, familyName=None, tradingName="Top")
        middle = await create(
            api, type="organisation", givenName=None, familyName=None, tradingName="Mid", parentId=top["id"]
        )
        cycle = await api.patch(top["href"], json={"parentId": middle["id"], "relationship": "subsidiary"})
        assert cycle.status_code == 422
        assert cycle.json()["errors"] == [
            {"field": "parentId", "detail": "the parent is this customer or one of its descendants"}
        ]
        unknown = await api.patch(middle["href"], json={"parentId": "00000000-0000-0000-0000-000000000000"})
        assert unknown.status_code == 422

        # Moving the contact under an organisation by PATCH, then detaching it.
        moved = await api.patch(person["href"], json={"parentId": top["id"], "relationship": "employee"})
        assert moved.status_code == 200, moved.text
        detached = await api.patch(person["href"], json={"parentId": None, "relationship": None})
        assert detached.json()["parentId"] is None


class TestAuditTrail:
    async def test_the_trail_says_who_when_what_and_pages(
        self, api: httpx.AsyncClient, sessions: async_sessionmaker[AsyncSession]
    ) -> None:
        customer = await create(api)
        await api.patch(customer["href"], json={"segment": "gold"})
        await api.patch(customer["href"], json={"givenName": "Amazing Grace"})
        await act(api, customer, "activate", "back-office")

        first = (await api.get(f"{customer['href']}/audit", params={"limit": 3})).json()
        second = (await api.get(f"{customer['href']}/audit", params={"limit": 3, "cursor": first["nextCursor"]})).json()

        assert first["total"] == 4
        entries = first["items"] + second["items"]
        assert [e["action"] for e in entries] == ["created", "updated", "updated", "activated"]
        assert second["nextCursor"] is None
        assert entries[1]["changes"] == {"segment": {"from": customer["segment"], "to": "gold"}}
        assert entries[2]["changes"] == {"givenName": {"from": "Grace", "to": "Amazing Grace"}}
        assert {(e["actor"], e["channel"]) for e in entries} == {("developer", "development")}
        assert entries[0]["changes"]["externalRef"] == customer["externalRef"]
        # The outbox got the same events, in the same transactions.
        async with sessions() as session:
            count = len(
                list(await session.scalars(select(AuditEvent.id).where(AuditEvent.customer_id == customer["id"])))
            )
        assert count == 4

    async def test_an_unknown_customer_has_no_trail(self, api: httpx.AsyncClient) -> None:
        response = await api.get(f"{URL}/00000000-0000-0000-0000-000000000000/audit")
        assert response.status_code == 404


class TestTrailOfWhatTheCustomerHolds:
    async def test_changes_to_its_agreements_are_in_its_trail(
        self, api: httpx.AsyncClient, sessions: async_sessionmaker[AsyncSession]
    ) -> None:
        customer = await shop_customer(api)
        async with sessions() as session, session.begin():
            await audit.record(
                session,
                Principal(subject="csa-7", channel="desktop"),
                [
                    Change(
                        "agreement",
                        uuid.UUID(customer["agreementId"]),
                        "updated",
                        customer_id=uuid.UUID(customer["id"]),
                        changes={"billDay": {"from": 15, "to": 1}},
                        reason_code="customer-request",
                    )
                ],
            )
        trail = (await api.get(f"{customer['href']}/audit")).json()["items"]
        last = trail[-1]
        assert (last["entityType"], last["entityId"], last["actor"], last["channel"]) == (
            "agreement",
            customer["agreementId"],
            "csa-7",
            "desktop",
        )
        assert last["changes"] == {"billDay": {"from": 15, "to": 1}}
        assert trail[0]["action"] == "created"
        assert trail[0]["reasonCode"] == "first-order"


class TestIdempotentCreate:
    async def test_a_retried_create_with_its_key_replays_the_first_answer(self, api: httpx.AsyncClient) -> None:
        body = person()
        key = unique("key")
        first = await api.post(URL, json=body, headers={"Idempotency-Key": key})
        second = await api.post(URL, json=body, headers={"Idempotency-Key": key})
        assert (first.status_code, second.status_code) == (201, 201)
        assert second.content == first.content
        assert second.headers["Location"] == first.headers["Location"]
        found = (await api.get(URL, params={"externalRef": body["externalRef"]})).json()
        assert found["total"] == 1
