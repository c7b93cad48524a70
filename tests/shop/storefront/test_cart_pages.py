"""The cart page: add, update, remove, coupons, totals; guests and customers; CSRF."""

from __future__ import annotations

import httpx
from fastapi import FastAPI
from sqlalchemy import func, select

from shop.db.session import Database
from shop.models.carts import Cart, CartLine
from shop.models.pricing import CouponKind
from shop.web.pages.cookies import CART_COOKIE
from tests.builders.pricing import create_coupon
from tests.shop.storefront.conftest import Catalog, build_catalog, sign_in
from tests.shop.storefront.html import csrf_token, flash_text, parse


async def _add(
    client: httpx.AsyncClient, catalog: Catalog, *, quantity: str = "1", variant: int = 0
) -> httpx.Response:
    page = await client.get("/products/ridge-tent")
    return await client.post(
        "/cart/items",
        data={
            "csrf_token": csrf_token(page.text),
            "variant_id": str(catalog.tent.variants[variant].id),
            "quantity": quantity,
        },
    )


async def _lines(database: Database) -> list[tuple[int, int, int | None]]:
    async with database.read() as session:
        rows = await session.execute(
            select(CartLine.cart_id, CartLine.quantity, Cart.user_id)
            .join(Cart, Cart.id == CartLine.cart_id)
            .order_by(CartLine.id)
        )
        return [(cart_id, quantity, user_id) for cart_id, quantity, user_id in rows]


