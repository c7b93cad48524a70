from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI
from pydantic import BaseModel
from sqlalchemy.exc import IntegrityError

from shop.errors import Conflict, TooManyRequests
from shop.web.problems import PROBLEM_CONTENT_TYPE, install_problem_handlers


class Body(BaseModel):
    quantity: int


@pytest.fixture
async def problem_client() -> AsyncIterator[httpx.AsyncClient]:
    app = FastAPI()
    install_problem_handlers(app)

    @app.post("/items")
    async def create(body: Body) -> dict[str, int]:
        return {"quantity": body.quantity}

    @app.get("/conflict")
    async def conflict() -> None:
        raise Conflict("that SKU is taken", code="sku_taken", field="sku")

    @app.get("/throttled")
    async def throttled() -> None:
        raise TooManyRequests("slow down", retry_after=30)

    @app.get("/integrity")
    async def integrity() -> None:
        raise IntegrityError("INSERT", {}, Exception("duplicate key"))

    @app.get("/crash")
    async def crash() -> None:
        raise RuntimeError("secret internals")

    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        yield client


class TestProblemResponses:
    async def test_validation_lists_fields(self, problem_client: httpx.AsyncClient) -> None:
        response = await problem_client.post("/items", json={"quantity": "many"})
        assert response.status_code == 422
        assert response.headers["content-type"] == PROBLEM_CONTENT_TYPE
        body = response.json()
        assert body["code"] == "validation_error"
        assert body["errors"] == [
            {
                "field": "quantity",
                "message": "Input should be a valid integer, unable to parse string as an integer",
            }
        ]
        assert {"type", "title", "status", "detail"} <= body.keys()

    async def test_domain_error_keeps_code_and_extra(
        self, problem_client: httpx.AsyncClient
    ) -> None:
        response = await problem_client.get("/conflict")
        assert response.status_code == 409
        body = response.json()
        assert (body["code"], body["detail"], body["field"]) == (
            "sku_taken",
            "that SKU is taken",
            "sku",
        )

    async def test_too_many_requests_sets_retry_after(
        self, problem_client: httpx.AsyncClient
    ) -> None:
        response = await problem_client.get("/throttled")
        assert response.status_code == 429
        assert response.headers["retry-after"] == "30"

    async def test_integrity_error_is_a_conflict(self, problem_client: httpx.AsyncClient) -> None:
        response = await problem_client.get("/integrity")
        assert (response.status_code, response.json()["code"]) == (409, "conflict")

    async def test_unknown_route_is_problem_json(self, problem_client: httpx.AsyncClient) -> None:
        response = await problem_client.get("/nope")
        assert response.status_code == 404
        assert response.headers["content-type"] == PROBLEM_CONTENT_TYPE
        assert response.json()["code"] == "not_found"

    async def test_unexpected_error_hides_internals(
        self, problem_client: httpx.AsyncClient
    ) -> None:
        response = await problem_client.get("/crash")
        assert response.status_code == 500
        assert response.json()["code"] == "internal_error"
        assert "secret" not in response.text
