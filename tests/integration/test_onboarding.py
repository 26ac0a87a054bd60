"""The shop's onboarding through the API, against real PostgreSQL and Temporal."""

from __future__ import annotations

import asyncio
import copy
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.worker import Replayer

from accord.models import Agreement, Customer, Order, OutboxEvent, Subscription
from accord.principal import DEVELOPMENT_PRINCIPAL
from accord.schemas.orders import OrderRequest
from accord.services import orders
from activities.onboarding import OnboardingActivities
from tests.conftest import shop_order, unique
from tests.integration.helpers import promo, publish_now, wait_for_order
from worker import build_worker
from workflows.onboarding import Onboarding


async def count(sessions: async_sessionmaker[AsyncSession], model: Any, *where: Any) -> int:
    async with sessions() as session:
        return (await session.scalar(select(func.count()).select_from(model).where(*where))) or 0


class TestHappyPath:
    async def test_order_creates_customer_agreement_and_subscriptions(self, api: httpx.AsyncClient) -> None:
        order = shop_order()
        response = await api.post("/api/v1/orders", json=order)

        assert response.status_code == 202
        accepted = response.json()
        assert accepted["orderRef"] == order["orderRef"]
        assert accepted["state"] in ("received", "inProgress", "completed")
        assert accepted["workflowUrl"] == (
            f"http://127.0.0.1:8233/namespaces/default/workflows/onboarding-{order['orderRef']}"
        )
        assert response.headers["Location"] == f"/api/v1/orders/{order['orderRef']}"

        done = await wait_for_order(api, order["orderRef"])
        assert done["state"] == "completed"
        assert done["failureReason"] is None
        assert len(done["subscriptionIds"]) == 2

        customer = (await api.get(f"/api/v1/customers/{done['customerId']}")).json()
        assert customer["givenName"] == "Ada"
        assert customer["familyName"] == "Lovelace"
        assert customer["email"] == "ada@example.com"
        assert customer["externalRef"] == order["customer"]["externalRef"]
        assert customer["customerNumber"].startswith("C")
        assert customer["status"] == "active"
        assert customer["addresses"][0]["city"] == "London"
        assert customer["characteristics"] == [{"name": "segment", "value": "residential"}]
        assert customer["createdBy"] == "developer@development"

        response = await api.get(f"/api/v1/agreements/{done['agreementId']}")
        assert response.headers["ETag"] == 'W/"1"'
        agreement = response.json()
        assert agreement["customerId"] == done["customerId"]
        assert agreement["currency"] == "USD"
        assert agreement["billCycle"] == {"frequency": "monthly", "billDay": 15}
        assert agreement["paymentMethod"] == {
            "type": "creditCard",
            "automatic": True,
            "details": {"last4": "4242"},
        }
        assert agreement["commitmentTerm"] == 12
        assert agreement["commitmentEndDate"] is not None
        # fiber 50.00 - 5.00 + streaming TV 10.00
        assert agreement["monthlyRecurringCharge"] == "55.00"
        prices = {
            s["offeringCode"]: (s["listPrice"], s["priceAdjustment"], s["price"]) for s in agreement["subscriptions"]
        }
        assert prices == {
            "fiber-optic": ("50.00", "-5.00", "45.00"),
            "streaming-tv": ("10.00", "0.00", "10.00"),
        }
        assert {s["status"] for s in agreement["subscriptions"]} == {"active"}

    async def test_customer_found_by_external_reference(self, api: httpx.AsyncClient) -> None:
        order = shop_order()
        await api.post("/api/v1/orders", json=order)
        done = await wait_for_order(api, order["orderRef"])

        found = (await api.get("/api/v1/customers", params={"externalRef": order["customer"]["externalRef"]})).json()
        assert found["total"] == 1
        assert [c["id"] for c in found["items"]] == [done["customerId"]]

    async def test_second_order_for_same_customer_opens_second_agreement(
        self, api: httpx.AsyncClient, sessions: async_sessionmaker[AsyncSession]
    ) -> None:
        first = shop_order()
        second = shop_order(customer=first["customer"], items=[{"offeringCode": "phone-line"}])
        await api.post("/api/v1/orders", json=first)
        await api.post("/api/v1/orders", json=second)
        one, two = await wait_for_order(api, first["orderRef"]), await wait_for_order(api, second["orderRef"])

        assert one["customerId"] == two["customerId"]
        assert one["agreementId"] != two["agreementId"]
        assert await count(sessions, Customer, Customer.external_ref == first["customer"]["externalRef"]) == 1
        assert await count(sessions, Agreement, Agreement.customer_id == one["customerId"]) == 2


