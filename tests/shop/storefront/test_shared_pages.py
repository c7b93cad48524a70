"""Catalog pages served from the catalog cache (shop.storefront.shared_pages): one rendering per
catalog change, each visitor's own CSRF token, header, cart count, flash messages and review
form, nothing of one visitor ever shown to another, and every catalog change visible at once."""

from __future__ import annotations

import httpx
from fastapi import FastAPI

from shop.catalog import admin_service
from shop.catalog.read_cache import CatalogReadCache
from shop.catalog.schemas import ProductUpdate
from shop.db.session import Database
from shop.models.accounts import Role, User
from shop.models.engagement import ReviewStatus
from shop.reviews import service as reviews_service
from shop.web.pages.cookies import CSRF_COOKIE
from shop.web.pages.rendering import CSRF_SLOT
from tests.builders import catalog as b
from tests.builders.accounts import create_user
from tests.shop.storefront.conftest import Catalog, build_catalog, sign_in
from tests.shop.storefront.html import csrf_token, flash_text, parse

PAGES = ("/", "/categories/outdoor", "/products/ridge-tent", "/search?q=tent")


def cache_of(app: FastAPI) -> CatalogReadCache:
    cache: CatalogReadCache = app.state.catalog_cache
    return cache


def page_entries(app: FastAPI) -> list[str]:
    return [key for key in cache_of(app).near._entries if key.startswith("page:")]


def browser(app: FastAPI) -> httpx.AsyncClient:
    """Another browser: its own cookies."""
    transport = httpx.ASGITransport(app=app, client=("198.51.100.9", 50001))
    return httpx.AsyncClient(transport=transport, base_url="http://testserver")


async def add_to_cart(client: httpx.AsyncClient, catalog: Catalog, quantity: int) -> None:
    page = await client.get("/products/ridge-tent")
    response = await client.post(
        "/cart/items",
        data={
            "csrf_token": csrf_token(page.text),
            "variant_id": str(catalog.tent.variants[0].id),
            "quantity": str(quantity),
        },
    )
    assert response.status_code == 303


