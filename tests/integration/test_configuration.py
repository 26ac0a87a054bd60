"""Business configuration over REST: reference data per kind, If-Match, the audit trail, and changes
that would break existing data refused with the reason."""

from __future__ import annotations

import random
import string
import uuid
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from accord.models import AuditEvent
from accord.rules.reasons import REASON_CODES
from tests.conftest import unique

URL = "/api/v1/config"


def currency_code() -> str:
    """A code no real currency has (ISO 4217 leaves Q.. unassigned)."""
    return "Q" + "".join(random.choices(string.ascii_uppercase, k=2))


async def trail(sessions: async_sessionmaker[AsyncSession], entity_id: str) -> list[tuple[str, str, str, Any]]:
    async with sessions() as session:
        rows = await session.scalars(
            select(AuditEvent).where(AuditEvent.entity_id == uuid.UUID(entity_id)).order_by(AuditEvent.id)
        )
        return [(e.entity_type, e.action, e.actor, e.changes) for e in rows]


async def new_customer(api: httpx.AsyncClient) -> dict[str, Any]:
    response = await api.post(
        "/api/v1/customers",
        json={"type": "individual", "givenName": "Ada", "familyName": "Lovelace", "status": "active"},
    )
    assert response.status_code == 201, response.text
    customer: dict[str, Any] = response.json()
    return customer


async def new_agreement(api: httpx.AsyncClient, customer_id: str, **terms: Any) -> dict[str, Any]:
    body = {
        "currency": "USD",
        "billCycle": {"billDay": 15},
        "billDelivery": "electronic",
        "paymentMethod": {"type": "creditCard", "automatic": True},
        "commitmentTerm": 0,
        **terms,
    }
    response = await api.post(f"/api/v1/customers/{customer_id}/agreements", json=body)
    assert response.status_code == 201, response.text
    agreement: dict[str, Any] = response.json()
    return agreement


class TestSeed:
    async def test_the_initial_reference_data(self, api: httpx.AsyncClient) -> None:
        currencies = (await api.get(f"{URL}/currencies", params={"limit": 200})).json()
        by_code = {c["code"]: c["attributes"]["minorUnits"] for c in currencies["items"]}
        assert by_code["USD"] == 2
        assert by_code["JPY"] == 0
        assert by_code["KWD"] == 3
        methods = (await api.get(f"{URL}/payment-method-types")).json()
        assert {"creditCard", "bankTransfer", "electronicCheck", "mailedCheck", "directDebit"} <= {
            m["code"] for m in methods["items"]
        }
        suspend = (await api.get(f"{URL}/reason-codes", params={"action": "suspend", "status": "active"})).json()
        assert REASON_CODES["suspend"] <= {r["code"] for r in suspend["items"]}
        timezone = (await api.get(f"{URL}/settings/timezone")).json()
        assert timezone["attributes"] == {"value": "UTC"}
        monthly = (await api.get(f"{URL}/bill-cycles/monthly")).json()
        assert monthly["attributes"] == {"frequency": "monthly", "billDays": list(range(1, 29))}
        net30 = (await api.get(f"{URL}/payment-terms/net-30")).json()
        assert net30["attributes"] == {"days": 30}

    async def test_lists_are_in_code_order_with_a_total(self, api: httpx.AsyncClient) -> None:
        first = (await api.get(f"{URL}/currencies", params={"limit": 3})).json()
        second = (await api.get(f"{URL}/currencies", params={"limit": 3, "offset": 3})).json()
        codes = [c["code"] for c in first["items"] + second["items"]]
        assert codes == sorted(codes)
        assert len(set(codes)) == 6
        assert first["total"] == second["total"] >= 26