class TestValidation:
    @pytest.mark.parametrize(
        ("change", "field"),
        [
            (lambda o: o["items"].append({"offeringCode": "no-such-thing"}), "items[2].offeringCode"),
            (lambda o: o.update(items=[{"offeringCode": "streaming-tv"}]), "items[0].offeringCode"),
            (lambda o: o["agreement"].update(currency="EUR"), "items[0].offeringCode"),
            (lambda o: o["customer"].update(email="ada-at-example.com"), "customer.email"),
            (lambda o: o["items"][0].update(priceAdjustment="-5.001"), "items[0].priceAdjustment"),
            (lambda o: o["agreement"].update(commitmentTerm=6), "agreement.commitmentTerm"),
            (lambda o: o["agreement"]["billCycle"].update(billDay=31), "agreement.billCycle.billDay"),
            (lambda o: o.update(items=[]), "items"),
            (lambda o: o["customer"].update(type="organisation"), "customer"),
        ],
        ids=[
            "unknown-offering",
            "addon-without-access",
            "currency-mismatch",
            "malformed-email",
            "too-many-decimals",
            "bad-commitment-term",
            "bill-day-out-of-range",
            "no-items",
            "organisation-without-name",
        ],
    )
    async def test_bad_order_is_refused_naming_the_field_and_stores_nothing(
        self, api: httpx.AsyncClient, change: Any, field: str
    ) -> None:
        order = shop_order()
        change(order)
        response = await api.post("/api/v1/orders", json=order)

        assert response.status_code == 422
        assert response.headers["content-type"] == "application/problem+json"
        problem = response.json()
        assert problem["status"] == 422
        assert field in [e["field"] for e in problem["errors"]], problem
        assert (await api.get(f"/api/v1/orders/{order['orderRef']}")).status_code == 404

    async def test_malformed_json_is_a_422_not_a_500(self, api: httpx.AsyncClient) -> None:
        response = await api.post(
            "/api/v1/orders", content=b'{"orderRef": ', headers={"content-type": "application/json"}
        )
        assert response.status_code == 422
        assert response.json()["title"] == "Invalid input"
        assert [e["field"] for e in response.json()["errors"]] == ["body"]

    async def test_unknown_customer_is_a_problem_404(self, api: httpx.AsyncClient) -> None:
        response = await api.get("/api/v1/customers/00000000-0000-0000-0000-000000000000")
        assert response.status_code == 404
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["detail"] == "no customer 00000000-0000-0000-0000-000000000000"


class TestDuplicateOrderRef:
    async def test_same_body_answers_with_the_existing_order(
        self, api: httpx.AsyncClient, sessions: async_sessionmaker[AsyncSession]
    ) -> None:
        order = shop_order()
        first = await api.post("/api/v1/orders", json=order)
        done = await wait_for_order(api, order["orderRef"])
        # The same order, its keys written in another order, is the same order.
        again = await api.post("/api/v1/orders", json=dict(reversed(list(order.items()))))

        assert first.status_code == 202
        assert again.status_code == 200
        assert again.json()["customerId"] == done["customerId"]
        assert again.json()["state"] == "completed"
        assert await count(sessions, Customer, Customer.external_ref == order["customer"]["externalRef"]) == 1
        assert await count(sessions, Subscription, Subscription.agreement_id == done["agreementId"]) == 2

    async def test_an_order_placed_before_its_offering_was_retired_is_answered_as_it_stands(
        self, api: httpx.AsyncClient, sessions: async_sessionmaker[AsyncSession]
    ) -> None:
        """Placing it again is a retry of what was accepted, not a new order: no 422 for an offering
        that has gone since; a new order for that offering is refused."""
        code = unique("promo")
        offering, price = promo(code)
        await publish_now(sessions, offering, prices=(price,))
        order = shop_order(items=[{"offeringCode": code}])
        assert (await api.post("/api/v1/orders", json=order)).status_code == 202
        done = await wait_for_order(api, order["orderRef"])
        await publish_now(sessions, offering.model_copy(update={"status": "retired"}))

        again = await api.post("/api/v1/orders", json=order)
        another = await api.post("/api/v1/orders", json=shop_order(items=[{"offeringCode": code}]))

        assert again.status_code == 200, again.text
        assert again.json()["state"] == "completed"
        assert again.json()["subscriptionIds"] == done["subscriptionIds"]
        assert another.status_code == 422
        assert another.json()["errors"][0]["field"] == "items[0].offeringCode"

    async def test_different_body_is_a_conflict(self, api: httpx.AsyncClient) -> None:
        order = shop_order()
        await api.post("/api/v1/orders", json=order)
        changed = copy.deepcopy(order)
        changed["items"][0]["priceAdjustment"] = "-10.00"

        response = await api.post("/api/v1/orders", json=changed)
        assert response.status_code == 409
        assert response.headers["content-type"] == "application/problem+json"
        assert order["orderRef"] in response.json()["detail"]

    async def test_concurrent_identical_orders_create_one_order(
        self, api: httpx.AsyncClient, sessions: async_sessionmaker[AsyncSession]
    ) -> None:
        order = shop_order()
        responses = await asyncio.gather(*(api.post("/api/v1/orders", json=order) for _ in range(5)))

        assert sorted(r.status_code for r in responses) == [200, 200, 200, 200, 202]
        done = await wait_for_order(api, order["orderRef"])
        assert done["state"] == "completed"
        assert await count(sessions, Order, Order.order_ref == order["orderRef"]) == 1
        assert await count(sessions, Customer, Customer.external_ref == order["customer"]["externalRef"]) == 1


