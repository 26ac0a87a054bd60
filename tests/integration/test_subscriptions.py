"""Subscriptions through the API: add (eligibility), suspend, resume, change offering, move,
terminate, scheduled changes run by their workflow, the agreement's monthly recurring charge after each
change, and If-Match."""

from __future__ import annotations

import asyncio
import time
import uuid
from decimal import Decimal
from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode

from accord.clock import business_today
from accord.models import EarlyTermination
from accord.rules.bill_cycle import next_period_start
from accord.rules.orders import add_months
from api.deps import get_temporal
from tests.integration.test_agreements import new_agreement, onboarded

NO_COMMITMENT = {
    "currency": "USD",
    "billCycle": {"billDay": 15},
    "paymentMethod": {"type": "creditCard", "automatic": True},
    "commitmentTerm": 0,
}


async def wait_for_change(api: httpx.AsyncClient, change_id: str, within: float = 20.0) -> dict[str, Any]:
    deadline = time.monotonic() + within
    while True:
        change: dict[str, Any] = (await api.get(f"/api/v1/subscription-changes/{change_id}")).json()
        if change["status"] != "scheduled":
            return change
        assert time.monotonic() < deadline, f"change {change_id} still scheduled"
        await asyncio.sleep(0.1)


async def subscriptions_of(api: httpx.AsyncClient, done: dict[str, Any]) -> dict[str, dict[str, Any]]:
    agreement = (await api.get(f"/api/v1/agreements/{done['agreementId']}")).json()
    return {s["offeringCode"]: s for s in agreement["subscriptions"]}


async def mrc(api: httpx.AsyncClient, agreement_id: str) -> str:
    charge: str = (await api.get(f"/api/v1/agreements/{agreement_id}")).json()["monthlyRecurringCharge"]
    return charge


async def early_cases(sessions: async_sessionmaker[AsyncSession], subscription_id: str) -> list[EarlyTermination]:
    async with sessions() as session:
        rows = await session.scalars(
            select(EarlyTermination).where(EarlyTermination.subscription_id == uuid.UUID(subscription_id))
        )
        return list(rows)


class TestAdd:
    async def test_an_add_on_next_to_its_access(self, api: httpx.AsyncClient) -> None:
        done = await onboarded(api)
        url = f"/api/v1/agreements/{done['agreementId']}/subscriptions"
        response = await api.post(url, json={"offeringCode": "online-security", "priceAdjustment": "-1.50"})
        assert response.status_code == 201, response.text
        added = response.json()
        assert response.headers["ETag"] == 'W/"1"'
        assert response.headers["Location"] == f"/api/v1/subscriptions/{added['id']}"
        assert (added["offeringCode"], added["listPrice"], added["price"]) == ("online-security", "5.00", "3.50")
        assert added["status"] == "active"
        assert added["startDate"] == business_today().isoformat()
        assert await mrc(api, done["agreementId"]) == "58.50"
        read = await api.get(f"/api/v1/subscriptions/{added['id']}")
        assert read.json()["agreementId"] == done["agreementId"]

    async def test_an_add_on_without_its_access_on_the_same_agreement_is_422(self, api: httpx.AsyncClient) -> None:
        done = await onboarded(api)
        other = (await api.post(f"/api/v1/customers/{done['customerId']}/agreements", json=new_agreement())).json()
        response = await api.post(
            f"/api/v1/agreements/{other['id']}/subscriptions", json={"offeringCode": "streaming-tv"}
        )
        assert response.status_code == 422
        assert response.json()["errors"] == [
            {
                "field": "offeringCode",
                "detail": "streaming-tv is an add-on: it needs internet access active on the same agreement",
            }
        ]

    async def test_unknown_offering_and_bad_price_are_422(self, api: httpx.AsyncClient) -> None:
        done = await onboarded(api)
        url = f"/api/v1/agreements/{done['agreementId']}/subscriptions"
        unknown = await api.post(url, json={"offeringCode": "carrier-pigeon"})
        assert unknown.status_code == 422
        assert unknown.json()["errors"][0] == {
            "field": "offeringCode",
            "detail": "no offering 'carrier-pigeon' on sale",
        }
        negative = await api.post(url, json={"offeringCode": "online-backup", "priceAdjustment": "-6.00"})
        assert negative.status_code == 422
        assert negative.json()["errors"][0]["field"] == "priceAdjustment"


