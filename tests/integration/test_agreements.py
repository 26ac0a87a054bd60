"""Agreements through the API: open, list, change (If-Match, merge patch, bill day from the next
period, status with reasons, closing refused with blockers) and their history."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from accord.clock import business_today
from accord.models import Agreement
from accord.rules.bill_cycle import next_period_start
from accord.rules.orders import add_months
from tests.conftest import shop_order
from tests.integration.helpers import wait_for_order

MERGE_PATCH = {"content-type": "application/merge-patch+json"}


async def onboarded(api: httpx.AsyncClient, **overrides: Any) -> dict[str, Any]:
    """A customer onboarded through the shop: fiber (5.00 off) + streaming TV, bill day 15, 12 months."""
    order = shop_order(**overrides)
    assert (await api.post("/api/v1/orders", json=order)).status_code == 202
    done = await wait_for_order(api, order["orderRef"])
    assert done["state"] == "completed", done
    return done


def new_agreement(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "currency": "USD",
        "billCycle": {"billDay": 5},
        "billDelivery": "paper",
        "paymentMethod": {"type": "bankTransfer", "automatic": False},
        "commitmentTerm": 24,
        "billingAddress": {"line1": "1 Rue de Rivoli", "city": "Paris", "country": "FR"},
        "creditLimit": "250.00",
    }
    body.update(overrides)
    return body


class TestCreateAndList:
    async def test_a_second_agreement_for_a_customer(self, api: httpx.AsyncClient) -> None:
        done = await onboarded(api)
        customer_id = done["customerId"]
        response = await api.post(f"/api/v1/customers/{customer_id}/agreements", json=new_agreement())
        assert response.status_code == 201, response.text
        created = response.json()
        assert response.headers["ETag"] == 'W/"1"'
        assert response.headers["Location"] == f"/api/v1/agreements/{created['id']}"
        assert created["customerId"] == customer_id
        assert created["agreementNumber"].startswith("A")
        assert created["billCycle"] == {"frequency": "monthly", "billDay": 5}
        assert created["billDelivery"] == "paper"
        assert created["creditLimit"] == "250.00"
        assert created["commitmentTerm"] == 24
        today = business_today()
        assert created["commitmentEndDate"] == add_months(today, 24).isoformat()
        assert created["monthlyRecurringCharge"] == "0.00"
        assert created["subscriptions"] == []

        listed = (await api.get(f"/api/v1/customers/{customer_id}/agreements")).json()
        assert listed["total"] == 2
        assert [a["id"] for a in listed["items"]] == [done["agreementId"], created["id"]]
        assert listed["items"][0]["monthlyRecurringCharge"] == "55.00"

    async def test_invalid_terms_are_422_naming_the_field(self, api: httpx.AsyncClient) -> None:
        done = await onboarded(api)
        url = f"/api/v1/customers/{done['customerId']}/agreements"
        bad_day = await api.post(url, json=new_agreement(billCycle={"billDay": 31}))
        assert bad_day.status_code == 422
        assert bad_day.json()["errors"][0]["field"] == "billCycle.billDay"
        bad_limit = await api.post(url, json=new_agreement(creditLimit="10.001"))
        assert bad_limit.status_code == 422
        assert bad_limit.json()["errors"] == [
            {"field": "creditLimit", "detail": "10.001 has more decimals than USD allows"}
        ]
        bad_currency = await api.post(url, json=new_agreement(currency="XYZ"))
        assert bad_currency.status_code == 422
        assert bad_currency.json()["errors"][0]["field"] == "currency"
        nobody = await api.post(
            "/api/v1/customers/00000000-0000-0000-0000-000000000000/agreements", json=new_agreement()
        )
        assert nobody.status_code == 404


class TestPatch:
    async def test_merge_patch_changes_what_it_names_and_bumps_the_etag(self, api: httpx.AsyncClient) -> None:
        done = await onboarded(api)
        url = f"/api/v1/agreements/{done['agreementId']}"
        etag = (await api.get(url)).headers["ETag"]
        response = await api.patch(
            url,
            headers={**MERGE_PATCH, "If-Match": etag},
            json={
                "billDelivery": "paper",
                "paymentMethod": {"details": {"last4": "1111"}},
                "creditLimit": "100.00",
                "billingAddress": {"line1": "221B Baker Street", "city": "London", "country": "GB"},
            },
        )
        assert response.status_code == 200, response.text
        patched = response.json()
        assert patched["billDelivery"] == "paper"
        # Merge patch: the details merge, the rest of the payment method stays.
        assert patched["paymentMethod"] == {"type": "creditCard", "automatic": True, "details": {"last4": "1111"}}
        assert patched["creditLimit"] == "100.00"
        assert patched["billingAddress"]["line1"] == "221B Baker Street"
        assert response.headers["ETag"] != etag
        # null removes
        cleared = await api.patch(url, headers=MERGE_PATCH, json={"creditLimit": None})
        assert cleared.json()["creditLimit"] is None
        # The trail records amounts to the currency's minor unit.
        history = (await api.get(f"{url}/history")).json()["items"]
        updates = [e["changes"] for e in history if e["entityType"] == "agreement" and e["action"] == "updated"]
        assert updates[0]["creditLimit"] == {"from": None, "to": "100.00"}
        assert updates[1]["creditLimit"] == {"from": "100.00", "to": None}

    async def test_the_payment_method_as_read_can_be_sent_back(self, api: httpx.AsyncClient) -> None:
        done = await onboarded(api)
        url = f"/api/v1/agreements/{done['agreementId']}"
        method = (await api.get(url)).json()["paymentMethod"]
        method["automatic"] = False
        response = await api.patch(url, headers=MERGE_PATCH, json={"paymentMethod": method})
        assert response.status_code == 200, response.text
        assert response.json()["paymentMethod"] == {
            "type": "creditCard",
            "automatic": False,
            "details": {"last4": "4242"},
        }

    async def test_stale_if_match_is_412_and_nothing_changes(self, api: httpx.AsyncClient) -> None:
        done = await onboarded(api)
        url = f"/api/v1/agreements/{done['agreementId']}"
        etag = (await api.get(url)).headers["ETag"]
        first = await api.patch(url, headers={"If-Match": etag}, json={"billDelivery": "paper"})
        assert first.status_code == 200
        stale = await api.patch(url, headers={"If-Match": etag}, json={"billDelivery": "electronic"})
        assert stale.status_code == 412
        assert stale.json()["errors"][0]["field"] == "If-Match"
        assert (await api.get(url)).json()["billDelivery"] == "paper"

    async def test_concurrent_patches_with_the_same_etag_one_wins(self, api: httpx.AsyncClient) -> None:
        done = await onboarded(api)
        url = f"/api/v1/agreements/{done['agreementId']}"
        etag = (await api.get(url)).headers["ETag"]
        answers = await asyncio.gather(
            api.patch(url, headers={"If-Match": etag}, json={"creditLimit": "10.00"}),
            api.patch(url, headers={"If-Match": etag}, json={"creditLimit": "20.00"}),
        )
        assert sorted(a.status_code for a in answers) == [200, 412]
        winner = next(a for a in answers if a.status_code == 200).json()["creditLimit"]
        assert (await api.get(url)).json()["creditLimit"] == winner

    async def test_bill_day_change_takes_effect_from_the_next_bill_period(self, api: httpx.AsyncClient) -> None:
        done = await onboarded(api)
        url = f"/api/v1/agreements/{done['agreementId']}"
        response = await api.patch(url, json={"billCycle": {"billDay": 3}})
        assert response.status_code == 200, response.text
        body = response.json()
        effective = next_period_start(business_today(), 15)
        # The agreement keeps its bill day until the current period ends; the answer says from when.
        assert body["billCycle"]["billDay"] == 15
        assert body["pendingBillCycle"] == {"billDay": 3, "effectiveFrom": effective.isoformat()}
        assert effective > business_today()
        assert effective.day == 15
        again = (await api.get(url)).json()
        assert again["billCycle"]["billDay"] == 15
        assert again["pendingBillCycle"]["billDay"] == 3
        # Back to the day in force: the pending change is dropped.
        back = (await api.patch(url, json={"billCycle": {"billDay": 15}})).json()
        assert back["pendingBillCycle"] is None

    async def test_unknown_or_fixed_fields_are_422(self, api: httpx.AsyncClient) -> None:
        done = await onboarded(api)
        url = f"/api/v1/agreements/{done['agreementId']}"
        currency = await api.patch(url, json={"currency": "EUR"})
        assert currency.status_code == 422
        assert currency.json()["errors"][0]["field"] == "currency"
        delivery = await api.patch(url, json={"billDelivery": "pigeon"})
        assert delivery.status_code == 422
        assert delivery.json()["errors"][0]["field"] == "billDelivery"


class TestStatus:
    async def test_suspend_resume_need_a_reason(self, api: httpx.AsyncClient) -> None:
        done = await onboarded(api)
        url = f"/api/v1/agreements/{done['agreementId']}"
        missing = await api.patch(url, json={"status": "suspended"})
        assert missing.status_code == 422
        assert missing.json()["errors"][0]["field"] == "statusReason"
        suspended = await api.patch(url, json={"status": "suspended", "statusReason": "non-payment"})
        assert suspended.status_code == 200
        assert suspended.json()["status"] == "suspended"
        assert suspended.json()["statusReason"] == "non-payment"
        resumed = await api.patch(url, json={"status": "active", "statusReason": "payment-received"})
        assert resumed.json()["status"] == "active"

    async def test_closing_with_live_subscriptions_is_409_listing_them(self, api: httpx.AsyncClient) -> None:
        done = await onboarded(api)
        url = f"/api/v1/agreements/{done['agreementId']}"
        refused = await api.patch(url, json={"status": "closed", "statusReason": "customer-request"})
        assert refused.status_code == 409
        blockers = refused.json()["errors"]
        assert sorted(b["field"] for b in blockers) == sorted(f"subscriptions[{i}]" for i in done["subscriptionIds"])
        assert (await api.get(url)).json()["status"] == "active"

    async def test_closing_an_empty_agreement_is_final(self, api: httpx.AsyncClient) -> None:
        done = await onboarded(api)
        created = (await api.post(f"/api/v1/customers/{done['customerId']}/agreements", json=new_agreement())).json()
        url = f"/api/v1/agreements/{created['id']}"
        closed = await api.patch(url, json={"status": "closed", "statusReason": "customer-request"})
        assert closed.status_code == 200, closed.text
        assert closed.json()["status"] == "closed"
        reopen = await api.patch(url, json={"status": "active", "statusReason": "customer-request"})
        assert reopen.status_code == 409


class TestHistory:
    async def test_every_change_with_who_what_and_why(self, api: httpx.AsyncClient) -> None:
        done = await onboarded(api)
        created = (await api.post(f"/api/v1/customers/{done['customerId']}/agreements", json=new_agreement())).json()
        url = f"/api/v1/agreements/{created['id']}"
        await api.patch(url, json={"billDelivery": "electronic"})
        await api.patch(url, json={"status": "suspended", "statusReason": "fraud-suspected"})
        history = (await api.get(f"{url}/history")).json()
        actions = [(e["action"], e["reasonCode"]) for e in history["items"]]
        assert actions == [("created", None), ("updated", None), ("suspended", "fraud-suspected")]
        update = history["items"][1]
        assert update["changes"] == {"billDelivery": {"from": "paper", "to": "electronic"}}
        assert update["actor"] == "developer"
        assert update["channel"] == "development"
        assert history["total"] == 3
        paged = (await api.get(f"{url}/history", params={"limit": 2})).json()
        assert [e["action"] for e in paged["items"]] == ["created", "updated"]
        assert paged["total"] == 3
        rest = (await api.get(f"{url}/history", params={"cursor": paged["nextCursor"]})).json()
        assert [e["action"] for e in rest["items"]] == ["suspended"]
        assert rest["nextCursor"] is None
        bad = await api.get(f"{url}/history", params={"cursor": "abc"})
        assert bad.status_code == 422
        assert [e["field"] for e in bad.json()["errors"]] == ["cursor"]


class TestBillDayInForce:
    async def test_a_due_change_is_in_force_and_folded_in_on_the_next_write(
        self, api: httpx.AsyncClient, sessions: async_sessionmaker[AsyncSession]
    ) -> None:
        done = await onboarded(api)
        url = f"/api/v1/agreements/{done['agreementId']}"
        await api.patch(url, json={"billCycle": {"billDay": 3}})
        # Its date comes (moved into the past here rather than waiting for it).
        async with sessions() as session, session.begin():
            await session.execute(
                update(Agreement)
                .where(Agreement.id == uuid.UUID(done["agreementId"]))
                .values(next_bill_day_from=business_today() - timedelta(days=1))
            )
        shown = (await api.get(url)).json()
        assert (shown["billCycle"]["billDay"], shown["pendingBillCycle"]) == (3, None)
        etag = (await api.get(url)).headers["ETag"]
        patched = await api.patch(url, headers={"If-Match": etag}, json={"billDelivery": "paper"})
        assert patched.status_code == 200
        async with sessions() as session:
            row = await session.get(Agreement, uuid.UUID(done["agreementId"]))
            assert row is not None
            assert (row.bill_day, row.next_bill_day, row.next_bill_day_from) == (3, None, None)
            assert patched.headers["ETag"] == f'W/"{row.version}"'

    async def test_a_patch_that_changes_nothing_keeps_the_etag(self, api: httpx.AsyncClient) -> None:
        done = await onboarded(api)
        url = f"/api/v1/agreements/{done['agreementId']}"
        etag = (await api.get(url)).headers["ETag"]
        same = await api.patch(url, headers={"If-Match": etag}, json={"billDelivery": "electronic"})
        assert same.status_code == 200
        assert same.headers["ETag"] == etag
        history = (await api.get(f"{url}/history")).json()["items"]
        assert [e["action"] for e in history if e["entityType"] == "agreement"] == ["created"]  # no "updated"