class TestCrud:
    @pytest.mark.parametrize(
        ("path", "attributes", "patch", "expected"),
        [
            ("bill-cycles", {"frequency": "quarterly", "billDays": [15, 1]}, {"billDays": [1]}, {"billDays": [1]}),
            ("payment-terms", {"days": 45}, {"days": 60}, {"days": 60}),
            ("payment-method-types", {"automatic": True}, {"automatic": False}, {"automatic": False}),
            ("reason-codes", {"actions": ["suspend"]}, {"actions": ["suspend", "refund"]}, {"actions": ["refund", "suspend"]}),  # noqa: E501
            ("customer-segments", {}, {"customerTypes": ["organisation"]}, {"customerTypes": ["organisation"]}),
            ("sales-channels", {"assisted": True}, {"assisted": False}, {"assisted": False}),
        ],
    )  # fmt: skip
    async def test_create_read_patch_retire_delete(
        self,
        api: httpx.AsyncClient,
        sessions: async_sessionmaker[AsyncSession],
        path: str,
        attributes: dict[str, Any],
        patch: dict[str, Any],
        expected: dict[str, Any],
    ) -> None:
        code = unique("item")
        created = await api.post(f"{URL}/{path}", json={"code": code, "name": "Made here", "attributes": attributes})
        assert created.status_code == 201, created.text
        assert created.headers["Location"] == f"{URL}/{path}/{code}"
        assert created.headers["ETag"] == 'W/"1"'
        item = created.json()
        assert (item["code"], item["status"], item["version"]) == (code, "active", 1)

        again = await api.post(f"{URL}/{path}", json={"code": code, "name": "Twice", "attributes": attributes})
        assert again.status_code == 409
        assert again.json()["errors"][0]["field"] == "code"

        read = await api.get(f"{URL}/{path}/{code}")
        assert read.status_code == 200
        assert read.headers["ETag"] == 'W/"1"'

        patched = await api.patch(
            f"{URL}/{path}/{code}",
            json={"name": "Renamed", "attributes": patch},
            headers={"If-Match": 'W/"1"', "content-type": "application/merge-patch+json"},
        )
        assert patched.status_code == 200, patched.text
        assert patched.headers["ETag"] == 'W/"2"'
        assert patched.json()["name"] == "Renamed"
        assert {k: patched.json()["attributes"][k] for k in expected} == expected

        stale = await api.patch(f"{URL}/{path}/{code}", json={"name": "Late"}, headers={"If-Match": 'W/"1"'})
        assert stale.status_code == 412

        retired = await api.post(f"{URL}/{path}/{code}/retire", headers={"If-Match": 'W/"2"'})
        assert retired.status_code == 200
        assert retired.json()["status"] == "retired"
        listed = (await api.get(f"{URL}/{path}", params={"code": code, "status": "retired"})).json()
        assert [i["code"] for i in listed["items"]] == [code]
        assert listed["total"] == 1

        deleted = await api.delete(f"{URL}/{path}/{code}")
        if path == "reason-codes":
            assert deleted.status_code == 409
            assert "retire it instead" in deleted.json()["errors"][0]["detail"]
        else:
            assert deleted.status_code == 204
            assert (await api.get(f"{URL}/{path}/{code}")).status_code == 404

        events = await trail(sessions, item["id"])
        actions = [(e[0], e[1]) for e in events]
        entity = f"config.{item['kind']}"
        assert actions[:3] == [(entity, "created"), (entity, "updated"), (entity, "retired")]
        assert events[1][3]["name"] == {"from": "Made here", "to": "Renamed"}
        assert events[1][2] == "developer"
        assert actions[3:] == ([] if path == "reason-codes" else [(entity, "deleted")])

    async def test_fields_at_fault_are_named(self, api: httpx.AsyncClient) -> None:
        response = await api.post(
            f"{URL}/payment-terms", json={"code": unique("term"), "name": "Bad", "attributes": {"days": -1, "x": 1}}
        )
        assert response.status_code == 422
        assert {e["field"] for e in response.json()["errors"]} == {"attributes.days", "attributes.x"}
        response = await api.post(
            f"{URL}/reason-codes", json={"code": unique("why"), "name": "Bad", "attributes": {"actions": ["explode"]}}
        )
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "attributes.actions"
        assert "explode" in response.json()["errors"][0]["detail"]

    async def test_the_code_is_read_only(self, api: httpx.AsyncClient) -> None:
        response = await api.patch(f"{URL}/payment-terms/net-14", json={"code": "net-15"})
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "code"


