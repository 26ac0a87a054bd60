"""Customers through the API, against real PostgreSQL: create, read, merge patch, validation,
uniqueness under concurrency, search and paging."""

from __future__ import annotations

import asyncio
import unicodedata
import uuid
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from accord.config import get_settings
from accord.models import Customer
from accord.schemas.common import Page
from accord.schemas.customers import CustomerView
from tests.conftest import unique

URL = "/api/v1/customers"


def person(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": "individual",
        "givenName": "Grace",
        "familyName": "Hopper",
        "emails": [{"address": f"{unique('grace')}@example.com", "type": "work"}],
        "phones": [{"number": "+1 415 555 2671", "type": "mobile"}],
        "addresses": [{"line1": "1 Navy Way", "city": "Arlington", "country": "US", "type": "home"}],
        "segment": unique("seg"),
        "externalRef": unique("crm"),
    }
    body.update(overrides)
    return body


async def create(api: httpx.AsyncClient, **overrides: Any) -> dict[str, Any]:
    response = await api.post(URL, json=person(**overrides))
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


class TestCreateAndRead:
    async def test_create_answers_201_with_location_and_etag_and_a_prospect(self, api: httpx.AsyncClient) -> None:
        body = person(preferredLanguage="en-US", marketingConsent=True)
        response = await api.post(URL, json=body)

        assert response.status_code == 201, response.text
        customer = response.json()
        assert response.headers["Location"] == f"{URL}/{customer['id']}"
        assert response.headers["ETag"] == 'W/"1"'
        assert customer["status"] == "prospect"
        assert customer["customerNumber"].startswith("C")
        assert customer["name"] == "Grace Hopper"
        assert customer["email"] == body["emails"][0]["address"]
        assert customer["phone"] == "+14155552671"
        assert customer["phones"] == [{"number": "+14155552671", "type": "mobile", "preferred": False}]
        assert customer["addresses"][0]["city"] == "Arlington"
        assert customer["preferredLanguage"] == "en-US"
        assert customer["marketingConsent"] is True

        read = await api.get(customer["href"])
        assert read.status_code == 200
        assert read.headers["ETag"] == 'W/"1"'
        assert read.json() == customer

    async def test_a_vietnamese_name_in_nfd_comes_back_nfc_and_is_found(self, api: httpx.AsyncClient) -> None:
        nfd = unicodedata.normalize("NFD", "Nguyễn Thị Đặng")
        given, family = nfd.split(" ", 1)
        customer = await create(api, givenName=given, familyName=family)

        assert customer["givenName"] == "Nguyễn"
        assert unicodedata.is_normalized("NFC", customer["familyName"])
        assert customer["familyName"] == unicodedata.normalize("NFC", "Thị Đặng")
        for query in ("nguy", "Nguyễn", "NGUYEN", "nguyen dang", unicodedata.normalize("NFD", "đặ")):
            found = await api.get(URL, params={"name": query, "segment": customer["segment"]})
            assert [c["id"] for c in found.json()["items"]] == [customer["id"]], query
        missing = await api.get(URL, params={"name": "nguyenx", "segment": customer["segment"]})
        assert missing.json()["total"] == 0

    async def test_an_invalid_phone_number_is_422_naming_the_field(self, api: httpx.AsyncClient) -> None:
        response = await api.post(URL, json=person(phones=[{"number": "+44 20 1234"}]))

        assert response.status_code == 422
        assert response.headers["Content-Type"] == "application/problem+json"
        assert [e["field"] for e in response.json()["errors"]] == ["phones[0].number"]

    async def test_a_national_number_with_its_country_is_stored_in_e164(self, api: httpx.AsyncClient) -> None:
        customer = await create(api, phones=[{"number": "020 7946 0958", "country": "GB", "preferred": True}])
        assert customer["phones"] == [{"number": "+442079460958", "type": "mobile", "preferred": True}]

    async def test_an_unknown_customer_is_404(self, api: httpx.AsyncClient) -> None:
        response = await api.get(f"{URL}/{uuid.uuid4()}")
        assert response.status_code == 404
        assert response.headers["Content-Type"] == "application/problem+json"


