"""Catalogue change sets, the maker-checker wizard: a draft, validated on submit, approved by a second
person, published by its CatalogueChange workflow at its effective time (a durable timer, on
Temporal's time-skipping test server for the long waits), and new prices reaching existing
subscribers from their next bill period."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.testing import WorkflowEnvironment

from accord.clock import business_today
from accord.db import unit_of_work
from accord.principal import Principal
from accord.schemas.catalogue import ChangeSetCreate, ItemCreate
from accord.services import catalogue_changes as changes
from tests.conftest import shop_order, unique
from tests.integration.helpers import promo, publish_now, wait_for_order

MAKER = {"X-Accord-User": "pat.product", "X-Accord-Channel": "admin"}
CHECKER = {"X-Accord-User": "sam.checker", "X-Accord-Channel": "admin"}
PAT = Principal(subject="pat.product", channel="admin")
SAM = Principal(subject="sam.checker", channel="admin")


def definitions(code: str) -> tuple[dict[str, Any], dict[str, Any]]:
    offering, price = promo(code)
    return offering.model_dump(mode="json", by_alias=True), price.model_dump(mode="json", by_alias=True)


async def draft_with_new_offering(api: httpx.AsyncClient, code: str, **create: Any) -> dict[str, Any]:
    cs = await api.post("/api/v1/catalogue/change-sets", json={"title": f"Launch {code}", **create}, headers=MAKER)
    assert cs.status_code == 201, cs.text
    offering, price = definitions(code)
    for item in (
        {"entityType": "offering", "action": "add", "code": code, "data": offering},
        {"entityType": "price", "action": "add", "code": price["code"], "data": price},
    ):
        added = await api.post(f"/api/v1/catalogue/change-sets/{cs.json()['id']}/items", json=item, headers=MAKER)
        assert added.status_code == 201, added.text
    body: dict[str, Any] = cs.json()
    return body


async def wait_for_status(api: httpx.AsyncClient, change_set_id: str, status: str) -> dict[str, Any]:
    for _ in range(100):
        cs: dict[str, Any] = (await api.get(f"/api/v1/catalogue/change-sets/{change_set_id}")).json()
        if cs["status"] == status:
            return cs
        await asyncio.sleep(0.1)
    raise AssertionError(f"change set {change_set_id} is {cs['status']}, not {status}")


class TestMakerChecker:
    async def test_a_second_person_approves_and_it_is_published_as_a_new_version(self, api: httpx.AsyncClient) -> None:
        code = unique("launch")
        cs = await draft_with_new_offering(api, code)
        assert (cs["status"], cs["author"]) == ("draft", "pat.product")
        assert (await api.get(f"/api/v1/catalogue/offerings/{code}")).status_code == 404  # not live while a draft
        before = datetime.now(UTC)

        submitted = await api.post(f"/api/v1/catalogue/change-sets/{cs['id']}/submit", headers=MAKER)
        assert submitted.status_code == 200, submitted.text
        assert submitted.json()["status"] == "awaitingApproval"

        own = await api.post(f"/api/v1/catalogue/change-sets/{cs['id']}/approve", headers=MAKER)
        assert own.status_code == 409
        assert own.headers["content-type"] == "application/problem+json"
        assert [e["field"] for e in own.json()["errors"]] == ["X-Accord-User"]
        assert (await api.get(f"/api/v1/catalogue/change-sets/{cs['id']}")).json()["status"] == "awaitingApproval"

        approved = await api.post(
            f"/api/v1/catalogue/change-sets/{cs['id']}/approve", json={"reason": "checked"}, headers=CHECKER
        )
        assert approved.status_code == 200, approved.text
        published = await wait_for_status(api, cs["id"], "published")
        assert (published["approvedBy"], published["decisionReason"]) == ("sam.checker", "checked")
        version = published["publishedVersion"]

        live = (await api.get(f"/api/v1/catalogue/offerings/{code}")).json()
        assert (live["monthlyPrice"], live["currency"], live["catalogueVersion"]) == ("40.00", "USD", version)
        earlier = await api.get("/api/v1/catalogue/offerings", params={"asOf": before.isoformat(), "limit": 200})
        assert code not in [o["code"] for o in earlier.json()["items"]]  # the catalogue as it was then
        kept = (await api.get(f"/api/v1/catalogue/versions/{version}")).json()
        assert kept["changeSetId"] == cs["id"]

    async def test_findings_keep_it_a_draft_and_name_the_field(self, api: httpx.AsyncClient) -> None:
        cs = (await api.post("/api/v1/catalogue/change-sets", json={"title": "Orphan price"}, headers=MAKER)).json()
        _, price = definitions(unique("nowhere"))
        item = {"entityType": "price", "action": "add", "code": price["code"], "data": price}
        added = await api.post(f"/api/v1/catalogue/change-sets/{cs['id']}/items", json=item, headers=MAKER)
        assert added.status_code == 201, added.text

        submitted = await api.post(f"/api/v1/catalogue/change-sets/{cs['id']}/submit", headers=MAKER)
        assert submitted.status_code == 422
        fields = [e["field"] for e in submitted.json()["errors"]]
        assert any(price["code"] in f and "offeringCode" in f for f in fields), fields
        stored = (await api.get(f"/api/v1/catalogue/change-sets/{cs['id']}")).json()
        assert stored["status"] == "draft"
        assert stored["findings"], stored


async def new_change_set(
    sessions: async_sessionmaker[AsyncSession],
    skipping: WorkflowEnvironment,
    queue: str,
    request: ChangeSetCreate,
    *items: ItemCreate,
) -> uuid.UUID:
    async with unit_of_work(sessions) as session:
        cs = await changes.create_change_set(session, skipping.client, request, principal=PAT, task_queue=queue)
    for item in items:
        async with unit_of_work(sessions) as session:
            await changes.add_item(session, cs.id, item, principal=PAT)
    async with unit_of_work(sessions) as session:
        outcome = await changes.submit(session, skipping.client, cs.id, principal=PAT)
    assert outcome.findings == [], outcome.findings
    return cs.id


async def decide(
    sessions: async_sessionmaker[AsyncSession],
    skipping: WorkflowEnvironment,
    change_set_id: uuid.UUID,
    step: str,
    principal: Principal,
) -> str:
    async with unit_of_work(sessions) as session:
        return await changes.decide(session, skipping.client, change_set_id, step, principal=principal)


def first_15th_on_or_after(day: date) -> date:
    """The agreements of shop_order() bill on the 15th: their periods start on the 15th."""
    if day.day <= 15:
        return day.replace(day=15)
    return (day.replace(day=1) + timedelta(days=32)).replace(day=15)


class TestScheduledPublishing:
    async def test_a_price_rise_goes_live_at_its_time_and_reaches_subscribers_from_their_next_period(
        self,
        api: httpx.AsyncClient,
        sessions: async_sessionmaker[AsyncSession],
        skipping: WorkflowEnvironment,
        skipping_queue: str,
    ) -> None:
        code = unique("rise")
        offering, price = promo(code)
        await publish_now(sessions, offering, prices=(price,))
        order = shop_order(items=[{"offeringCode": code}])
        assert (await api.post("/api/v1/orders", json=order)).status_code == 202
        done = await wait_for_order(api, order["orderRef"])
        subscription_id = done["subscriptionIds"][0]
        goes_live = (await skipping.get_current_time()).astimezone(UTC) + timedelta(days=10)
        existing_from = business_today() + timedelta(days=20)

        change_set_id = await new_change_set(
            sessions,
            skipping,
            skipping_queue,
            ChangeSetCreate(title="Fiber promo +5", effective_at=goes_live, apply_to_existing_from=existing_from),
            ItemCreate(entity_type="price", action="modify", code=price.code, data={"amount": "45.00"}),
        )
        assert await decide(sessions, skipping, change_set_id, "approve", SAM) == "scheduled"
        handle = skipping.client.get_workflow_handle(changes.workflow_id(change_set_id))
        assert (await handle.query("current_state"))["status"] == "scheduled"
        # Not before its time: the live catalogue and the subscriber still have the old price.
        assert (await api.get(f"/api/v1/catalogue/offerings/{code}")).json()["monthlyPrice"] == "40.00"

        # Time passes (the test server's clock): the timer to the effective time fires, then the one
        # to the date the new price falls due for this subscriber.
        await skipping.sleep(goes_live - await skipping.get_current_time() + timedelta(minutes=1))
        published = await wait_for_status(api, str(change_set_id), "published")
        assert (await api.get(f"/api/v1/subscriptions/{subscription_id}")).json()["listPrice"] == "40.00"
        await skipping.sleep(timedelta(days=45))
        assert await handle.result() == "published"

        version = (await api.get(f"/api/v1/catalogue/versions/{published['publishedVersion']}")).json()
        assert datetime.fromisoformat(version["effectiveAt"]) == goes_live
        a_minute = timedelta(minutes=1)
        then = {"asOf": (goes_live - a_minute).isoformat()}
        after = {"asOf": (goes_live + a_minute).isoformat()}
        assert (await api.get(f"/api/v1/catalogue/offerings/{code}", params=then)).json()["monthlyPrice"] == "40.00"
        assert (await api.get(f"/api/v1/catalogue/offerings/{code}", params=after)).json()["monthlyPrice"] == "45.00"

        [change] = (await api.get(f"/api/v1/catalogue/change-sets/{change_set_id}/price-changes")).json()
        assert change == {
            "subscriptionId": subscription_id,
            "offeringCode": code,
            "currency": "USD",
            "oldListPrice": "40",
            "newListPrice": "45",
            "effectiveDate": first_15th_on_or_after(existing_from).isoformat(),
            "status": "applied",
        }
        subscription = (await api.get(f"/api/v1/subscriptions/{subscription_id}")).json()
        assert subscription["listPrice"] == "45.00"

    async def test_a_scheduled_change_set_can_be_cancelled_until_it_is_published(
        self,
        api: httpx.AsyncClient,
        sessions: async_sessionmaker[AsyncSession],
        skipping: WorkflowEnvironment,
        skipping_queue: str,
    ) -> None:
        code = unique("never")
        offering, price = promo(code)
        latest = (await api.get("/api/v1/catalogue/versions", params={"limit": 1})).json()["items"][0]["number"]
        change_set_id = await new_change_set(
            sessions,
            skipping,
            skipping_queue,
            ChangeSetCreate(
                title="Withdrawn launch", effective_at=await skipping.get_current_time() + timedelta(days=30)
            ),
            ItemCreate(
                entity_type="offering", action="add", code=code, data=offering.model_dump(mode="json", by_alias=True)
            ),
            ItemCreate(
                entity_type="price", action="add", code=price.code, data=price.model_dump(mode="json", by_alias=True)
            ),
        )
        assert await decide(sessions, skipping, change_set_id, "approve", SAM) == "scheduled"
        assert await decide(sessions, skipping, change_set_id, "cancel", PAT) == "cancelled"

        handle = skipping.client.get_workflow_handle(changes.workflow_id(change_set_id))
        await skipping.sleep(timedelta(days=31))  # past the time it would have gone live
        assert await handle.result() == "cancelled"
        assert (await api.get(f"/api/v1/catalogue/offerings/{code}")).status_code == 404
        now_latest = (await api.get("/api/v1/catalogue/versions", params={"limit": 1})).json()["items"][0]["number"]
        assert now_latest == latest
        again = await api.post(f"/api/v1/catalogue/change-sets/{change_set_id}/approve", headers=CHECKER)
        assert again.status_code == 409


async def test_an_exported_catalogue_imports_as_a_draft_after_a_readable_diff(
    api: httpx.AsyncClient, sessions: async_sessionmaker[AsyncSession]
) -> None:
    """Test → production: export the catalogue, change a price in the file, preview the diff it would
    make here, then import it as a draft change set (which goes through approval like any other)."""
    code = unique("moved")
    offering, price = promo(code)
    await publish_now(sessions, offering, prices=(price,))
    exported = await api.get("/api/v1/catalogue/export")
    assert exported.status_code == 200
    assert exported.headers["content-disposition"].startswith("attachment; filename=")
    document = exported.json()
    [row] = [p for p in document["prices"] if p["code"] == price.code]
    row["amount"] = "44.00"

    preview = await api.post("/api/v1/catalogue/import/preview", json=document)
    assert preview.status_code == 200, preview.text
    assert preview.json()["lines"] == [
        {
            "entityType": "price",
            "code": price.code,
            "action": "modify",
            "changes": {"amount": {"from": "40.00", "to": "44.00"}},
        }
    ]
    assert preview.json()["findings"] == []

    imported = await api.post(
        "/api/v1/catalogue/import", json={"document": document, "title": "Prices from test"}, headers=MAKER
    )
    assert imported.status_code == 201, imported.text
    draft = imported.json()
    assert (draft["status"], draft["author"], draft["title"]) == ("draft", "pat.product", "Prices from test")
    assert [(i["entityType"], i["action"], i["code"]) for i in draft["items"]] == [("price", "modify", price.code)]
    assert (await api.get(f"/api/v1/catalogue/offerings/{code}")).json()["monthlyPrice"] == "40.00"