class TestUnfulfillableOrder:
    async def test_offering_withdrawn_after_intake_fails_the_order_and_leaves_nothing(
        self,
        api: httpx.AsyncClient,
        sessions: async_sessionmaker[AsyncSession],
        engine: AsyncEngine,
        temporal_client: Client,
    ) -> None:
        """An order accepted while its offering was on sale, whose offering is withdrawn before the
        workflow runs: the order fails with the reason, and its customer and agreement are removed."""
        code = unique("promo")
        offering, price = promo(code)
        await publish_now(sessions, offering, prices=(price,))
        request = OrderRequest.model_validate(shop_order(items=[{"offeringCode": code}]))
        queue = unique("no-worker-yet")
        await orders.place_order(
            engine, temporal_client, request=request, principal=DEVELOPMENT_PRINCIPAL, task_queue=queue
        )
        await publish_now(sessions, offering.model_copy(update={"status": "retired"}))

        async with build_worker(temporal_client, queue, OnboardingActivities(engine)):
            failed = await wait_for_order(api, request.order_ref)

        assert failed["state"] == "failed"
        assert f"offering {code} is no longer on sale" in failed["failureReason"]
        assert failed["customerId"] is None
        assert failed["agreementId"] is None
        assert failed["subscriptionIds"] == []
        assert await count(sessions, Customer, Customer.external_ref == request.customer.external_ref) == 0


class TestDeterminism:
    async def test_a_recorded_onboarding_replays_on_the_current_code(
        self, api: httpx.AsyncClient, temporal_client: Client
    ) -> None:
        """The onboarding workflow runs unsandboxed: replaying a real history proves it still makes
        the same decisions (a change that does not needs workflow.patched)."""
        order = shop_order()
        await api.post("/api/v1/orders", json=order)
        assert (await wait_for_order(api, order["orderRef"]))["state"] == "completed"
        history = await temporal_client.get_workflow_handle(f"onboarding-{order['orderRef']}").fetch_history()

        result = await Replayer(workflows=[Onboarding], data_converter=pydantic_data_converter).replay_workflow(history)
        assert result.replay_failure is None


async def test_onboarding_leaves_an_audit_trail_and_outbox_events(api: httpx.AsyncClient, engine: AsyncEngine) -> None:
    order = shop_order()
    await api.post("/api/v1/orders", json=order)
    done = await wait_for_order(api, order["orderRef"])

    trail = (await api.get(f"/api/v1/customers/{done['customerId']}/audit")).json()["items"]
    created = sorted((event["entityType"], event["entityId"]) for event in trail if event["action"] == "created")
    assert created == sorted(
        [("customer", done["customerId"]), ("agreement", done["agreementId"])]
        + [("subscription", s) for s in done["subscriptionIds"]]
    )
    assert {event["actor"] for event in trail} == {"developer"}
    agreement = next(e for e in trail if e["entityType"] == "agreement")
    assert agreement["changes"]["billDay"] == 15
    assert agreement["changes"]["commitmentTerm"] == 12

    async with engine.connect() as connection:
        events = (
            await connection.execute(
                select(OutboxEvent.event_type).where(OutboxEvent.payload["customerId"].astext == done["customerId"])
            )
        ).scalars()
        assert sorted(events) == [
            "agreement.created",
            "customer.created",
            "subscription.created",
            "subscription.created",
        ]


async def test_orders_are_listed_by_state_for_an_operator(
    api: httpx.AsyncClient, engine: AsyncEngine, temporal_client: Client
) -> None:
    completed = shop_order()
    assert (await api.post("/api/v1/orders", json=completed)).status_code == 202
    assert (await wait_for_order(api, completed["orderRef"]))["state"] == "completed"
    # Recorded, but its workflow waits on a task queue no worker polls: it stays received.
    waiting = OrderRequest.model_validate(shop_order())
    await orders.place_order(
        engine, temporal_client, request=waiting, principal=DEVELOPMENT_PRINCIPAL, task_queue=unique("no-worker")
    )

    received = (await api.get("/api/v1/orders", params={"state": "received", "limit": 200})).json()
    assert waiting.order_ref in [o["orderRef"] for o in received["items"]]
    assert completed["orderRef"] not in [o["orderRef"] for o in received["items"]]
    assert {o["state"] for o in received["items"]} == {"received"}
    assert received["total"] >= 1
    done = (await api.get("/api/v1/orders", params={"state": "completed", "limit": 1})).json()
    assert len(done["items"]) == 1
    assert done["total"] >= 1
    everything = (await api.get("/api/v1/orders", params={"limit": 1})).json()
    assert everything["total"] >= received["total"] + done["total"]
    bad = await api.get("/api/v1/orders", params={"state": "lost"})
    assert bad.status_code == 422
    assert [e["field"] for e in bad.json()["errors"]] == ["state"]
