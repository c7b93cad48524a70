"""schemathesis against a live shop: no 5xx, and every response matches the OpenAPI document.

Runs as the demo admin over every operation (so that admin routes are exercised past 401) and
anonymously over the public ones (an anonymous admin call is a 401 before any input is read;
tests/shop/admin covers that), on SQLite and PostgreSQL. Invalid input generated from the schema
must be rejected with a 4xx."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from shop.config import Settings
from shop.main import create_app
from tests.live import LiveShop

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]
# Not `negative_data_rejection`: unknown query parameters are ignored by design (as most HTTP
# APIs do), which that check counts as accepting invalid data. Invalid data must still never
# cause a 5xx, which `not_a_server_error` checks on the negative cases too.


def _shop_openapi() -> dict[str, Any]:
    # The document the live shop serves, built in-process so that collection needs no server.
    with tempfile.TemporaryDirectory() as var_dir:
        return create_app(settings=Settings(var_dir=Path(var_dir))).openapi()


@pytest.fixture(scope="session")
def admin_headers(live_shop: LiveShop) -> dict[str, str]:
    response = httpx.post(
        f"{live_shop.base_url}/api/v1/auth/login",
        json={"email": "admin@example.com", "password": "admin-demo-password"},
    )
    response.raise_for_status()
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


# Test-mode helpers (reset wipes the data other cases read) are exercised by their own tests.
schema = schemathesis.openapi.from_dict(_shop_openapi()).exclude(path_regex="^/api/v1/test/")


# 10 examples per operation, user and database (about 5,000 requests a run): this file was the
# largest share of the suite's time on 2 cores at 20. Examples are drawn afresh on every run, so
# runs add up to more than any one of them.
FUZZ_SETTINGS = settings(max_examples=10, deadline=None, suppress_health_check=list(HealthCheck))


@schema.exclude(path_regex="^/api/v1/admin/").parametrize()
@FUZZ_SETTINGS
def test_api_conforms_to_its_openapi_anonymously(
    case: schemathesis.Case, live_shop: LiveShop
) -> None:
    case.call_and_validate(base_url=live_shop.base_url, checks=CHECKS, timeout=30)


@schema.parametrize()
@FUZZ_SETTINGS
def test_api_conforms_to_its_openapi_as_admin(
    case: schemathesis.Case, live_shop: LiveShop, admin_headers: dict[str, str]
) -> None:
    case.call_and_validate(
        base_url=live_shop.base_url, headers=admin_headers, checks=CHECKS, timeout=30
    )