class TestSuspendResume:
    async def test_suspend_now_then_resume_and_the_charge_follows(self, api: httpx.AsyncClient) -> None:
        done = await onboarded(api)
        tv = (await subscriptions_of(api, done))["streaming-tv"]
        url = f"/api/v1/subscriptions/{tv['id']}"
        etag = (await api.get(url)).headers["ETag"]
        suspended = await api.post(
            f"{url}/suspend", headers={"If-Match": etag}, json={"reasonCode": "customer-request"}
        )
        assert suspended.status_code == 200, suspended.text
        body = suspended.json()
        assert (body["status"], body["statusReason"]) == ("suspended", "customer-request")
        assert body["suspendedFrom"] == business_today().isoformat()
        assert await mrc(api, done["agreementId"]) == "45.00"

        stale = await api.post(f"{url}/resume", headers={"If-Match": etag}, json={})
        assert stale.status_code == 412
        resumed = await api.post(f"{url}/resume", headers={"If-Match": suspended.headers["ETag"]}, json={})
        assert resumed.status_code == 200
        assert resumed.json()["status"] == "active"
        assert resumed.json()["suspendedFrom"] is None
        assert await mrc(api, done["agreementId"]) == "55.00"

    async def test_the_state_machine_refuses_with_409(self, api: httpx.AsyncClient) -> None:
        done = await onboarded(api)
        tv = (await subscriptions_of(api, done))["streaming-tv"]
        url = f"/api/v1/subscriptions/{tv['id']}"
        refused = await api.post(f"{url}/resume", json={})
        assert refused.status_code == 409
        assert refused.json()["errors"][0]["field"] == "status"
        no_reason = await api.post(f"{url}/suspend", json={"reasonCode": "bored"})
        assert no_reason.status_code == 422
        assert no_reason.json()["errors"][0]["field"] == "reasonCode"

    async def test_suspend_from_a_later_date_is_scheduled_and_can_be_cancelled(
        self, api: httpx.AsyncClient, temporal_client: Client
    ) -> None:
        done = await onboarded(api)
        tv = (await subscriptions_of(api, done))["streaming-tv"]
        url = f"/api/v1/subscriptions/{tv['id']}"
        later = add_months(business_today(), 1)
        response = await api.post(
            f"{url}/suspend", json={"reasonCode": "customer-request", "effectiveDate": later.isoformat()}
        )
        assert response.status_code == 202, response.text
        change = response.json()
        assert (change["action"], change["effectiveDate"], change["status"]) == (
            "suspend",
            later.isoformat(),
            "scheduled",
        )
        assert response.headers["Location"] == change["href"]
        shown = (await api.get(url)).json()
        assert shown["status"] == "active"  # until that date
        assert shown["scheduledChange"]["id"] == change["id"]
        # One scheduled change at a time.
        another = await api.post(f"{url}/terminate", json={"reasonCode": "customer-request"})
        assert another.status_code == 409
        assert another.json()["errors"][0]["field"] == "scheduledChange"

        stale = await api.post(f"/api/v1/subscription-changes/{change['id']}/cancel", headers={"If-Match": 'W/"0"'})
        assert stale.status_code == 412
        cancelled = await api.post(f"/api/v1/subscription-changes/{change['id']}/cancel")
        assert cancelled.status_code == 200
        assert cancelled.json()["status"] == "cancelled"
        assert await temporal_client.get_workflow_handle(change["workflowId"]).result() == "cancelled"
        assert (await api.get(url)).json()["scheduledChange"] is None
        again = await api.post(f"/api/v1/subscription-changes/{change['id']}/cancel")
        assert again.status_code == 409

    async def test_a_date_in_the_past_is_422(self, api: httpx.AsyncClient) -> None:
        done = await onboarded(api)
        tv = (await subscriptions_of(api, done))["streaming-tv"]
        response = await api.post(
            f"/api/v1/subscriptions/{tv['id']}/suspend",
            json={"reasonCode": "customer-request", "effectiveDate": "2020-01-01"},
        )
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "effectiveDate"