class TestCurrencies:
    async def test_a_new_currency_is_usable_then_cannot_be_retired_while_in_use(
        self, api: httpx.AsyncClient, sessions: async_sessionmaker[AsyncSession]
    ) -> None:
        code = currency_code()
        created = await api.post(
            f"{URL}/currencies", json={"code": code, "name": "Test dinar", "attributes": {"minorUnits": 3}}
        )
        assert created.status_code == 201, created.text
        customer = await new_customer(api)
        agreement = await new_agreement(api, customer["id"], currency=code, creditLimit="100.125")
        assert agreement["currency"] == code
        assert agreement["creditLimit"] == "100.125"

        refused = await api.post(f"{URL}/currencies/{code}/retire")
        assert refused.status_code == 409
        assert refused.json()["errors"] == [{"field": "status", "detail": f"1 agreement is in {code}"}]
        units = await api.patch(f"{URL}/currencies/{code}", json={"attributes": {"minorUnits": 2}})
        assert units.status_code == 409
        assert units.json()["errors"][0]["field"] == "attributes.minorUnits"
        assert (await api.delete(f"{URL}/currencies/{code}")).status_code == 409
        still = (await api.get(f"{URL}/currencies/{code}")).json()
        assert (still["status"], still["attributes"]["minorUnits"], still["version"]) == ("active", 3, 1)

    async def test_a_retired_currency_is_refused_for_new_agreements(self, api: httpx.AsyncClient) -> None:
        code = currency_code()
        await api.post(f"{URL}/currencies", json={"code": code, "name": "Gone", "attributes": {"minorUnits": 2}})
        assert (await api.post(f"{URL}/currencies/{code}/retire")).status_code == 200
        customer = await new_customer(api)
        response = await api.post(
            f"/api/v1/customers/{customer['id']}/agreements",
            json={
                "currency": code,
                "billCycle": {"billDay": 1},
                "billDelivery": "paper",
                "paymentMethod": {"type": "mailedCheck"},
                "commitmentTerm": 0,
            },
        )
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "currency"

    async def test_the_default_currency_cannot_be_retired(self, api: httpx.AsyncClient) -> None:
        response = await api.post(f"{URL}/currencies/USD/retire")
        assert response.status_code == 409
        details = [e["detail"] for e in response.json()["errors"]]
        assert "USD is the default currency (setting defaultCurrency)" in details


class TestInUse:
    async def test_a_payment_method_type_agreements_pay_by(self, api: httpx.AsyncClient) -> None:
        customer = await new_customer(api)
        await new_agreement(api, customer["id"], paymentMethod={"type": "electronicCheck"})
        response = await api.post(f"{URL}/payment-method-types/electronicCheck/retire")
        assert response.status_code == 409
        assert response.json()["errors"][0]["detail"].endswith(" by electronicCheck"), response.text

    async def test_a_segment_customers_are_in(self, api: httpx.AsyncClient) -> None:
        segment = unique("seg")
        await api.post(f"{URL}/customer-segments", json={"code": segment, "name": "Gold"})
        created = await api.post(
            "/api/v1/customers", json={"type": "individual", "givenName": "Ada", "familyName": "L", "segment": segment}
        )
        assert created.status_code == 201
        response = await api.delete(f"{URL}/customer-segments/{segment}")
        assert response.status_code == 409
        assert response.json()["errors"][0]["detail"] == f"1 customer is in segment {segment}"

    async def test_a_bill_day_open_agreements_are_billed_on(self, api: httpx.AsyncClient) -> None:
        customer = await new_customer(api)
        await new_agreement(api, customer["id"], billCycle={"billDay": 15})
        response = await api.patch(f"{URL}/bill-cycles/monthly", json={"attributes": {"billDays": [1, 2]}})
        assert response.status_code == 409
        assert response.json()["errors"][0]["field"] == "attributes.billDays"
        assert (await api.get(f"{URL}/bill-cycles/monthly")).json()["attributes"]["billDays"] == list(range(1, 29))


class TestTaxRates:
    async def test_overlapping_periods_for_one_region_are_refused(self, api: httpx.AsyncClient) -> None:
        region = "IE"
        attributes: dict[str, Any] = {"region": region, "rate": "23.00", "inclusive": True}
        base: dict[str, Any] = {"name": "Irish VAT", "attributes": attributes}
        first = await api.post(
            f"{URL}/tax-rates", json={**base, "code": unique("ie"), "validFrom": "2027-01-01", "validTo": "2027-06-30"}
        )
        assert first.status_code == 201, first.text
        assert first.json()["attributes"] == {
            "region": region,
            "category": "standard",
            "rate": "23.00",
            "inclusive": True,
        }
        overlapping = await api.post(f"{URL}/tax-rates", json={**base, "code": unique("ie"), "validFrom": "2027-06-30"})
        assert overlapping.status_code == 422
        error = overlapping.json()["errors"][0]
        assert error["field"] == "validFrom"
        assert first.json()["code"] in error["detail"]
        following = await api.post(
            f"{URL}/tax-rates",
            json={**base, "code": unique("ie"), "validFrom": "2027-07-01", "attributes": {**attributes, "rate": "21.5"}},  # noqa: E501
        )  # fmt: skip
        assert following.status_code == 201, following.text
        other_category = await api.post(
            f"{URL}/tax-rates",
            json={
                **base,
                "code": unique("ie"),
                "validFrom": "2027-03-01",
                "attributes": {**attributes, "category": "reduced", "rate": "13.5"},
            },
        )
        assert other_category.status_code == 201
        in_force = (await api.get(f"{URL}/tax-rates", params={"region": region, "validOn": "2027-08-01"})).json()
        assert sorted((r["attributes"]["category"], r["attributes"]["rate"]) for r in in_force["items"]) == [
            ("reduced", "13.5"),
            ("standard", "21.5"),
        ]
        stretched = await api.patch(first.json()["href"], json={"validTo": None})
        assert stretched.status_code == 422

    async def test_a_rate_needs_a_start_and_a_percentage(self, api: httpx.AsyncClient) -> None:
        response = await api.post(
            f"{URL}/tax-rates",
            json={"code": unique("x"), "name": "X", "attributes": {"region": "gb", "rate": 20, "inclusive": True}},
        )
        assert response.status_code == 422
        fields = {e["field"] for e in response.json()["errors"]}
        assert fields == {"attributes.region", "attributes.rate", "validFrom"}