class TestUniqueness:
    async def test_the_same_email_in_other_case_is_409(self, api: httpx.AsyncClient) -> None:
        address = f"{unique('Ada')}@Example.com"
        first = await create(api, emails=[{"address": address}])
        second = await api.post(URL, json=person(emails=[{"address": address.upper()}]))

        assert first["email"] == address  # stored as entered
        assert second.status_code == 409
        assert second.json()["errors"][0]["field"] == "emails[0].address"

    async def test_with_the_setting_off_the_same_email_is_accepted(
        self, api: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        address = f"{unique('twin')}@example.com"
        await create(api, emails=[{"address": address}])
        monkeypatch.setattr(get_settings(), "unique_customer_emails", False)
        second = await api.post(URL, json=person(emails=[{"address": address.upper()}]))
        assert second.status_code == 201

    async def test_two_concurrent_creates_with_one_email_give_one_customer(
        self, api: httpx.AsyncClient, sessions: async_sessionmaker[AsyncSession]
    ) -> None:
        address = f"{unique('race')}@example.com"
        responses = await asyncio.gather(
            *(api.post(URL, json=person(emails=[{"address": a}])) for a in (address, address.upper()))
        )
        assert sorted(r.status_code for r in responses) == [201, 409]
        async with sessions() as session:
            count = await session.scalar(
                select(func.count()).select_from(Customer).where(Customer.search_emails.contains([address.lower()]))
            )
        assert count == 1

    async def test_two_concurrent_creates_with_one_external_ref_give_one_customer(
        self, api: httpx.AsyncClient, sessions: async_sessionmaker[AsyncSession]
    ) -> None:
        ref = unique("ext")
        responses = await asyncio.gather(*(api.post(URL, json=person(externalRef=ref)) for _ in range(4)))

        assert sorted(r.status_code for r in responses) == [201, 409, 409, 409]
        refused = next(r for r in responses if r.status_code == 409)
        assert refused.json()["errors"] == [{"field": "externalRef", "detail": "already used by another customer"}]
        async with sessions() as session:
            assert await session.scalar(select(func.count()).where(Customer.external_ref == ref)) == 1


class TestPatch:
    async def test_a_merge_patch_changes_what_it_names_and_bumps_the_etag(self, api: httpx.AsyncClient) -> None:
        customer = await create(api)
        response = await api.patch(
            customer["href"],
            content=b'{"segment": "vip", "preferredLanguage": null, "phones": [{"number": "+442079460958"}],'
            b' "addresses": [{"line1": "12 St James\'s Square", "city": "London", "country": "GB"}]}',
            headers={"Content-Type": "application/merge-patch+json", "If-Match": 'W/"1"'},
        )

        assert response.status_code == 200, response.text
        assert response.headers["ETag"] == 'W/"2"'
        patched = response.json()
        assert patched["segment"] == "vip"
        assert patched["phone"] == "+442079460958"
        assert patched["addresses"][0]["city"] == "London"
        assert patched["givenName"] == "Grace"  # untouched
        assert patched["emails"] == customer["emails"]
        assert (await api.get(customer["href"])).json() == patched

    async def test_plain_json_is_accepted_and_read_only_fields_may_be_repeated(self, api: httpx.AsyncClient) -> None:
        customer = await create(api)
        response = await api.patch(
            customer["href"], json={"id": customer["id"], "status": "prospect", "givenName": "G."}
        )
        assert response.status_code == 200, response.text
        assert response.json()["givenName"] == "G."

    async def test_changing_a_read_only_field_or_an_unknown_one_is_422(self, api: httpx.AsyncClient) -> None:
        customer = await create(api)
        response = await api.patch(customer["href"], json={"status": "active", "customerNumber": "C1", "shoeSize": 9})
        assert response.status_code == 422
        assert sorted(e["field"] for e in response.json()["errors"]) == ["customerNumber", "shoeSize", "status"]

    async def test_the_patched_whole_is_validated(self, api: httpx.AsyncClient) -> None:
        customer = await create(api)
        response = await api.patch(
            customer["href"], json={"phones": [{"number": "+1 415 555 2671"}, {"number": "nope"}]}
        )
        assert response.status_code == 422
        assert [e["field"] for e in response.json()["errors"]] == ["phones[1].number"]
        assert (await api.get(customer["href"])).json()["version"] == 1

    async def test_a_stale_if_match_is_412(self, api: httpx.AsyncClient) -> None:
        customer = await create(api)
        await api.patch(customer["href"], json={"segment": "a"})
        response = await api.patch(customer["href"], json={"segment": "b"}, headers={"If-Match": 'W/"1"'})
        assert response.status_code == 412
        assert response.json()["errors"] == [{"field": "If-Match", "detail": 'current ETag is W/"2"'}]

    async def test_concurrent_patches_with_one_stale_if_match(self, api: httpx.AsyncClient) -> None:
        customer = await create(api)
        responses = await asyncio.gather(
            api.patch(customer["href"], json={"segment": "first"}, headers={"If-Match": 'W/"1"'}),
            api.patch(customer["href"], json={"segment": "second"}, headers={"If-Match": 'W/"1"'}),
        )

        assert sorted(r.status_code for r in responses) == [200, 412]
        winner = next(r for r in responses if r.status_code == 200).json()
        final = (await api.get(customer["href"])).json()
        assert final["segment"] == winner["segment"]
        assert final["version"] == 2

    async def test_the_same_email_as_another_customer_is_409_on_patch_too(self, api: httpx.AsyncClient) -> None:
        other = await create(api)
        customer = await create(api)
        address = other["emails"][0]["address"].upper()
        response = await api.patch(customer["href"], json={"emails": [customer["emails"][0], {"address": address}]})
        assert response.status_code == 409
        assert response.json()["errors"][0]["field"] == "emails[1].address"

    async def test_an_external_reference_of_another_customer_is_409_on_patch(self, api: httpx.AsyncClient) -> None:
        other = await create(api)
        customer = await create(api)
        response = await api.patch(customer["href"], json={"externalRef": other["externalRef"]})
        assert response.status_code == 409
        assert response.json()["errors"][0]["field"] == "externalRef"
        assert (await api.get(customer["href"])).json()["externalRef"] == customer["externalRef"]


class TestSearch:
    async def test_filters_combine(self, api: httpx.AsyncClient) -> None:
        segment = unique("seg")
        ada = await create(api, givenName="Ada", familyName="Lovelace", segment=segment)
        grace = await create(api, segment=segment)
        org = await create(
            api, type="organisation", givenName=None, familyName=None, tradingName="Analytical Engines", segment=segment
        )

        async def ids(**params: Any) -> list[str]:
            response = await api.get(URL, params={"segment": segment, **params})
            assert response.status_code == 200, response.text
            return [c["id"] for c in response.json()["items"]]

        assert await ids() == [ada["id"], grace["id"], org["id"]]
        assert await ids(email=ada["email"].upper()) == [ada["id"]]
        assert await ids(phone="+1 (415) 555-2671") == [ada["id"], grace["id"], org["id"]]
        assert await ids(type="organisation") == [org["id"]]
        assert await ids(name="anal eng") == [org["id"]]
        assert await ids(customerNumber=grace["customerNumber"]) == [grace["id"]]
        assert await ids(externalRef=ada["externalRef"]) == [ada["id"]]
        assert await ids(status="prospect", name="love") == [ada["id"]]
        assert await ids(status="active") == []
        assert await ids(externalRef=ada["externalRef"], type="organisation") == []

    async def test_a_name_is_found_once_by_its_words_in_any_order_and_by_its_new_name(
        self, api: httpx.AsyncClient
    ) -> None:
        """Two words of one name may start alike (María Martínez for "mar"): the customer is found,
        and counted, once. A query's words match the name's words in any order, and the same name
        word may serve two of them."""
        stem = f"q{uuid.uuid4().hex[:8]}"  # names no other test has
        maria = await create(api, givenName=f"{stem}María", familyName=f"{stem}Martínez Ortega")
        mateo = await create(api, givenName=f"{stem}Mateo", familyName="Ortega")

        async def found(name: str) -> list[str]:
            response = await api.get(URL, params={"name": name})
            assert response.status_code == 200, response.text
            page = response.json()
            assert page["total"] == len(page["items"])
            return [c["id"] for c in page["items"]]

        assert await found(stem) == [maria["id"], mateo["id"]]
        assert await found(f"{stem}mar") == [maria["id"]]
        assert await found(f"ortega {stem}MA") == [maria["id"], mateo["id"]]
        assert await found(f"{stem}martinez ortega {stem}mari {stem}") == [maria["id"]]
        assert await found(f"{stem}mar {stem}mat") == []
        assert await found(f"{stem}mar ortegas") == []

        renamed = await api.patch(maria["href"], json={"familyName": f"{stem}Nguyễn"})
        assert renamed.status_code == 200, renamed.text
        assert await found(f"{stem}mart") == []
        assert await found(f"{stem}nguyen {stem}maria") == [maria["id"]]
        assert await found(f"{stem}ma") == [maria["id"], mateo["id"]]

    async def test_each_item_of_a_page_is_the_customer_as_get_shows_it(self, api: httpx.AsyncClient) -> None:
        """Reads (search items and GET) are rendered without a model: they must still be, field for
        field, what a write answers, for every shape of customer (individual, organisation, child,
        sparse)."""
        segment = unique("seg")
        org = await create(
            api, type="organisation", givenName=None, familyName=None, tradingName="Zeta Works", segment=segment
        )
        child = await create(
            api,
            givenName="Nguyễn",
            familyName="Thị Lan",
            segment=segment,
            preferredLanguage="vi",
            marketingConsent=True,
            identifications=[{"type": "passport", "number": "C1234567", "issuingCountry": "VN"}],
            characteristics=[{"name": "tier", "value": "gold"}],
            parentId=org["id"],
        )
        solo = await create(api, givenName="Solo", familyName=None, emails=[], phones=[], addresses=[], segment=segment)

        response = await api.get(URL, params={"segment": segment, "limit": 2})
        assert response.status_code == 200, response.text
        page = response.json()
        following = (await api.get(URL, params={"segment": segment, "cursor": page["nextCursor"]})).json()
        assert (page["total"], page["limit"], page["offset"]) == (3, 2, 0)
        assert following["nextCursor"] is None
        items = page["items"] + following["items"]
        assert [c["name"] for c in items] == ["Zeta Works", "Nguyễn Thị Lan", "Solo"]
        # A write answers with the model's serialisation; reads render documents: the same body.
        for item, written in zip(items, [org, child, solo], strict=True):
            single = await api.get(f"{URL}/{item['id']}")
            assert item == single.json() == written
        assert Page[CustomerView].model_validate(page).model_dump(mode="json", by_alias=True) == page

    async def test_bad_search_input_is_422(self, api: httpx.AsyncClient) -> None:
        responses = await asyncio.gather(
            api.get(URL, params={"phone": "call me"}),
            api.get(URL, params={"name": "!!"}),
            api.get(URL, params={"status": "asleep"}),
        )
        assert [r.status_code for r in responses] == [422, 422, 422]
        assert [r.json()["errors"][0]["field"] for r in responses] == ["phone", "name", "status"]

    async def test_search_parameters_are_validated_as_declared_and_documented(self, api: httpx.AsyncClient) -> None:
        responses = await asyncio.gather(
            api.get(URL, params={"limit": "0"}),
            api.get(URL, params={"parentId": "not-a-uuid"}),
            api.get(URL, params={"name": "x" * 201}),
        )
        assert [r.status_code for r in responses] == [422, 422, 422]
        assert [r.json()["errors"][0]["field"] for r in responses] == ["limit", "parentId", "name"]
        # An unknown parameter is ignored; a parameter given twice counts its last value.
        segment = unique("seg")
        ada = await create(api, segment=segment)
        response = await api.get(f"{URL}?segment=nobody&segment={segment}&colour=blue&limit=5")
        assert response.status_code == 200, response.text
        assert ([c["id"] for c in response.json()["items"]], response.json()["limit"]) == ([ada["id"]], 5)
        operation = (await api.get("/openapi.json")).json()["paths"]["/api/v1/customers"]["get"]
        assert [p["name"] for p in operation["parameters"]] == [
            "name",
            "email",
            "phone",
            "customerNumber",
            "externalRef",
            "status",
            "segment",
            "type",
            "parentId",
            "limit",
            "offset",
            "cursor",
        ]
        status = next(p for p in operation["parameters"] if p["name"] == "status")
        assert status["schema"]["anyOf"][0]["enum"] == ["prospect", "active", "suspended", "closed"]

    async def test_paging_25_customers_of_one_creation_time_while_others_insert(
        self, api: httpx.AsyncClient, sessions: async_sessionmaker[AsyncSession]
    ) -> None:
        segment = unique("paging")
        moment = datetime(2026, 1, 1, 9, 0, tzinfo=UTC)

        def row(n: int) -> Customer:
            return Customer(
                id=uuid.uuid4(),
                kind="individual",
                family_name=f"Same-{n}",
                status="active",
                segment=segment,
                created_at=moment,
                updated_at=moment,
                created_by="test",
                updated_by="test",
            )

        originals = [row(n) for n in range(25)]
        async with sessions() as session, session.begin():
            session.add_all(originals)

        seen: list[str] = []
        page = (await api.get(URL, params={"segment": segment, "limit": 4})).json()
        assert page["total"] == 25
        while True:
            seen += [c["id"] for c in page["items"]]
            if not page["nextCursor"]:
                break
            # Others insert meanwhile, some at the very same creation time (their ids fall before and
            # after the cursor), some now through the API.
            async with sessions() as session, session.begin():
                session.add_all([row(100 + len(seen)), row(200 + len(seen))])
            await create(api, segment=segment)
            page = (await api.get(URL, params={"segment": segment, "limit": 4, "cursor": page["nextCursor"]})).json()

        original_ids = {str(c.id) for c in originals}
        assert len(seen) == len(set(seen))  # nothing repeated
        assert original_ids <= set(seen)  # nothing skipped
        assert page["total"] > 25

    async def test_offset_paging_has_the_same_order_and_total(self, api: httpx.AsyncClient) -> None:
        segment = unique("offset")
        made = [await create(api, segment=segment) for _ in range(5)]
        response = (await api.get(URL, params={"segment": segment, "limit": 2, "offset": 2})).json()
        assert [c["id"] for c in response["items"]] == [c["id"] for c in made[2:4]]
        assert response["total"] == 5
