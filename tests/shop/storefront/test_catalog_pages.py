"""Home, category, search and product pages (and the review form) on both databases."""

from __future__ import annotations

import httpx
from fastapi import FastAPI
from sqlalchemy import select

from shop.db.session import Database
from shop.models.engagement import Review, ReviewStatus
from tests.shop.storefront.conftest import build_catalog, sign_in
from tests.shop.storefront.html import csrf_token, flash_text, parse


class TestHome:
    async def test_shows_categories_featured_products_and_the_layout(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        await build_catalog(database)

        response = await client.get("/")

        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/html")
        page = parse(response.text)
        featured = page.find("featured-products").find_all("product-card")
        assert [card.get("data-slug") for card in featured] == ["ridge-tent"]
        assert featured[0].find("product-price").get("data-amount") == "19900"
        assert featured[0].find("product-price").text == "$199.00"
        categories = page.find("category-list").text
        assert "Outdoor" in categories
        assert "Tents" not in categories
        assert "Outdoor" in page.find("main-nav").text
        for testid in ("site-header", "search-form", "search-input", "cart-link", "login-link"):
            page.find(testid)
        assert page.find("cart-count").text == "0"
        assert page.find_all("account-link") == []

    async def test_signed_in_header_shows_the_account_and_sign_out(
        self, client: httpx.AsyncClient, database: Database, app: FastAPI
    ) -> None:
        user = await sign_in(client, database, app.state.settings)

        page = parse((await client.get("/")).text)

        assert page.find("account-link").text == user.first_name
        page.find("logout-button")
        assert page.find_all("login-link") == []


class TestCategoryPage:
    async def test_lists_the_category_and_its_subcategories(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        await build_catalog(database)

        page = parse((await client.get("/categories/outdoor?sort=price_asc")).text)

        slugs = [card.get("data-slug") for card in page.find_all("product-card")]
        assert slugs == ["camp-lamp", "sold-out-stove", "ridge-tent"]
        assert page.find("result-count").get("data-count") == "3"
        facets = page.find_all("facet-category")
        assert [(f.get("data-slug"), f.text) for f in facets] == [("tents", "Tents")]

    async def test_filters_by_brand_price_and_stock(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        await build_catalog(database)

        by_brand = parse((await client.get("/categories/outdoor?brand=pinecrest")).text)
        by_price = parse((await client.get("/categories/outdoor?min_price=20&max_price=30")).text)
        in_stock = parse((await client.get("/categories/outdoor?in_stock=1")).text)

        assert [c.get("data-slug") for c in by_brand.find_all("product-card")] == ["ridge-tent"]
        assert [c.get("data-slug") for c in by_price.find_all("product-card")] == ["camp-lamp"]
        assert "sold-out-stove" not in [
            c.get("data-slug") for c in in_stock.find_all("product-card")
        ]
        assert in_stock.find("result-count").get("data-count") == "2"

    async def test_nonsense_filters_show_a_message_not_an_error(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        await build_catalog(database)

        response = await client.get(
            "/categories/outdoor?min_price=cheap&max_price=Infinity&sort=random&page=-3"
        )

        assert response.status_code == 200
        message = flash_text(response.text)
        assert "Minimum price must be an amount in dollars" in message
        assert "Unknown sort order" in message
        assert parse(response.text).find("result-count").get("data-count") == "3"

    async def test_an_unknown_category_is_a_404_page_in_the_layout(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        response = await client.get("/categories/no-such-thing")

        assert response.status_code == 404
        assert response.headers["content-type"].startswith("text/html")
        page = parse(response.text)
        assert page.find("error-page").get("data-status") == "404"
        page.find("site-header")


class TestSearch:
    async def test_finds_products_by_name(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        await build_catalog(database)

        page = parse((await client.get("/search?q=tent")).text)

        assert [c.get("data-slug") for c in page.find_all("product-card")] == ["ridge-tent"]
        assert page.find("search-input").get("value") == "tent"

    async def test_suggestions_are_links_to_products(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        await build_catalog(database)

        response = await client.get("/search/suggest?q=cam", headers={"HX-Request": "true"})
        empty = await client.get("/search/suggest?q=%20")

        assert response.status_code == 200
        assert '<a href="/products/camp-lamp" data-slug="camp-lamp">Camp Lamp</a>' in response.text
        assert "<html" not in response.text
        assert empty.status_code == 200
        assert empty.text.strip() == ""


class TestProductPage:
    async def test_shows_variants_price_stock_and_images(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        catalog = await build_catalog(database)

        page = parse((await client.get("/products/ridge-tent")).text)

        assert page.find("product-title").text == "Ridge Tent"
        options = page.find("variant-select").children
        assert [option.text for option in options] == ["2P / Green", "3P / Green"]
        assert options[0].get("value") == str(catalog.tent.variants[0].id)
        assert page.find("product-price").get("data-amount") == "19900"
        assert page.find("stock-state").get("data-state") == "in_stock"
        assert page.find("rating-average").get("data-count") == "0"
        assert page.find("quantity-input").get("name") == "quantity"
        page.find("add-to-cart")
        page.find("add-to-wishlist")
        assert page.find_all("review-form") == []  # only for signed-in customers

    async def test_low_and_out_of_stock_states(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        await build_catalog(database)

        low = parse((await client.get("/products/camp-lamp")).text).find("stock-state")
        out = parse((await client.get("/products/sold-out-stove")).text)

        assert (low.get("data-state"), low.text) == ("low", "Only 3 left")
        assert out.find("stock-state").get("data-state") == "out"
        assert out.find("add-to-cart").get("disabled") is not None

    async def test_an_unknown_product_is_a_404_page(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/products/nothing-here")

        assert response.status_code == 404
        assert parse(response.text).find("error-page").get("data-status") == "404"


class TestReviewForm:
    async def test_a_customer_submits_a_review_for_moderation(
        self, client: httpx.AsyncClient, database: Database, app: FastAPI
    ) -> None:
        catalog = await build_catalog(database)
        user = await sign_in(client, database, app.state.settings)
        page = await client.get("/products/ridge-tent")
        parse(page.text).find("review-form")

        response = await client.post(
            "/products/ridge-tent/reviews",
            data={
                "csrf_token": csrf_token(page.text),
                "rating": "4",
                "title": "Snug",
                "body": "Kept us dry.",
            },
        )

        assert response.status_code == 303
        assert response.headers["location"] == "/products/ridge-tent#reviews"
        after = await client.get("/products/ridge-tent")
        assert "approved" in flash_text(after.text)
        async with database.read() as session:
            reviews = (await session.execute(select(Review))).scalars().all()
            stored = [(r.product_id, r.user_id, r.rating, r.title, r.status) for r in reviews]
        assert stored == [(catalog.tent.id, user.id, 4, "Snug", ReviewStatus.PENDING)]

    async def test_bad_input_shows_the_form_again_with_messages(
        self, client: httpx.AsyncClient, database: Database, app: FastAPI
    ) -> None:
        await build_catalog(database)
        await sign_in(client, database, app.state.settings)
        page = await client.get("/products/ridge-tent")

        response = await client.post(
            "/products/ridge-tent/reviews",
            data={"csrf_token": csrf_token(page.text), "rating": "9", "title": "", "body": "x"},
        )

        assert response.status_code == 422
        assert "Please fill in this field." in response.text
        assert "less than or equal to 5" in response.text
        async with database.read() as session:
            assert (await session.execute(select(Review))).first() is None

    async def test_anonymous_visitors_are_sent_to_sign_in(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        await build_catalog(database)
        page = await client.get("/products/ridge-tent")

        response = await client.post(
            "/products/ridge-tent/reviews",
            data={"csrf_token": csrf_token(page.text), "rating": "5", "title": "Great"},
        )

        assert response.status_code == 303
        assert response.headers["location"].startswith("/login?next=")
