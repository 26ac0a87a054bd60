"""Who is calling: in development mode a request names its principal; the audit trail records it."""

from __future__ import annotations

import httpx

from tests.integration.test_customers import URL, person


async def test_a_named_principal_is_recorded_as_author(api: httpx.AsyncClient) -> None:
    headers = {"X-Accord-User": "jane.csa", "X-Accord-Channel": "call-centre"}
    created = await api.post(URL, json=person(), headers=headers)
    assert created.status_code == 201, created.text
    customer = created.json()
    assert customer["createdBy"] == "jane.csa@call-centre"

    trail = (await api.get(f"{URL}/{customer['id']}/audit")).json()["items"]
    assert [(e["actor"], e["channel"], e["action"]) for e in trail] == [("jane.csa", "call-centre", "created")]


async def test_without_headers_it_is_the_development_principal(api: httpx.AsyncClient) -> None:
    customer = (await api.post(URL, json=person())).json()
    assert customer["createdBy"] == "developer@development"


async def test_a_malformed_name_is_a_400_naming_the_header(api: httpx.AsyncClient) -> None:
    plain = await api.post(URL, json=person(), headers={"X-Accord-User": "jane csa"})
    keyed = await api.post(URL, json=person(), headers={"X-Accord-User": "", "Idempotency-Key": "k-principal-400"})
    for response in (plain, keyed):
        assert response.status_code == 400
        assert response.json()["errors"][0]["field"] == "X-Accord-User"
