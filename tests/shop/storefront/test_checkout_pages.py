"""Checkout and confirmation pages against the sandbox provider on its own loopback port."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select

from shop.db.session import Database
from shop.models.carts import Cart, CartLine
from shop.models.orders import Order
from tests.shop.checkout.payment_fixtures import (  # noqa: F401 (fixtures)
    app_settings,
    sandbox_server,
    webhook_receiver,
)
from tests.shop.storefront.conftest import build_catalog, sign_in
from tests.shop.storefront.html import csrf_token, parse

ADDRESS = {
    "email": "ada@example.com",
    "ship_name": "Ada Lovelace",
    "ship_line1": "12 St James's Square",
    "ship_line2": "",
    "ship_city": "London",
    "ship_region": "",
    "ship_postal_code": "SW1Y 4JH",
    "ship_country": "gb",
    "billing_same": "1",
    "shipping_method": "standard",
}


async def _cart_with_a_tent(client: httpx.AsyncClient, database: Database) -> None:
    catalog = await build_catalog(database)
    page = await client.get("/products/ridge-tent")
    await client.post(
        "/cart/items",
        data={
            "csrf_token": csrf_token(page.text),
            "variant_id": str(catalog.tent.variants[0].id),
            "quantity": "1",
        },
    )


async def _checkout_form(client: httpx.AsyncClient) -> dict[str, str]:
    page = await client.get("/checkout")
    assert page.status_code == 200
    form = parse(page.text).find("checkout-form")
    return {
        name: str(form.named(name)[0].get("value"))
        for name in ("csrf_token", "idempotency_key", "cart_id")
    }


async def _count(database: Database, model: Any) -> int:
    async with database.read() as session:
        return int((await session.execute(select(func.count()).select_from(model))).scalar_one())


class TestCheckoutPage:
    async def test_shows_the_form_methods_test_cards_and_totals(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        await _cart_with_a_tent(client, database)

        page = parse((await client.get("/checkout")).text)

        form = page.find("checkout-form")
        for testid in ("shipping-method-standard", "card-token", "place-order"):
            form.find(testid)
        tokens = [option.get("value") for option in form.find("card-token").children]
        assert tokens[:2] == ["tok_visa", "tok_chargeDeclined"]
        amounts = {
            name: int(str(page.find(f"total-{name}").get("data-amount")))
            for name in ("subtotal", "discount", "shipping", "tax", "total")
        }
        assert amounts["subtotal"] == 19900
        assert amounts["total"] == (
            amounts["subtotal"] - amounts["discount"] + amounts["shipping"] + amounts["tax"]
        )

    async def test_an_empty_cart_goes_back_to_the_cart(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/checkout")

        assert response.status_code == 303
        assert response.headers["location"] == "/cart"


class TestPlaceOrder:
    async def test_a_guest_pays_and_sees_the_confirmation(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        await _cart_with_a_tent(client, database)
        hidden = await _checkout_form(client)

        response = await client.post(
            "/checkout", data={**hidden, **ADDRESS, "card_token": "tok_visa", "action": "place"}
        )

        assert response.status_code == 303
        number = response.headers["location"].removeprefix("/checkout/confirmation/")
        confirmation = await client.get(response.headers["location"])
        assert confirmation.status_code == 200
        page = parse(confirmation.text)
        assert page.find("order-number").text == number
        assert page.find("order-status").get("data-status") == "paid"
        async with database.read() as session:
            order = (await session.execute(select(Order))).scalar_one()
            stored = (order.number, order.email, order.total_amount)
        assert stored == (
            number,
            "ada@example.com",
            int(str(page.find("total-total").get("data-amount"))),
        )
        parse((await client.get("/cart")).text).find("cart-empty")
        assert parse((await client.get("/")).text).find("cart-count").text == "0"

    async def test_the_same_form_submitted_twice_places_one_order(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        await _cart_with_a_tent(client, database)
        form = {**(await _checkout_form(client)), **ADDRESS, "card_token": "tok_visa"}

        first = await client.post("/checkout", data=form)
        second = await client.post("/checkout", data=form)

        assert first.status_code == 303
        assert second.headers.get("location") == first.headers["location"]
        assert await _count(database, Order) == 1

    async def test_a_declined_card_shows_the_error_and_keeps_the_cart(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        await _cart_with_a_tent(client, database)
        hidden = await _checkout_form(client)

        response = await client.post(
            "/checkout", data={**hidden, **ADDRESS, "card_token": "tok_chargeDeclined"}
        )

        assert response.status_code == 402
        page = parse(response.text)
        error = page.find("checkout-error")
        assert error.get("role") == "alert"
        assert "declined" in error.text
        assert "cart is unchanged" in error.text
        form = page.find("checkout-form")  # shown again with what was typed
        assert form.named("ship_name")[0].get("value") == "Ada Lovelace"
        assert await _count(database, CartLine) == 1
        async with database.read() as session:
            assert (await session.execute(select(Cart.converted_at))).scalar_one() is None

    async def test_missing_fields_are_marked_and_nothing_is_placed(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        await _cart_with_a_tent(client, database)
        hidden = await _checkout_form(client)

        response = await client.post(
            "/checkout",
            data={
                **hidden,
                **ADDRESS,
                "ship_city": "",
                "ship_country": "XX",
                "email": "not-an-email",
                "card_token": "tok_visa",
            },
        )

        assert response.status_code == 422
        assert 'id="ship_city-error"' in response.text
        assert 'id="ship_country-error"' in response.text
        assert 'id="email-error"' in response.text
        assert await _count(database, Order) == 0

    async def test_without_csrf_nothing_is_placed(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        await _cart_with_a_tent(client, database)
        hidden = await _checkout_form(client)
        hidden.pop("csrf_token")

        response = await client.post(
            "/checkout", data={**hidden, **ADDRESS, "card_token": "tok_visa"}
        )

        assert response.status_code == 403
        assert await _count(database, Order) == 0

    async def test_a_signed_in_customer_orders_under_their_account(
        self, client: httpx.AsyncClient, database: Database, app: FastAPI
    ) -> None:
        user = await sign_in(client, database, app.state.settings)
        await _cart_with_a_tent(client, database)
        hidden = await _checkout_form(client)
        prefilled = parse((await client.get("/checkout")).text).find("checkout-form")
        assert prefilled.named("email")[0].get("value") == user.email

        response = await client.post(
            "/checkout",
            data={**hidden, **{**ADDRESS, "email": user.email}, "card_token": "tok_visa"},
        )

        assert response.status_code == 303
        async with database.read() as session:
            assert (await session.execute(select(Order.user_id))).scalar_one() == user.id
        assert (await client.get(response.headers["location"])).status_code == 200


class TestConfirmation:
    @pytest.mark.parametrize("number", ["SW-NOTMINE", "x" * 20])
    async def test_an_order_this_browser_did_not_place_is_not_found(
        self, client: httpx.AsyncClient, number: str
    ) -> None:
        response = await client.get(f"/checkout/confirmation/{number}")

        assert response.status_code == 404
        assert parse(response.text).find("error-page").get("data-status") == "404"

    async def test_another_browser_cannot_see_a_guest_order(
        self, client: httpx.AsyncClient, database: Database, app: FastAPI
    ) -> None:
        await _cart_with_a_tent(client, database)
        hidden = await _checkout_form(client)
        placed = await client.post(
            "/checkout", data={**hidden, **ADDRESS, "card_token": "tok_visa"}
        )
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as other:
            response = await other.get(placed.headers["location"])

        assert response.status_code == 404