class TestCacheHits:
    async def test_a_second_anonymous_visit_is_served_from_the_cache(
        self, app: FastAPI, client: httpx.AsyncClient, database: Database
    ) -> None:
        await build_catalog(database)
        for path in PAGES:
            first = await client.get(path)
            hits = cache_of(app).near.hits
            second = await client.get(path)

            assert (first.status_code, second.status_code) == (200, 200)
            assert cache_of(app).near.hits == hits + 1, path
            assert second.text == first.text  # the same browser: the same token
            assert second.headers["cache-control"] == "private, no-cache"
        assert sorted(page_entries(app)) == [
            "page:/",
            "page:/categories/outdoor?",
            "page:/products/ridge-tent",
            "page:/search?q=tent",
        ]

    async def test_equivalent_query_strings_share_an_entry(
        self, app: FastAPI, client: httpx.AsyncClient, database: Database
    ) -> None:
        await build_catalog(database)

        await client.get("/categories/outdoor?sort=price_asc&brand=pinecrest&page=1")
        await client.get("/categories/outdoor?brand=pinecrest&sort=price_asc&utm_source=x")

        assert page_entries(app) == ["page:/categories/outdoor?brand=pinecrest&sort=price_asc"]
        assert cache_of(app).near.hits == 1

    async def test_no_stand_in_reaches_a_visitor(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        await build_catalog(database)
        for path in PAGES:
            for _ in range(2):  # rendered, then from the cache
                body = (await client.get(path)).text
                assert CSRF_SLOT.removeprefix("csrf-") not in body  # no stand-in at all
                assert parse(body).find("cart-count").text == "0"

    async def test_unknown_pages_and_redirects_are_not_kept(
        self, app: FastAPI, client: httpx.AsyncClient, database: Database
    ) -> None:
        catalog = await build_catalog(database)

        missing = await client.get("/products/no-such-thing")
        by_id = await client.get(f"/products/{catalog.tent.id}")

        assert missing.status_code == 404
        assert (by_id.status_code, by_id.headers["location"]) == (303, "/products/ridge-tent")
        assert page_entries(app) == []

    async def test_a_page_with_a_message_about_the_request_is_not_kept(
        self, app: FastAPI, client: httpx.AsyncClient, database: Database
    ) -> None:
        await build_catalog(database)

        odd = await client.get("/categories/outdoor?sort=sideways")
        plain = await client.get("/categories/outdoor")

        assert "Unknown sort order" in flash_text(odd.text)
        assert flash_text(plain.text) == ""
        assert page_entries(app) == ["page:/categories/outdoor?"]

    async def test_non_ascii_digits_in_the_query_are_ignored_not_a_500(
        self, app: FastAPI, client: httpx.AsyncClient, database: Database
    ) -> None:
        await build_catalog(database)

        variant = await client.get("/products/ridge-tent?variant=%C2%B2")  # superscript two
        page = await client.get("/categories/outdoor?page=%C2%B2")

        assert (variant.status_code, page.status_code) == (200, 200)
        assert sorted(page_entries(app)) == [
            "page:/categories/outdoor?",
            "page:/products/ridge-tent",
        ]


class TestInvalidation:
    async def test_a_staff_edit_shows_on_the_next_visit(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        catalog = await build_catalog(database)
        for path in PAGES:
            await client.get(path)

        async with database.transaction() as session:
            await admin_service.update_product(
                session, catalog.tent.id, ProductUpdate(name="Summit Tent")
            )

        for path in PAGES:
            body = (await client.get(path)).text
            assert "Summit Tent" in body, path
            assert ">Ridge Tent<" not in body, path  # (the image keeps its alt text)

    async def test_a_new_category_appears_in_the_navigation(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        await build_catalog(database)
        await client.get("/products/ridge-tent")

        async with database.transaction() as session:
            await b.create_category(session, name="Kitchen", slug="kitchen")

        nav = parse((await client.get("/products/ridge-tent")).text).find("main-nav")
        assert "Kitchen" in nav.text

    async def test_an_approved_review_and_its_authors_new_name_show(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        catalog = await build_catalog(database)
        async with database.transaction() as session:
            author = await create_user(session, first_name="Ada")
            review = await reviews_service.create_review(
                session,
                user_id=author.id,
                product_id=catalog.tent.id,
                rating=5,
                title="Stays dry",
                body="",
            )
            review_id = review.review.id
        assert "Stays dry" not in (await client.get("/products/ridge-tent")).text  # pending

        async with database.transaction() as session:
            await reviews_service.moderate(
                session, review_id=review_id, status=ReviewStatus.APPROVED
            )
        approved = parse((await client.get("/products/ridge-tent")).text)
        async with database.transaction() as session:
            user = await session.get(User, author.id)
            assert user is not None
            user.first_name = ""  # as an account deletion does
        renamed = parse((await client.get("/products/ridge-tent")).text)

        assert [r.text for r in approved.find_all("review-item")] == ["Stays dry 5 out of 5 · Ada"]
        assert [r.text for r in renamed.find_all("review-item")] == [
            "Stays dry 5 out of 5 · A customer"
        ]


class TestPersonalBits:
    async def test_each_browser_gets_its_own_csrf_token_and_cookie(
        self, app: FastAPI, client: httpx.AsyncClient, database: Database
    ) -> None:
        await build_catalog(database)
        mine = await client.get("/products/ridge-tent")
        async with browser(app) as other:
            theirs = await other.get("/products/ridge-tent")
            their_seed = other.cookies[CSRF_COOKIE]

        assert cache_of(app).near.hits == 1
        assert theirs.headers["set-cookie"].startswith(f"{CSRF_COOKIE}=")
        assert csrf_token(mine.text) != csrf_token(theirs.text)
        assert client.cookies[CSRF_COOKIE] != their_seed
        assert "set-cookie" not in (await client.get("/products/ridge-tent")).headers

    async def test_the_token_of_a_cached_page_passes_and_another_browsers_does_not(
        self, app: FastAPI, client: httpx.AsyncClient, database: Database
    ) -> None:
        catalog = await build_catalog(database)
        await client.get("/products/ridge-tent")  # now kept
        variant = str(catalog.tent.variants[0].id)
        async with browser(app) as other:
            cached = await other.get("/products/ridge-tent")
            own = await other.post(
                "/cart/items", data={"csrf_token": csrf_token(cached.text), "variant_id": variant}
            )
        stolen = await client.post(
            "/cart/items", data={"csrf_token": csrf_token(cached.text), "variant_id": variant}
        )
        missing = await client.post("/cart/items", data={"variant_id": variant})

        assert own.status_code == 303
        assert (stolen.status_code, missing.status_code) == (403, 403)

    async def test_a_guests_cart_count_is_theirs_alone(
        self, app: FastAPI, client: httpx.AsyncClient, database: Database
    ) -> None:
        catalog = await build_catalog(database)
        await add_to_cart(client, catalog, quantity=2)

        mine = parse((await client.get("/products/ridge-tent")).text)
        async with browser(app) as other:
            theirs = parse((await other.get("/products/ridge-tent")).text)

        assert mine.find("cart-count").text == "2"
        assert theirs.find("cart-count").text == "0"

    async def test_signed_in_visitors_get_their_own_header_and_leave_nothing_of_theirs(
        self, app: FastAPI, client: httpx.AsyncClient, database: Database
    ) -> None:
        await build_catalog(database)
        user = await sign_in(client, database, app.state.settings)
        async with browser(app) as anonymous, browser(app) as staff_browser:
            staff = await sign_in(staff_browser, database, app.state.settings, role=Role.ADMIN)
            before = parse((await anonymous.get("/products/ridge-tent")).text)
            hits = cache_of(app).near.hits
            signed_in = parse((await client.get("/products/ridge-tent")).text)
            as_staff = parse((await staff_browser.get("/products/ridge-tent")).text)
            after = parse((await anonymous.get("/products/ridge-tent")).text)

        assert cache_of(app).near.hits == hits + 3
        assert signed_in.find("account-link").text == user.first_name
        assert as_staff.find("account-link").text == staff.first_name
        assert "Back office" in as_staff.find("site-header").text
        assert "Back office" not in signed_in.find("site-header").text
        for page in (signed_in, as_staff):
            page.find("review-form")
            page.find("logout-button")
        for page in (before, after):
            assert page.find_all("account-link") == []
            assert page.find_all("review-form") == []
            assert page.find_all("logout-button") == []
            page.find("login-link")
        assert page_entries(app) == ["page:/products/ridge-tent"]

    async def test_a_signed_in_visitor_reviews_from_a_cached_page(
        self, app: FastAPI, client: httpx.AsyncClient, database: Database
    ) -> None:
        await build_catalog(database)
        await client.get("/products/ridge-tent")  # kept, rendered for an anonymous visitor
        await sign_in(client, database, app.state.settings)
        page = await client.get("/products/ridge-tent")

        posted = await client.post(
            "/products/ridge-tent/reviews",
            data={"csrf_token": csrf_token(page.text), "rating": "4", "title": "Good", "body": ""},
        )

        assert (posted.status_code, posted.headers["location"]) == (
            303,
            "/products/ridge-tent#reviews",
        )
        shown = await client.get("/products/ridge-tent")
        assert "approved" in flash_text(shown.text)

    async def test_a_signed_in_customers_cart_count_is_theirs(
        self, app: FastAPI, client: httpx.AsyncClient, database: Database
    ) -> None:
        catalog = await build_catalog(database)
        await sign_in(client, database, app.state.settings)
        await add_to_cart(client, catalog, quantity=3)

        mine = parse((await client.get("/products/ridge-tent")).text)
        async with browser(app) as other:
            await sign_in(other, database, app.state.settings)
            theirs = parse((await other.get("/products/ridge-tent")).text)

        assert mine.find("cart-count").text == "3"
        assert theirs.find("cart-count").text == "0"

    async def test_a_flash_message_shows_once_even_on_a_cached_page(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        catalog = await build_catalog(database)
        page = await client.get("/products/ridge-tent")  # now kept
        refused = await client.post(
            "/cart/items",
            data={
                "csrf_token": csrf_token(page.text),
                "variant_id": str(catalog.tent.variants[0].id),
                "quantity": "0",
            },
            headers={"Referer": "http://testserver/products/ridge-tent"},
        )

        shown = await client.get(refused.headers["location"])
        next_visit = await client.get("/products/ridge-tent")

        assert refused.headers["location"] == "/products/ridge-tent"
        assert flash_text(shown.text).startswith("The quantity must be a whole number")
        assert flash_text(next_visit.text) == ""
