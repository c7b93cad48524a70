"""/metrics of an in-process app: HTTP series by route template, database timing, pool gauges,
and who may read it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from shop.config import Environment
from shop.main import AppRole, create_app
from shop.observability.http import UNMATCHED
from shop.observability.install import FORCED_ERROR_PATH
from tests.conftest import make_settings
from tests.observability.samples import label_values, parse, total, value

PRODUCT_ROUTE = "/api/v1/products/{reference}"


async def scrape(
    client: httpx.AsyncClient, **headers: str
) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    response = await client.get("/metrics", headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    return parse(response.text)


class TestHttpSeries:
    async def test_requests_are_labelled_by_route_template(self, client: httpx.AsyncClient) -> None:
        before = value("shop_http_requests_total", method="GET", route=PRODUCT_ROUTE, status="404")
        for slug in ("no-such-thing", "another-one", "12345"):
            assert (await client.get(f"/api/v1/products/{slug}")).status_code == 404

        samples = await scrape(client)

        assert (
            total(
                samples, "shop_http_requests_total", method="GET", route=PRODUCT_ROUTE, status="404"
            )
            == before + 3
        )
        routes = label_values(samples, "shop_http_requests_total", "route")
        assert not any("no-such-thing" in route or "12345" in route for route in routes)
        assert (
            total(
                samples,
                "shop_http_request_duration_seconds_count",
                method="GET",
                route=PRODUCT_ROUTE,
            )
            >= 3
        )

    async def test_unknown_paths_share_one_series(self, client: httpx.AsyncClient) -> None:
        before = value("shop_http_requests_total", method="GET", route=UNMATCHED, status="404")
        for n in range(5):
            await client.get(f"/wp-admin/{n}/setup.php")

        assert (
            value("shop_http_requests_total", method="GET", route=UNMATCHED, status="404")
            == before + 5
        )

    async def test_mounted_apps_keep_their_prefix(self, client: httpx.AsyncClient) -> None:
        await client.get("/media/products/missing.webp")

        routes = label_values(await scrape(client), "shop_http_requests_total", "route")
        assert "/media/{path}" in routes

    async def test_unusual_methods_are_bounded(self, client: httpx.AsyncClient) -> None:
        before = value("shop_http_requests_total", method="other", route=UNMATCHED, status="404")
        await client.request("PROPFIND", "/nothing-here")

        assert (
            value("shop_http_requests_total", method="other", route=UNMATCHED, status="404")
            == before + 1
        )

    async def test_plain_routes_and_mounts_have_templates(self, client: httpx.AsyncClient) -> None:
        await client.get("/api/v1/openapi.json")
        await client.get("/healthz")
        await client.get("/_sandbox/v1/payments/sbx_missing")

        routes = label_values(await scrape(client), "shop_http_requests_total", "route")
        assert {"/api/v1/openapi.json", "/healthz"} <= routes
        assert any(
            route.startswith("/_sandbox/") and "sbx_missing" not in route for route in routes
        )

    async def test_unhandled_errors_count_as_500(self, app: FastAPI) -> None:
        before = value(
            "shop_http_requests_total", method="GET", route=FORCED_ERROR_PATH, status="500"
        )
        # The error middleware answers 500 and re-raises for the server to log; a server
        # would not pass the exception on to the client.
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            response = await client.get(FORCED_ERROR_PATH)

        assert response.status_code == 500
        assert response.json()["code"] == "internal_error"
        assert (
            value("shop_http_requests_total", method="GET", route=FORCED_ERROR_PATH, status="500")
            == before + 1
        )

    async def test_nothing_is_left_in_flight(self, client: httpx.AsyncClient) -> None:
        await client.get("/healthz")

        assert value("shop_http_requests_in_flight") == 0

    async def test_scrapes_are_not_counted(self, client: httpx.AsyncClient) -> None:
        await scrape(client)

        samples = await scrape(client)
        assert "/metrics" not in label_values(samples, "shop_http_requests_total", "route")


class TestDatabaseSeries:
    async def test_statements_are_timed_by_operation(self, client: httpx.AsyncClient) -> None:
        before = value("shop_db_query_duration_seconds_count", operation="select")

        await client.get("/api/v1/products/whatever")

        assert value("shop_db_query_duration_seconds_count", operation="select") > before
        samples = await scrape(client)
        assert label_values(samples, "shop_db_query_duration_seconds_count", "operation") <= {
            "select",
            "insert",
            "update",
            "delete",
            "other",
        }

    async def test_pool_gauges_follow_the_app(
        self, app: FastAPI, client: httpx.AsyncClient
    ) -> None:
        await client.get("/api/v1/products/whatever")

        samples = await scrape(client)
        assert total(samples, "shop_db_pool_size", engine="primary") >= 5
        assert total(samples, "shop_db_pool_connections_in_use") == 0


class TestBusinessSeriesExistFromTheStart:
    async def test_known_label_values_are_exported_at_zero(self, client: httpx.AsyncClient) -> None:
        samples = await scrape(client)

        assert label_values(samples, "shop_checkout_funnel_total", "step") == {
            "product_view",
            "add_to_cart",
            "checkout_started",
            "order_placed",
        }
        assert (
            "shop_payment_gateway_errors_total",
            frozenset({("provider", "sandbox"), ("kind", "unavailable")}),
        ) in samples
        assert ("shop_login_failures_total", frozenset()) in samples
        assert ("shop_orders_placed_total", frozenset({("currency", "USD")})) in samples


@pytest.fixture
async def app_with(
    database_url: str, tmp_path: Path, request: pytest.FixtureRequest
) -> AsyncIterator[httpx.AsyncClient]:
    settings = make_settings(database_url, tmp_path / "var", **request.param)
    application = create_app(AppRole.ALL, settings=settings)
    async with application.router.lifespan_context(application):
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            yield http


PRODUCTION = {"env": Environment.PRODUCTION, "payment_providers": ""}


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
class TestWhoMayRead:
    @pytest.mark.parametrize("app_with", [{"metrics_token": "scrape-me-0123"}], indirect=True)
    async def test_a_token_is_required_when_set(self, app_with: httpx.AsyncClient) -> None:
        refused = await app_with.get("/metrics")
        wrong = await app_with.get("/metrics", headers={"Authorization": "Bearer nope"})
        allowed = await app_with.get("/metrics", headers={"Authorization": "Bearer scrape-me-0123"})

        assert refused.status_code == 401
        assert refused.headers["content-type"] == "application/problem+json"
        assert wrong.status_code == 401
        assert allowed.status_code == 200
        assert "shop_http_requests_total" in allowed.text

    @pytest.mark.parametrize("app_with", [PRODUCTION], indirect=True)
    async def test_production_without_token_does_not_serve_it(
        self, app_with: httpx.AsyncClient
    ) -> None:
        assert (await app_with.get("/metrics")).status_code == 404
        # ... and neither the API docs unless configured.
        assert (await app_with.get("/api/v1/openapi.json")).status_code == 404

    @pytest.mark.parametrize(
        "app_with", [{**PRODUCTION, "metrics_token": "a-long-scrape-token"}], indirect=True
    )
    async def test_production_with_token_serves_it(self, app_with: httpx.AsyncClient) -> None:
        response = await app_with.get(
            "/metrics", headers={"Authorization": "Bearer a-long-scrape-token"}
        )
        assert response.status_code == 200

    @pytest.mark.parametrize("app_with", [{"metrics_port": 9464}], indirect=True)
    async def test_a_separate_port_takes_it_off_the_main_one(
        self, app_with: httpx.AsyncClient
    ) -> None:
        assert (await app_with.get("/metrics")).status_code == 404

    @pytest.mark.parametrize("app_with", [{"metrics_enabled": False}], indirect=True)
    async def test_disabled_metrics_are_neither_served_nor_counted(
        self, app_with: httpx.AsyncClient
    ) -> None:
        before = value("shop_http_requests_total", method="GET", route="/healthz", status="200")

        await app_with.get("/healthz")

        assert (await app_with.get("/metrics")).status_code == 404
        assert (
            value("shop_http_requests_total", method="GET", route="/healthz", status="200")
            == before
        )


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
class TestForcedErrorRoute:
    @pytest.mark.parametrize("app_with", [{"env": Environment.DEVELOPMENT}], indirect=True)
    async def test_exists_only_in_test_mode(self, app_with: httpx.AsyncClient) -> None:
        assert (await app_with.get(FORCED_ERROR_PATH)).status_code == 404