class TestChangeOffering:
    async def test_downgrade_now_keeps_the_adjustment(self, api: httpx.AsyncClient) -> None:
        done = await onboarded(api)
        fiber = (await subscriptions_of(api, done))["fiber-optic"]
        response = await api.post(f"/api/v1/subscriptions/{fiber['id']}/change-offering", json={"offeringCode": "dsl"})
        assert response.status_code == 200, response.text
        changed = response.json()
        assert (changed["offeringCode"], changed["listPrice"], changed["priceAdjustment"]) == ("dsl", "25.00", "-5.00")
        assert await mrc(api, done["agreementId"]) == "30.00"
        history = (await api.get(f"/api/v1/agreements/{done['agreementId']}/history")).json()["items"]
        last = history[-1]
        assert (last["action"], last["reasonCode"]) == ("offering-changed", "downgrade")
        assert last["changes"]["offeringCode"] == {"from": "fiber-optic", "to": "dsl"}

    async def test_to_another_family_is_422(self, api: httpx.AsyncClient) -> None:
        done = await onboarded(api)
        fiber = (await subscriptions_of(api, done))["fiber-optic"]
        response = await api.post(
            f"/api/v1/subscriptions/{fiber['id']}/change-offering", json={"offeringCode": "phone-line"}
        )
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "offeringCode"

    async def test_at_the_end_of_the_bill_period_is_scheduled_for_the_next_period(self, api: httpx.AsyncClient) -> None:
        done = await onboarded(api)
        fiber = (await subscriptions_of(api, done))["fiber-optic"]
        response = await api.post(
            f"/api/v1/subscriptions/{fiber['id']}/change-offering",
            json={"offeringCode": "dsl", "when": "endOfBillPeriod"},
        )
        assert response.status_code == 202, response.text
        change = response.json()
        assert change["effectiveDate"] == next_period_start(business_today(), 15).isoformat()
        assert change["parameters"] == {"offeringCode": "dsl", "priceAdjustment": None}
        assert change["reasonCode"] == "downgrade"
        assert await mrc(api, done["agreementId"]) == "55.00"  # until then
        await api.post(f"/api/v1/subscription-changes/{change['id']}/cancel")


class TestMove:
    async def test_to_an_agreement_of_another_customer_is_422(self, api: httpx.AsyncClient) -> None:
        done, stranger = await onboarded(api), await onboarded(api)
        fiber = (await subscriptions_of(api, done))["fiber-optic"]
        response = await api.post(
            f"/api/v1/subscriptions/{fiber['id']}/move",
            json={"agreementId": stranger["agreementId"], "includeDependants": True},
        )
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "agreementId"

    async def test_access_with_add_ons_moves_with_them_as_a_workflow(self, api: httpx.AsyncClient) -> None:
        done = await onboarded(api)
        target = (await api.post(f"/api/v1/customers/{done['customerId']}/agreements", json=new_agreement())).json()
        held = await subscriptions_of(api, done)
        url = f"/api/v1/subscriptions/{held['fiber-optic']['id']}/move"
        refused = await api.post(url, json={"agreementId": target["id"]})
        assert refused.status_code == 409
        assert refused.json()["errors"] == [
            {"field": f"dependants[{held['streaming-tv']['id']}]", "detail": "streaming-tv needs internet access"}
        ]
        # An add-on alone cannot go where there is no access.
        alone = await api.post(
            f"/api/v1/subscriptions/{held['streaming-tv']['id']}/move", json={"agreementId": target["id"]}
        )
        assert alone.status_code == 422
        accepted = await api.post(url, json={"agreementId": target["id"], "includeDependants": True})
        assert accepted.status_code == 202, accepted.text
        assert (await wait_for_change(api, accepted.json()["id"]))["status"] == "applied"
        assert await mrc(api, done["agreementId"]) == "0.00"
        assert await mrc(api, target["id"]) == "55.00"
        moved = (await api.get(f"/api/v1/subscriptions/{held['streaming-tv']['id']}")).json()
        assert moved["agreementId"] == target["id"]

    async def test_one_subscription_moves_at_once(self, api: httpx.AsyncClient) -> None:
        done = await onboarded(api)
        target = (await api.post(f"/api/v1/customers/{done['customerId']}/agreements", json=new_agreement())).json()
        await api.post(f"/api/v1/agreements/{target['id']}/subscriptions", json={"offeringCode": "dsl"})
        tv = (await subscriptions_of(api, done))["streaming-tv"]
        moved = await api.post(f"/api/v1/subscriptions/{tv['id']}/move", json={"agreementId": target["id"]})
        assert moved.status_code == 200, moved.text
        assert moved.json()["agreementId"] == target["id"]
        assert await mrc(api, target["id"]) == "35.00"
        assert await mrc(api, done["agreementId"]) == "45.00"

        # Each agreement's history tells the subscription's part while it was there.
        suspended = await api.post(f"/api/v1/subscriptions/{tv['id']}/suspend", json={"reasonCode": "customer-request"})
        assert suspended.status_code == 200, suspended.text

        async def tv_history(agreement_id: str) -> list[str]:
            items = (await api.get(f"/api/v1/agreements/{agreement_id}/history")).json()["items"]
            return [e["action"] for e in items if e["entityId"] == tv["id"]]

        assert await tv_history(done["agreementId"]) == ["created", "moved"]
        assert await tv_history(target["id"]) == ["moved", "suspended"]


