"""Problem details: field names as a client wrote them, and the 422 body built from them."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI

from accord.errors import FieldError, InvalidInput
from accord.schemas.orders import OrderRequest
from api.problems import install, request_field_name


class TestFieldName:
    @pytest.mark.parametrize(
        ("loc", "expected"),
        [
            (("body", "items", 1, "offeringCode"), "items[1].offeringCode"),
            (("body", "customer", "email"), "customer.email"),
            (("body", "agreement", "billCycle", "billDay"), "agreement.billCycle.billDay"),
            (("body", "items", 0), "items[0]"),
            (("query", "limit"), "limit"),
            (("path", "order_ref"), "order_ref"),
            (("header", "Idempotency-Key"), "Idempotency-Key"),
            (("body",), "body"),
            ((), "body"),
            (("items", 2, "priceAdjustment"), "items[2].priceAdjustment"),
            (("body", "items", 0, "tags", 3), "items[0].tags[3]"),
        ],
    )
    def test_names_the_field(self, loc: tuple[int | str, ...], expected: str) -> None:
        assert request_field_name(loc) == expected


def _client() -> httpx.AsyncClient:
    app = FastAPI()
    install(app)

    @app.post("/orders")
    async def place(order: OrderRequest) -> dict[str, str]:
        if order.order_ref == "refuse":
            raise InvalidInput("the order cannot be fulfilled", [FieldError("items[0].offeringCode", "no")])
        return {"orderRef": order.order_ref}

    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://accord.test")


class TestProblemResponses:
    BODY = {
        "orderRef": "SHOP-1",
        "customer": {"email": "not-an-email"},
        "agreement": {"currency": "USD", "paymentMethod": {"type": "creditCard"}},
        "items": [{"offeringCode": "dsl"}, {"offeringCode": "streaming-tv", "endDate": "x"}],
    }

    async def test_invalid_input_lists_each_field(self) -> None:
        async with _client() as client:
            response = await client.post("/orders", json=self.BODY)
        assert response.status_code == 422
        assert response.headers["content-type"] == "application/problem+json"
        problem = response.json()
        assert problem["type"] == "https://accord.dev/problems/invalid-input"
        assert problem["status"] == 422
        assert problem["instance"] == "/orders"
        assert sorted(e["field"] for e in problem["errors"]) == ["customer.email", "items[1].endDate"]

    async def test_model_validator_message_loses_its_prefix(self) -> None:
        body = {**self.BODY, "customer": {"type": "organisation"}, "items": [{"offeringCode": "dsl"}]}
        async with _client() as client:
            problem = (await client.post("/orders", json=body)).json()
        assert problem["errors"] == [{"field": "customer", "detail": "an organisation needs a tradingName"}]

    async def test_domain_error_keeps_its_status_and_fields(self) -> None:
        body = {**self.BODY, "orderRef": "refuse", "customer": {}, "items": [{"offeringCode": "dsl"}]}
        async with _client() as client:
            response = await client.post("/orders", json=body)
        assert response.status_code == 422
        problem = response.json()
        assert problem["detail"] == "the order cannot be fulfilled"
        assert problem["errors"] == [{"field": "items[0].offeringCode", "detail": "no"}]

    async def test_unknown_path_is_a_not_found_problem(self) -> None:
        async with _client() as client:
            response = await client.get("/nowhere")
        assert response.status_code == 404
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["type"] == "https://accord.dev/problems/not-found"
        assert "errors" not in response.json()