class TestAddToCart:
    async def test_a_guest_gets_a_cart_remembered_in_a_cookie(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        catalog = await build_catalog(database)

        response = await _add(client, catalog, quantity="2")

        assert response.status_code == 303
        assert response.headers["location"] == "/cart"
        cookie = response.headers["set-cookie"]
        assert f"{CART_COOKIE}=" in cookie
        assert "HttpOnly" in cookie
        assert "SameSite=lax" in cookie
        page = parse((await client.get("/cart")).text)
        line = page.find("cart-line")
        assert line.get("data-sku") == "TENT-2P-GRN"
        assert line.find("line-quantity").get("value") == "2"
        assert line.find("line-total").get("data-amount") == "39800"
        assert page.find("cart-subtotal").get("data-amount") == "39800"
        assert page.find("cart-discount").get("data-amount") == "0"
        assert page.find("cart-total").get("data-amount") == "39800"
        assert page.find("cart-count").text == "2"
        assert "Added to your cart" in page.find("flash").text

    async def test_a_customer_adds_to_their_own_cart(
        self, client: httpx.AsyncClient, database: Database, app: FastAPI
    ) -> None:
        catalog = await build_catalog(database)
        user = await sign_in(client, database, app.state.settings)

        response = await _add(client, catalog)

        assert CART_COOKIE not in response.headers.get("set-cookie", "")
        assert [(quantity, owner) for _, quantity, owner in await _lines(database)] == [
            (1, user.id)
        ]

    async def test_a_bad_quantity_is_a_message_and_nothing_changes(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        catalog = await build_catalog(database)

        response = await _add(client, catalog, quantity="lots")
        too_many = await _add(client, catalog, quantity="100")

        assert response.status_code == too_many.status_code == 303
        assert "whole number from 1 to 99" in flash_text((await client.get("/cart")).text)
        assert await _lines(database) == []

    async def test_an_unknown_variant_is_a_message(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        await build_catalog(database)
        page = await client.get("/")

        response = await client.post(
            "/cart/items", data={"csrf_token": csrf_token(page.text), "variant_id": "999999"}
        )

        assert response.status_code == 303
        assert "Variant_id 999999 names no variant" in flash_text(
            (await client.get(response.headers["location"])).text
        )

    async def test_without_the_csrf_token_nothing_is_added(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        catalog = await build_catalog(database)
        await client.get("/")  # the browser has its CSRF cookie

        missing = await client.post(
            "/cart/items", data={"variant_id": str(catalog.tent.variants[0].id)}
        )
        forged = await client.post(
            "/cart/items",
            data={"variant_id": str(catalog.tent.variants[0].id), "csrf_token": "forged"},
        )

        assert missing.status_code == forged.status_code == 403
        assert parse(missing.text).find("error-page").get("data-status") == "403"
        async with database.read() as session:
            assert (await session.execute(select(func.count()).select_from(Cart))).scalar() == 0


class TestChangeLines:
    async def test_update_then_remove(self, client: httpx.AsyncClient, database: Database) -> None:
        catalog = await build_catalog(database)
        await _add(client, catalog)
        page = await client.get("/cart")
        token = csrf_token(page.text)
        action = parse(page.text).find("cart-line")  # the update form posts to the line
        line_id = next(
            c.get("action") for c in _forms(action) if not str(c.get("action")).endswith("remove")
        )

        updated = await client.post(str(line_id), data={"csrf_token": token, "quantity": "3"})
        after_update = parse((await client.get("/cart")).text)
        removed = await client.post(f"{line_id}/remove", data={"csrf_token": token})
        after_remove = parse((await client.get("/cart")).text)

        assert updated.status_code == removed.status_code == 303
        assert after_update.find("line-total").get("data-amount") == "59700"
        after_remove.find("cart-empty")
        assert await _lines(database) == []

    async def test_a_bad_quantity_keeps_the_line(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        catalog = await build_catalog(database)
        await _add(client, catalog, quantity="2")
        page = await client.get("/cart")
        line_id = [c.get("action") for c in _forms(parse(page.text).find("cart-line"))][0]

        await client.post(
            str(line_id), data={"csrf_token": csrf_token(page.text), "quantity": "-1"}
        )

        assert "whole number from 0 to 99" in flash_text((await client.get("/cart")).text)
        assert [quantity for _, quantity, _ in await _lines(database)] == [2]


class TestCoupons:
    async def test_a_valid_coupon_discounts_the_total_and_can_be_removed(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        catalog = await build_catalog(database)
        async with database.transaction() as session:
            await create_coupon(session, code="TENT10", kind=CouponKind.PERCENTAGE, value=10)
        await _add(client, catalog)
        token = csrf_token((await client.get("/cart")).text)

        await client.post("/cart/coupon", data={"csrf_token": token, "code": " tent10 "})
        with_coupon = parse((await client.get("/cart")).text)
        await client.post("/cart/coupon/remove", data={"csrf_token": token})
        without = parse((await client.get("/cart")).text)

        assert "Coupon TENT10 applied" in with_coupon.find("flash").text
        assert with_coupon.find("cart-subtotal").get("data-amount") == "19900"
        assert with_coupon.find("cart-discount").get("data-amount") == "1990"
        assert with_coupon.find("cart-total").get("data-amount") == "17910"
        with_coupon.find("coupon-remove")
        assert without.find("cart-discount").get("data-amount") == "0"
        assert without.find_all("coupon-remove") == []

    async def test_an_unknown_coupon_is_a_message(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        catalog = await build_catalog(database)
        await _add(client, catalog)
        token = csrf_token((await client.get("/cart")).text)

        response = await client.post("/cart/coupon", data={"csrf_token": token, "code": "NOPE"})

        assert response.status_code == 303
        page = await client.get("/cart")
        assert "There is no coupon 'NOPE'" in flash_text(page.text)
        assert parse(page.text).find("flash").get("role") == "alert"


def _forms(element: object) -> list[object]:
    """Every <form> under an element (depth first)."""
    found = []
    pending = [element]
    while pending:
        current = pending.pop()
        for child in current.children:  # type: ignore[attr-defined]
            if child.tag == "form":
                found.append(child)
            pending.append(child)
    return sorted(found, key=lambda f: str(f.get("action")))  # type: ignore[attr-defined]