class TestTerminate:
    async def test_inside_the_commitment_term_records_the_early_termination_case(
        self, api: httpx.AsyncClient, sessions: async_sessionmaker[AsyncSession]
    ) -> None:
        done = await onboarded(api)
        tv = (await subscriptions_of(api, done))["streaming-tv"]
        response = await api.post(f"/api/v1/subscriptions/{tv['id']}/terminate", json={"reasonCode": "competitor"})
        assert response.status_code == 202, response.text  # two rows: the subscription and the case
        assert (await wait_for_change(api, response.json()["id"]))["status"] == "applied"
        ended = (await api.get(f"/api/v1/subscriptions/{tv['id']}")).json()
        today = business_today()
        assert (ended["status"], ended["endDate"], ended["statusReason"]) == (
            "terminated",
            today.isoformat(),
            "competitor",
        )
        [case] = await early_cases(sessions, tv["id"])
        assert case.commitment_end_date == add_months(today, 12)
        assert case.months_remaining == 12
        assert case.monthly_charge == Decimal("10.00")
        assert case.status == "open"
        assert ended["earlyTermination"] == {
            "terminatedOn": today.isoformat(),
            "commitmentEndDate": add_months(today, 12).isoformat(),
            "monthsRemaining": 12,
            "monthlyCharge": "10.00",
            "currency": "USD",
            "status": "open",
        }
        assert await mrc(api, done["agreementId"]) == "45.00"
        again = await api.post(f"/api/v1/subscriptions/{tv['id']}/terminate", json={"reasonCode": "competitor"})
        assert again.status_code == 409

    async def test_without_commitment_now_is_immediate_and_has_no_case(
        self, api: httpx.AsyncClient, sessions: async_sessionmaker[AsyncSession]
    ) -> None:
        done = await onboarded(api, agreement=NO_COMMITMENT)
        tv = (await subscriptions_of(api, done))["streaming-tv"]
        response = await api.post(
            f"/api/v1/subscriptions/{tv['id']}/terminate", json={"reasonCode": "customer-request"}
        )
        assert response.status_code == 200, response.text
        assert response.json()["status"] == "terminated"
        assert await early_cases(sessions, tv["id"]) == []
        assert await mrc(api, done["agreementId"]) == "45.00"
        end_of_term = await api.post(
            f"/api/v1/subscriptions/{(await subscriptions_of(api, done))['fiber-optic']['id']}/terminate",
            json={"reasonCode": "customer-request", "when": "endOfTerm"},
        )
        assert end_of_term.status_code == 422
        assert end_of_term.json()["errors"][0]["field"] == "when"

    async def test_access_with_add_ons_409_or_all_together(self, api: httpx.AsyncClient) -> None:
        done = await onboarded(api, agreement=NO_COMMITMENT)
        held = await subscriptions_of(api, done)
        url = f"/api/v1/subscriptions/{held['fiber-optic']['id']}/terminate"
        refused = await api.post(url, json={"reasonCode": "moved-away"})
        assert refused.status_code == 409
        assert [e["field"] for e in refused.json()["errors"]] == [f"dependants[{held['streaming-tv']['id']}]"]
        accepted = await api.post(url, json={"reasonCode": "moved-away", "includeDependants": True})
        assert accepted.status_code == 202
        assert (await wait_for_change(api, accepted.json()["id"]))["status"] == "applied"
        assert {s["status"] for s in (await subscriptions_of(api, done)).values()} == {"terminated"}
        assert await mrc(api, done["agreementId"]) == "0.00"
        closed = await api.patch(
            f"/api/v1/agreements/{done['agreementId']}", json={"status": "closed", "statusReason": "moved-away"}
        )
        assert closed.status_code == 200

    async def test_at_the_end_of_the_term_is_scheduled_for_that_date(self, api: httpx.AsyncClient) -> None:
        done = await onboarded(api)
        tv = (await subscriptions_of(api, done))["streaming-tv"]
        response = await api.post(
            f"/api/v1/subscriptions/{tv['id']}/terminate", json={"reasonCode": "customer-request", "when": "endOfTerm"}
        )
        assert response.status_code == 202
        assert response.json()["effectiveDate"] == add_months(business_today(), 12).isoformat()
        await api.post(f"/api/v1/subscription-changes/{response.json()['id']}/cancel")


