"""The read endpoints: health, the customer list's paging."""

from __future__ import annotations

import asyncio

import httpx

from tests.conftest import shop_order
from tests.integration.helpers import wait_for_order


async def test_health_reports_database_and_temporal_up(api: httpx.AsyncClient) -> None:
    response = await api.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "up", "checks": {"database": "up", "temporal": "up"}}


async def test_cursor_paging_sees_every_customer_once_while_others_insert(api: httpx.AsyncClient) -> None:
    for order in [shop_order() for _ in range(5)]:
        await api.post("/api/v1/orders", json=order)
        await wait_for_order(api, order["orderRef"])
    first = (await api.get("/api/v1/customers", params={"limit": 2})).json()
    before = first["total"]
    seen = [c["id"] for c in first["items"]]
    cursor = first["nextCursor"]
    late = [shop_order() for _ in range(2)]
    while cursor:
        # Others insert while we page: the keyset cursor neither skips nor repeats a row.
        if late:
            order = late.pop()
            await api.post("/api/v1/orders", json=order)
            await wait_for_order(api, order["orderRef"])
        page = (await api.get("/api/v1/customers", params={"limit": 2, "cursor": cursor})).json()
        seen += [c["id"] for c in page["items"]]
        cursor = page["nextCursor"]

    assert before >= 5
    assert len(seen) == len(set(seen))
    assert len(seen) == before + 2  # the late ones are newer, so they come last


async def test_offset_paging_and_bad_paging_input(api: httpx.AsyncClient) -> None:
    everyone = (await api.get("/api/v1/customers", params={"limit": 200})).json()
    second = (await api.get("/api/v1/customers", params={"limit": 2, "offset": 2})).json()
    assert [c["id"] for c in second["items"]] == [c["id"] for c in everyone["items"][2:4]]
    assert second["total"] == everyone["total"]

    responses = await asyncio.gather(
        api.get("/api/v1/customers", params={"limit": 0}),
        api.get("/api/v1/customers", params={"cursor": "not-a-cursor"}),
        api.get("/api/v1/customers/not-a-uuid"),
    )
    assert [r.status_code for r in responses] == [422, 422, 422]
    assert [r.json()["errors"][0]["field"] for r in responses] == ["limit", "cursor", "customerId"]
