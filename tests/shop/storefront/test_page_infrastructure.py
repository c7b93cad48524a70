"""What every page shares: error pages in the layout (the API keeps problem+json), security
headers, static files, CSRF rejection, the Stripe CSP of the checkout page."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from shop.config import Settings
from shop.main import AppRole, create_app
from shop.web.pages.cookies import CART_COOKIE
from tests.conftest import make_settings
from tests.shop.storefront.conftest import build_catalog
from tests.shop.storefront.html import csrf_token, parse


class TestErrorPages:
    async def test_a_missing_page_is_html_and_the_api_stays_problem_json(
        self, client: httpx.AsyncClient
    ) -> None:
        page = await client.get("/no/such/page")
        api = await client.get("/api/v1/no/such/thing")
        asks_json = await client.get("/no/such/page", headers={"Accept": "application/json"})

        assert page.status_code == 404
        assert page.headers["content-type"].startswith("text/html")
        parse(page.text).find("site-header")
        assert api.status_code == 404
        assert api.headers["content-type"] == "application/problem+json"
        assert asks_json.headers["content-type"] == "application/problem+json"

    async def test_an_unexpected_error_is_a_500_page_in_the_layout(self, app: FastAPI) -> None:
        async def boom() -> None:
            raise RuntimeError("boom")

        app.add_api_route("/boom-for-test", boom)
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            response = await http.get("/boom-for-test")

        assert response.status_code == 500
        page = parse(response.text)
        assert page.find("error-page").get("data-status") == "500"
        assert "boom" not in response.text


class TestHeadersAndStatic:
    async def test_pages_get_a_strict_csp_and_no_shared_caching(
        self, client: httpx.AsyncClient
    ) -> None:
        response = await client.get("/")

        csp = response.headers["content-security-policy"]
        assert "script-src 'self';" in csp
        assert "style-src 'self';" in csp
        assert "frame-ancestors 'none'" in csp
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["cache-control"] == "private, no-cache"
        assert "<script>" not in response.text
        assert "style=" not in response.text

    @pytest.mark.parametrize("path", ["/static/site.css", "/static/htmx.min.js", "/static/site.js"])
    async def test_static_files_are_served(self, client: httpx.AsyncClient, path: str) -> None:
        response = await client.get(path)

        assert response.status_code == 200
        assert len(response.content) > 500

    async def test_the_favicon_is_named_by_pages_and_found_at_the_usual_address(
        self, client: httpx.AsyncClient
    ) -> None:
        page = await client.get("/")
        usual = await client.get("/favicon.ico")
        icon = await client.get(usual.headers["location"])

        assert '<link rel="icon" href="/static/favicon.svg"' in page.text
        assert (usual.status_code, usual.headers["location"]) == (301, "/static/favicon.svg")
        assert icon.status_code == 200
        assert icon.headers["content-type"] == "image/svg+xml"


class TestCsrf:
    async def test_htmx_may_send_the_token_as_a_header(
        self, client: httpx.AsyncClient, database: object
    ) -> None:
        page = await client.get("/")
        token = csrf_token(page.text)

        with_header = await client.post(
            "/cart/coupon/remove", headers={"X-CSRF-Token": token, "HX-Request": "true"}
        )
        without = await client.post("/cart/coupon/remove", headers={"HX-Request": "true"})

        assert with_header.status_code == 303
        assert without.status_code == 403

    async def test_a_token_from_another_browser_is_refused(
        self, client: httpx.AsyncClient, app: FastAPI
    ) -> None:
        token = csrf_token((await client.get("/")).text)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as other:
            await other.get("/")  # its own seed
            response = await other.post("/cart/coupon/remove", data={"csrf_token": token})

        assert response.status_code == 403


@pytest.fixture
async def stripe_app(database_url: str, tmp_path: Path) -> AsyncIterator[FastAPI]:
    settings: Settings = make_settings(
        database_url,
        tmp_path / "var",
        payment_providers=["stripe"],
        stripe_api_key="sk_test_fake",
        stripe_webhook_secret="whsec_fake",
        stripe_publishable_key="pk_test_fake",
    )
    application = create_app(AppRole.ALL, settings=settings)
    async with application.router.lifespan_context(application):
        yield application


class TestStripeCheckoutPage:
    async def test_allows_exactly_stripe_on_the_checkout_page(self, stripe_app: FastAPI) -> None:
        catalog = await build_catalog(stripe_app.state.database)
        transport = httpx.ASGITransport(app=stripe_app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            product = await http.get("/products/ridge-tent")
            await http.post(
                "/cart/items",
                data={
                    "csrf_token": csrf_token(product.text),
                    "variant_id": str(catalog.tent.variants[0].id),
                },
            )
            assert CART_COOKIE in http.cookies
            checkout = await http.get("/checkout")
            home = await http.get("/")

        csp = checkout.headers["content-security-policy"]
        assert "script-src 'self' https://js.stripe.com;" in csp
        assert "frame-src https://js.stripe.com;" in csp
        assert "connect-src 'self' https://api.stripe.com;" in csp
        parse(checkout.text).find("stripe-next-step")  # the element is on the pay page
        assert parse(checkout.text).find_all("card-token") == []
        assert "stripe.com" not in home.headers["content-security-policy"]