class TestSettings:
    async def test_the_timezone_must_be_an_iana_zone(
        self, api: httpx.AsyncClient, sessions: async_sessionmaker[AsyncSession]
    ) -> None:
        response = await api.patch(f"{URL}/settings/timezone", json={"attributes": {"value": "Mars/Olympus_Mons"}})
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "attributes.value"
        assert "IANA" in response.json()["errors"][0]["detail"]
        before = (await api.get(f"{URL}/settings/timezone")).json()
        changed = await api.patch(
            f"{URL}/settings/timezone",
            json={"attributes": {"value": "Europe/London"}},
            headers={"If-Match": f'W/"{before["version"]}"'},
        )
        assert changed.status_code == 200
        assert changed.json()["attributes"]["value"] == "Europe/London"
        back = await api.patch(
            f"{URL}/settings/timezone", json={"attributes": {"value": before["attributes"]["value"]}}
        )
        assert back.status_code == 200
        events = await trail(sessions, before["id"])
        assert events[-2][1] == "updated"
        assert events[-2][3] == {"attributes": {"from": {"value": "UTC"}, "to": {"value": "Europe/London"}}}

    async def test_policies_and_what_cannot_be_done_to_a_setting(self, api: httpx.AsyncClient) -> None:
        bad = await api.patch(f"{URL}/settings/taxRounding", json={"attributes": {"value": "sometimes"}})
        assert bad.status_code == 422
        assert bad.json()["errors"][0]["field"] == "attributes.value"
        assert (await api.get(f"{URL}/settings/emailUniqueness")).json()["attributes"]["value"] == "global"
        unknown = await api.post(f"{URL}/settings", json={"code": "colour", "name": "C", "attributes": {"value": 1}})
        assert unknown.status_code == 422
        assert unknown.json()["errors"][0]["field"] == "code"
        assert (await api.delete(f"{URL}/settings/taxRounding")).status_code == 409
        assert (await api.post(f"{URL}/settings/taxRounding/retire")).status_code == 409
        currency = await api.patch(f"{URL}/settings/defaultCurrency", json={"attributes": {"value": "XXX"}})
        assert currency.status_code == 422


class TestReasonCodesInUse:
    async def test_a_customer_suspend_takes_a_code_added_over_the_api(
        self, api: httpx.AsyncClient, sessions: async_sessionmaker[AsyncSession]
    ) -> None:
        code = unique("dispute")
        customer = await new_customer(api)
        refused = await api.post(f"/api/v1/customers/{customer['id']}/suspend", json={"reasonCode": code})
        assert refused.status_code == 422
        assert refused.json()["errors"][0]["field"] == "reasonCode"

        created = await api.post(
            f"{URL}/reason-codes",
            json={"code": code, "name": "Billing dispute", "attributes": {"actions": ["suspend"]}},
        )
        assert created.status_code == 201
        suspended = await api.post(f"/api/v1/customers/{customer['id']}/suspend", json={"reasonCode": code})
        assert suspended.status_code == 200, suspended.text
        assert (suspended.json()["status"], suspended.json()["statusReason"]) == ("suspended", code)

        assert (await api.post(f"{URL}/reason-codes/{code}/retire")).status_code == 200
        resumed = await api.post(f"/api/v1/customers/{customer['id']}/resume", json={"reasonCode": "payment-received"})
        assert resumed.status_code == 200
        again = await api.post(f"/api/v1/customers/{customer['id']}/suspend", json={"reasonCode": code})
        assert again.status_code == 422