async def test_list_filters(api: httpx.AsyncClient) -> None:
    done = await onboarded(api)
    listed = (await api.get("/api/v1/subscriptions", params={"customerId": done["customerId"]})).json()
    assert listed["total"] == 2
    only_tv = (
        await api.get(
            "/api/v1/subscriptions", params={"agreementId": done["agreementId"], "offeringCode": "streaming-tv"}
        )
    ).json()
    assert [s["offeringCode"] for s in only_tv["items"]] == ["streaming-tv"]
    none = (
        await api.get("/api/v1/subscriptions", params={"customerId": done["customerId"], "status": "suspended"})
    ).json()
    assert none["total"] == 0


class TestConventions:
    async def test_concurrent_actions_with_the_same_etag_one_wins(self, api: httpx.AsyncClient) -> None:
        done = await onboarded(api)
        tv = (await subscriptions_of(api, done))["streaming-tv"]
        url = f"/api/v1/subscriptions/{tv['id']}"
        etag = (await api.get(url)).headers["ETag"]
        answers = await asyncio.gather(
            api.post(f"{url}/suspend", headers={"If-Match": etag}, json={"reasonCode": "customer-request"}),
            api.post(f"{url}/change-offering", headers={"If-Match": etag}, json={"offeringCode": "online-backup"}),
        )
        assert sorted(a.status_code for a in answers) == [200, 412]
        history = (await api.get(f"/api/v1/agreements/{done['agreementId']}/history")).json()["items"]
        # Its creation by the order, then the one change that won.
        assert len([e for e in history if e["entityId"] == tv["id"] and e["action"] != "created"]) == 1

    async def test_idempotency_key_replays_the_added_subscription(self, api: httpx.AsyncClient) -> None:
        done = await onboarded(api)
        url = f"/api/v1/agreements/{done['agreementId']}/subscriptions"
        key = {"Idempotency-Key": str(uuid.uuid4())}
        first = await api.post(url, headers=key, json={"offeringCode": "tech-support"})
        again = await api.post(url, headers=key, json={"offeringCode": "tech-support"})
        assert first.status_code == again.status_code == 201
        assert first.json()["id"] == again.json()["id"]
        assert await mrc(api, done["agreementId"]) == "60.00"


class _TemporalDown:
    """A Temporal client whose server does not answer."""

    async def start_workflow(self, *args: Any, **kwargs: Any) -> None:
        raise RPCError("connection refused", RPCStatusCode.UNAVAILABLE, b"")


async def test_a_change_that_cannot_be_scheduled_is_taken_back(api: httpx.AsyncClient) -> None:
    done = await onboarded(api)
    tv = (await subscriptions_of(api, done))["streaming-tv"]
    app = api._transport.app  # type: ignore[attr-defined]
    app.dependency_overrides[get_temporal] = lambda: _TemporalDown()
    try:
        response = await api.post(
            f"/api/v1/subscriptions/{tv['id']}/suspend",
            json={"reasonCode": "customer-request", "effectiveDate": add_months(business_today(), 1).isoformat()},
        )
    finally:
        app.dependency_overrides.clear()
    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    shown = (await api.get(f"/api/v1/subscriptions/{tv['id']}")).json()
    assert (shown["status"], shown["scheduledChange"]) == ("active", None)
    # Nothing stands in the way of trying again.
    again = await api.post(f"/api/v1/subscriptions/{tv['id']}/suspend", json={"reasonCode": "customer-request"})
    assert again.status_code == 200
