"""Idempotency-Key on POST, through the API against real PostgreSQL."""

from __future__ import annotations

import asyncio

import httpx

from tests.conftest import shop_order, unique


async def test_a_retry_with_the_same_key_and_body_replays_the_first_answer(api: httpx.AsyncClient) -> None:
    key = unique("key")
    order = shop_order()
    first = await api.post("/api/v1/orders", json=order, headers={"Idempotency-Key": key})
    # The same body with its keys in another order is the same request.
    reordered = dict(reversed(list(order.items())))
    second = await api.post("/api/v1/orders", json=reordered, headers={"Idempotency-Key": key})

    assert first.status_code == 202
    assert second.status_code == 202  # the first answer, not the 200 a plain repeat of the order gets
    assert second.content == first.content
    assert second.headers["Idempotent-Replayed"] == "true"
    assert second.headers["Location"] == first.headers["Location"]
    assert "Idempotent-Replayed" not in first.headers


async def test_the_same_key_with_another_body_is_a_422_naming_the_header(api: httpx.AsyncClient) -> None:
    key = unique("key")
    await api.post("/api/v1/orders", json=shop_order(), headers={"Idempotency-Key": key})
    other = await api.post("/api/v1/orders", json=shop_order(), headers={"Idempotency-Key": key})

    assert other.status_code == 422
    assert other.headers["Content-Type"] == "application/problem+json"
    assert other.json()["errors"] == [{"field": "Idempotency-Key", "detail": "use a new key for a new request"}]


async def test_concurrent_first_requests_with_one_key_run_once(api: httpx.AsyncClient) -> None:
    key = unique("key")
    order = shop_order()
    answers = await asyncio.gather(
        *(api.post("/api/v1/orders", json=order, headers={"Idempotency-Key": key}) for _ in range(5))
    )
    statuses = sorted(a.status_code for a in answers)
    # One ran; the others either replayed its answer or were told it is still running.
    assert statuses.count(202) >= 1
    assert set(statuses) <= {202, 409}
    assert sum(1 for a in answers if a.status_code == 202 and "Idempotent-Replayed" not in a.headers) == 1


async def test_a_malformed_key_is_a_400(api: httpx.AsyncClient) -> None:
    response = await api.post("/api/v1/orders", json=shop_order(), headers={"Idempotency-Key": "has spaces in it"})
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "Idempotency-Key"
