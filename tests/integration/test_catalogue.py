"""The catalogue's reads (any version, as of any time), eligibility and validity, and onboarding's
use of them, against real PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from accord.clock import business_today
from accord.db import unit_of_work
from accord.rules.catalogue import Catalogue
from accord.schemas.catalogue import PriceDef
from accord.services import catalogue
from tests.conftest import shop_order, unique
from tests.integration.helpers import promo, publish_now, wait_for_order


class TestSampleCatalogue:
    async def test_the_sample_offerings_are_version_one_with_their_rules(self, api: httpx.AsyncClient) -> None:
        page = (await api.get("/api/v1/catalogue/offerings", params={"asOf": "2000-01-01T00:00:00Z"})).json()
        by_code = {o["code"]: o for o in page["items"]}
        assert page["total"] == 10
        fiber = by_code["fiber-optic"]
        assert (fiber["monthlyPrice"], fiber["currency"], fiber["kind"], fiber["status"]) == (
            "50.00",
            "USD",
            "access",
            "active",
        )
        assert fiber["catalogueVersion"] == 1
        assert fiber["excludes"] == ["dsl"]
        assert fiber["commitment"]["terms"] == [12, 24]
        tv = by_code["streaming-tv"]
        assert (tv["kind"], tv["family"], tv["requires"]) == ("addon", "internet", "internet access")
        assert [p["code"] for p in tv["prices"]] == ["streaming-tv-monthly-usd"]

    async def test_categories_form_a_tree_and_filter_with_their_subcategories(self, api: httpx.AsyncClient) -> None:
        tree = (await api.get("/api/v1/catalogue/categories")).json()
        internet = next(c for c in tree if c["code"] == "internet")
        assert [c["code"] for c in internet["children"]] == ["internet-extras"]
        assert [c["code"] for c in internet["children"][0]["children"]] == ["entertainment"]
        extras = (await api.get("/api/v1/catalogue/offerings", params={"category": "internet-extras"})).json()
        codes = {o["code"] for o in extras["items"]}
        assert {"streaming-tv", "streaming-movies", "tech-support"} <= codes
        assert "fiber-optic" not in codes

    async def test_search_filters_and_pages(self, api: httpx.AsyncClient) -> None:
        found = (await api.get("/api/v1/catalogue/offerings", params={"name": "STREAMING", "kind": "addon"})).json()
        assert [o["code"] for o in found["items"]] == ["streaming-movies", "streaming-tv"]
        page = (await api.get("/api/v1/catalogue/offerings", params={"limit": 2, "offset": 1})).json()
        assert (len(page["items"]), page["limit"], page["offset"]) == (2, 2, 1)
        assert page["total"] >= 10

    async def test_one_offering_its_prices_and_specification(self, api: httpx.AsyncClient) -> None:
        fiber = (await api.get("/api/v1/catalogue/offerings/fiber-optic")).json()
        assert fiber["specificationCode"] == "fiber-access"
        spec = (await api.get("/api/v1/catalogue/specifications/fiber-access")).json()
        speed = next(c for c in spec["characteristics"] if c["name"] == "downloadSpeed")
        assert (speed["unit"], speed["default"]) == ("Mbit/s", "1000")
        prices = (await api.get("/api/v1/catalogue/offerings/fiber-optic/prices")).json()
        assert [(p["priceType"], p["period"], p["amount"], p["currency"]) for p in prices] == [
            ("recurring", "month", "50.00", "USD")
        ]
        missing = await api.get("/api/v1/catalogue/offerings/no-such-thing")
        assert missing.status_code == 404

    async def test_no_catalogue_before_version_one(self, api: httpx.AsyncClient) -> None:
        response = await api.get("/api/v1/catalogue/offerings", params={"asOf": "1969-12-31T23:59:59Z"})
        assert response.status_code == 404


class TestVersions:
    async def test_a_published_version_is_kept_and_read_as_of_its_time(
        self, api: httpx.AsyncClient, sessions: async_sessionmaker[AsyncSession]
    ) -> None:
        code = unique("promo")
        offering, price = promo(code)
        first = await publish_now(sessions, offering, prices=(price,))
        dearer = price.model_copy(update={"amount": price.amount + 5})
        second = await publish_now(sessions, prices=(dearer,))
        assert second.number == first.number + 1

        before = first.effective_at + (second.effective_at - first.effective_at) / 2
        old = (await api.get(f"/api/v1/catalogue/offerings/{code}", params={"asOf": before.isoformat()})).json()
        new = (await api.get(f"/api/v1/catalogue/offerings/{code}")).json()
        assert (old["monthlyPrice"], old["catalogueVersion"]) == ("40.00", first.number)
        assert (new["monthlyPrice"], new["catalogueVersion"]) == ("45.00", second.number)
        version = (await api.get(f"/api/v1/catalogue/versions/{second.number}")).json()
        assert version["summary"] == "1 modified"


class TestEligibility:
    async def test_an_add_on_needs_its_access_and_is_quoted(self, api: httpx.AsyncClient) -> None:
        alone = (
            await api.post(
                "/api/v1/catalogue/eligibility",
                json={"offeringCode": "streaming-tv", "customerType": "individual", "currency": "USD"},
            )
        ).json()
        assert alone["eligible"] is False
        needs_access = "streaming-tv is an add-on: it needs internet access held by the customer"
        assert alone["reasons"] == [{"field": "offeringCode", "detail": needs_access}]
        assert alone["price"]["recurring"] == "10.00"

    async def test_with_an_agreement_that_holds_internet(self, api: httpx.AsyncClient) -> None:
        from tests.integration.test_agreements import onboarded

        done = await onboarded(api)
        answer = (
            await api.post(
                "/api/v1/catalogue/eligibility",
                json={
                    "offeringCode": "streaming-movies",
                    "customerId": done["customerId"],
                    "agreementId": done["agreementId"],
                },
            )
        ).json()
        assert answer["eligible"] is True
        assert answer["reasons"] == []
        assert (answer["price"]["currency"], answer["price"]["recurring"], answer["price"]["period"]) == (
            "USD",
            "10.00",
            "month",
        )
        dsl = (
            await api.post(
                "/api/v1/catalogue/eligibility",
                json={"offeringCode": "dsl", "agreementId": done["agreementId"]},
            )
        ).json()
        assert dsl["eligible"] is False
        assert "dsl cannot be held with fiber-optic" in [r["detail"] for r in dsl["reasons"]]

    async def test_segment_channel_and_discount(
        self, api: httpx.AsyncClient, sessions: async_sessionmaker[AsyncSession]
    ) -> None:
        code = unique("biz")
        offering, price = promo(code, segments=["business"], channels=["shop"], customerTypes=["organisation"])
        half = PriceDef.model_validate(
            {**price.model_dump(), "discount": {"type": "percentage", "value": "50", "periods": 3}}
        )
        await publish_now(sessions, offering, prices=(half,))
        no = (
            await api.post(
                "/api/v1/catalogue/eligibility",
                json={"offeringCode": code, "customerType": "individual", "segment": "residential", "currency": "USD"},
                headers={"X-Accord-Channel": "call-centre"},
            )
        ).json()
        assert no["eligible"] is False
        assert sorted(r["detail"] for r in no["reasons"]) == sorted(
            [
                f"{code} is not sold through call-centre",
                f"{code} is not sold to individual customers",
                f"{code} is sold only to the business segment(s)",
            ]
        )
        yes = (
            await api.post(
                "/api/v1/catalogue/eligibility",
                json={
                    "offeringCode": code,
                    "customerType": "organisation",
                    "segment": "business",
                    "channel": "shop",
                    "currency": "USD",
                },
            )
        ).json()
        assert yes["eligible"] is True
        assert yes["price"]["discount"] == {"type": "percentage", "value": "50", "periods": 3}
        assert yes["price"]["discountedRecurring"] == "20.00"


class TestValidityAndOnboarding:
    async def test_an_offering_past_its_end_date_cannot_be_ordered(
        self, api: httpx.AsyncClient, sessions: async_sessionmaker[AsyncSession]
    ) -> None:
        today = business_today()
        ended, on_sale = unique("ended"), unique("lastday")
        old, old_price = promo(ended, validTo=(today - timedelta(days=1)).isoformat())
        last, last_price = promo(on_sale, validTo=today.isoformat())
        await publish_now(sessions, old, last, prices=(old_price, last_price))

        refused = await api.post("/api/v1/orders", json=shop_order(items=[{"offeringCode": ended}]))
        assert refused.status_code == 422
        assert refused.json()["errors"][0]["field"] == "items[0].offeringCode"
        assert f"{ended} was on sale until" in refused.json()["errors"][0]["detail"]

        accepted = await api.post("/api/v1/orders", json=shop_order(items=[{"offeringCode": on_sale}]))
        assert accepted.status_code == 202

    async def test_onboarding_takes_the_catalogues_current_price(
        self, api: httpx.AsyncClient, sessions: async_sessionmaker[AsyncSession]
    ) -> None:
        code = unique("priced")
        offering, price = promo(code)
        await publish_now(sessions, offering, prices=(price,))
        await publish_now(sessions, prices=(price.model_copy(update={"amount": price.amount + 2}),))
        order = shop_order(items=[{"offeringCode": code}])
        await api.post("/api/v1/orders", json=order)
        done = await wait_for_order(api, order["orderRef"])
        assert done["state"] == "completed"
        subscription = (await api.get(f"/api/v1/subscriptions/{done['subscriptionIds'][0]}")).json()
        assert subscription["listPrice"] == "42.00"


async def test_catalogue_round_trips_through_its_document(sessions: async_sessionmaker[AsyncSession]) -> None:
    async with unit_of_work(sessions) as session:
        _, live = await catalogue.catalogue_as_of(session)
    assert Catalogue.from_document(live.document()) == live
