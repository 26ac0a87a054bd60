from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx


async def wait_for_order(api: httpx.AsyncClient, order_ref: str, within: float = 30.0) -> dict[str, Any]:
    """Poll the order until it completes or fails."""
    deadline = time.monotonic() + within
    while True:
        response = await api.get(f"/api/v1/orders/{order_ref}")
        assert response.status_code == 200, response.text
        order: dict[str, Any] = response.json()
        if order["state"] in ("completed", "failed"):
            return order
        assert time.monotonic() < deadline, f"order {order_ref} still {order['state']} after {within} s"
        await asyncio.sleep(0.1)
