"""schemathesis against a live shop: no 5xx, and every response matches the OpenAPI document.

Runs anonymously and as the demo admin (so that admin routes are exercised past 401), on SQLite
and PostgreSQL. Invalid input generated from the schema must be rejected with a 4xx."""

from __future__ import annotations

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    negative_data_rejection,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.schemas import BaseSchema

from tests.live import LiveShop

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
    negative_data_rejection,
]


@pytest.fixture(scope="session")
def shop_schema(live_shop: LiveShop) -> BaseSchema:
    return schemathesis.openapi.from_url(f"{live_shop.base_url}/api/v1/openapi.json")


@pytest.fixture(scope="session", params=["anonymous", "admin"])
def identity_headers(request: pytest.FixtureRequest, live_shop: LiveShop) -> dict[str, str]:
    if request.param == "anonymous":
        return {}
    response = httpx.post(
        f"{live_shop.base_url}/api/v1/auth/login",
        json={"email": "admin@example.com", "password": "admin-demo-password"},
    )
    response.raise_for_status()
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


schema = schemathesis.pytest.from_fixture("shop_schema")


@schema.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_conforms_to_its_openapi(
    case: schemathesis.Case, live_shop: LiveShop, identity_headers: dict[str, str]
) -> None:
    case.call_and_validate(
        base_url=live_shop.base_url, headers=identity_headers, checks=CHECKS, timeout=30
    )
