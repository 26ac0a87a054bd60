"""Input PostgreSQL cannot store is refused up front (422 naming where it is), never a 500."""

from __future__ import annotations

import uuid

import httpx
import psycopg
import pytest
import sqlalchemy.exc
from fastapi import FastAPI

from tests.conftest import shop_order
from tests.integration.test_agreements import onboarded
from tests.integration.test_customers import URL, person


async def test_nul_in_a_body_field_is_a_422_naming_it(api: httpx.AsyncClient) -> None:
    response = await api.post(URL, json=person(givenName="A\x00da"))
    assert response.status_code == 422
    assert response.headers["Content-Type"] == "application/problem+json"
    assert response.json()["errors"] == [{"field": "givenName", "detail": "contains a NUL character (U+0000)"}]


async def test_nul_in_an_order_with_an_idempotency_key_is_a_422_and_the_key_stays_free(
    api: httpx.AsyncClient,
) -> None:
    order = shop_order()
    bad = dict(order, orderRef=order["orderRef"] + "\x00")
    refused = await api.post("/api/v1/orders", json=bad, headers={"Idempotency-Key": order["orderRef"]})
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "orderRef"
    accepted = await api.post("/api/v1/orders", json=order, headers={"Idempotency-Key": order["orderRef"]})
    assert accepted.status_code == 202


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/api/v1/customers?externalRef=a%00b", "externalRef"),
        ("/api/v1/orders/a%00b", "path"),
        ("/tmf-api/customerManagement/v4/customer?name=a%00", "name"),
    ],
)
async def test_nul_in_a_query_or_a_path_is_a_422(api: httpx.AsyncClient, path: str, field: str) -> None:
    response = await api.get(path)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == field


async def test_a_backslash_u0000_as_text_is_just_text(api: httpx.AsyncClient) -> None:
    response = await api.post(URL, json=person(givenName="back\\u0000slash"))
    assert response.status_code == 201
    assert response.json()["givenName"] == "back\\u0000slash"


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (sqlalchemy.exc.DataError("INSERT", {}, psycopg.DataError("value too long")), 422),
        (psycopg.DataError("numeric field overflow"), 422),
        (sqlalchemy.exc.IntegrityError("INSERT", {}, psycopg.IntegrityError("duplicate key")), 409),
    ],
)
async def test_a_value_the_database_refuses_is_a_4xx_not_a_500(error: Exception, status: int) -> None:
    from api.main import create_app

    app: FastAPI = create_app()

    async def refused() -> None:
        raise error

    app.add_api_route("/refused", refused)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://accord.test") as client:
        response = await client.get("/refused")
    assert response.status_code == status
    assert response.headers["Content-Type"] == "application/problem+json"


async def test_an_amount_storage_cannot_hold_exactly_is_a_422_naming_it_and_changes_nothing(
    api: httpx.AsyncClient,
) -> None:
    done = await onboarded(api)
    url = f"/api/v1/agreements/{done['agreementId']}"
    for amount in ["1e999", "1E+30", "9" * 30, "1_000", "1e2", " 5.00", "5.00001", "123456789012345"]:
        response = await api.patch(url, json={"creditLimit": amount})
        assert response.status_code == 422, amount
        assert [e["field"] for e in response.json()["errors"]] == ["creditLimit"], amount
    tmf = f"/tmf-api/accountManagement/v4/billingAccount/{done['agreementId']}"
    response = await api.patch(tmf, json={"creditLimit": {"value": 1e300, "unit": "USD"}})
    assert response.status_code == 422
    assert "creditLimit" in response.json()["errors"][0]["field"]
    assert (await api.get(url)).json()["creditLimit"] is None
    # The largest amount storage holds is taken, and read back to the cent.
    widest = await api.patch(url, json={"creditLimit": "99999999999999.99"})
    assert widest.status_code == 200
    assert widest.json()["creditLimit"] == "99999999999999.99"


@pytest.mark.parametrize(
    ("path", "field"),
    [
        (f"/api/v1/customers?offset={10**23}", "offset"),
        (f"/api/v1/subscriptions?offset={10**23}", "offset"),
        (f"/tmf-api/customerManagement/v4/customer?offset={10**23}", "offset"),
        (f"/api/v1/customers/{uuid.UUID(int=1)}/audit?cursor={10**23}", "cursor"),
    ],
)
async def test_a_page_position_beyond_a_bigint_is_a_422(api: httpx.AsyncClient, path: str, field: str) -> None:
    response = await api.get(path)
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == [field]
