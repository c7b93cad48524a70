from __future__ import annotations

import json

import httpx
from sqlalchemy import select

from shop.auth import passwords
from shop.db.session import Database
from shop.kit.clock import utcnow
from shop.models.accounts import User
from shop.models.customers import Address
from shop.models.engagement import WishlistItem
from shop.models.orders import Fulfillment, Order, OrderStatus
from tests.builders.accounts import DEFAULT_PASSWORD, create_user
from tests.builders.orders import create_variant, place_order
from tests.shop.storefront.account.pages import post_form, sign_in

NEW_PASSWORD = "violet tram 42 plinth"
ADDRESS = {
    "label": "Home",
    "name": "Ada Lovelace",
    "line1": "12 St James's Square",
    "city": "London",
    "postal_code": "SW1Y 4JH",
    "country": "gb",
}


async def signed_in_customer(client: httpx.AsyncClient, database: Database) -> User:
    async with database.transaction() as session:
        user = await create_user(session, first_name="Ada", last_name="King")
    await sign_in(client, user.email)
    return user


async def shipped_order(database: Database, user: User) -> Order:
    async with database.transaction() as session:
        variant = await create_variant(session, price=1250)
        order = await place_order(
            session, lines=[(variant, 2)], user_id=user.id, status=OrderStatus.SHIPPED
        )
        session.add(
            Fulfillment(
                order_id=order.id, carrier="UPS", tracking_number="1Z999AA1", created_at=utcnow()
            )
        )
    return order


class TestSignInRequired:
    async def test_account_pages_send_anonymous_visitors_to_login(
        self, client: httpx.AsyncClient
    ) -> None:
        for path in (
            "/account",
            "/account/orders",
            "/account/orders/SW-00000000",
            "/account/addresses",
            "/account/wishlist",
            "/account/profile",
            "/account/password",
            "/account/export",
            "/account/delete",
        ):
            response = await client.get(path)
            assert response.status_code == 303, path
            assert response.headers["location"].startswith("/login?next=%2Faccount"), path


class TestOrders:
    async def test_history_and_detail_with_tracking(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        user = await signed_in_customer(client, database)
        order = await shipped_order(database, user)

        overview = await client.get("/account")
        listing = await client.get("/account/orders")
        detail = await client.get(f"/account/orders/{order.number}")

        assert f'data-order-number="{order.number}"' in overview.text
        assert 'data-testid="data-export"' in overview.text
        assert 'data-testid="account-orders"' in listing.text
        assert f'data-testid="order-row" data-order-number="{order.number}"' in listing.text
        assert detail.status_code == 200
        assert '<strong data-testid="tracking-number">1Z999AA1</strong>' in detail.text
        assert 'data-status="shipped"' in detail.text
        assert f'data-testid="total-total" data-amount="{order.total_amount}"' in detail.text
        assert 'data-testid="line-total" data-amount="2700"' in detail.text  # 2 x 12.50 + 8% tax

    async def test_another_customers_order_is_not_found(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        async with database.transaction() as session:
            other = await create_user(session)
        order = await shipped_order(database, other)
        await signed_in_customer(client, database)

        response = await client.get(f"/account/orders/{order.number}")

        assert response.status_code == 404
        assert "1Z999AA1" not in response.text


class TestAddresses:
    async def test_add_edit_default_delete(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        user = await signed_in_customer(client, database)

        invalid = await post_form(
            client,
            "/account/addresses",
            {**ADDRESS, "country": "XX"},
            form_page="/account/addresses",
        )
        home = await post_form(
            client, "/account/addresses", ADDRESS, form_page="/account/addresses"
        )
        await post_form(
            client,
            "/account/addresses",
            {**ADDRESS, "label": "Office", "city": "Leeds"},
            form_page="/account/addresses",
        )
        async with database.read() as session:
            rows = await session.execute(
                select(Address.id, Address.user_id, Address.country, Address.is_default).order_by(
                    Address.id
                )
            )
            first, second = [tuple(row) for row in rows]
        edited = await post_form(
            client,
            f"/account/addresses/{second[0]}",
            {**ADDRESS, "label": "Work", "city": "York", "is_default": "1"},
            form_page=f"/account/addresses/{second[0]}/edit",
        )
        deleted = await post_form(
            client,
            f"/account/addresses/{second[0]}/delete",
            {},
            form_page="/account/addresses",
        )
        page = await client.get("/account/addresses")

        assert invalid.status_code == 422
        assert "is not an ISO 3166-1 alpha-2 country code" in invalid.text
        assert 'value="12 St James&#39;s Square"' in invalid.text
        assert home.status_code == edited.status_code == deleted.status_code == 303
        assert first[1:] == (user.id, "GB", True)
        assert page.text.count('data-testid="address-item"') == 1
        assert 'data-testid="address-default"' in page.text
        assert 'data-testid="address-form"' in page.text

    async def test_someone_elses_address_is_not_found(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        async with database.transaction() as session:
            other = await create_user(session)
            session.add(
                Address(
                    user_id=other.id,
                    label="",
                    name="B",
                    line1="1 Road",
                    city="C",
                    postal_code="1",
                    country="US",
                    is_default=True,
                )
            )
            await session.flush()
            address_id = (await session.scalars(select(Address.id))).one()
        await signed_in_customer(client, database)

        edit = await client.get(f"/account/addresses/{address_id}/edit")
        delete = await post_form(
            client, f"/account/addresses/{address_id}/delete", {}, form_page="/account/addresses"
        )

        assert edit.status_code == delete.status_code == 404


class TestWishlist:
    async def test_add_from_the_product_page_and_remove(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        user = await signed_in_customer(client, database)
        async with database.transaction() as session:
            variant = await create_variant(session, name="Brass Compass")

        added = await post_form(
            client,
            "/account/wishlist",
            {"product_id": str(variant.product_id)},
            form_page="/account/wishlist",
        )
        page = await client.get("/account/wishlist")
        removed = await post_form(
            client,
            f"/account/wishlist/{variant.product_id}/remove",
            {},
            form_page="/account/wishlist",
        )

        assert added.status_code == 303
        assert "Brass Compass saved to your wishlist." in page.text
        assert page.text.count('data-testid="wishlist-item"') == 1
        assert 'data-testid="wishlist-remove"' in page.text
        assert removed.status_code == 303
        async with database.read() as session:
            left = await session.scalars(
                select(WishlistItem.id).where(WishlistItem.user_id == user.id)
            )
            assert list(left) == []

    async def test_anonymous_add_asks_to_sign_in(self, client: httpx.AsyncClient) -> None:
        response = await post_form(
            client,
            "/account/wishlist",
            {"product_id": "1", "next": "/products/some-thing"},
            form_page="/login",
        )

        assert response.status_code == 303
        assert response.headers["location"] == "/login?next=%2Fproducts%2Fsome-thing"

    async def test_bad_product_is_a_message(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        await signed_in_customer(client, database)

        response = await post_form(
            client, "/account/wishlist", {"product_id": "abc"}, form_page="/account/wishlist"
        )

        assert response.status_code == 303
        assert "could not be saved" in (await client.get("/account/wishlist")).text


class TestProfileAndPassword:
    async def test_profile_changes(self, client: httpx.AsyncClient, database: Database) -> None:
        user = await signed_in_customer(client, database)

        no_password = await post_form(
            client,
            "/account/profile",
            {"first_name": "Augusta", "last_name": "King", "email": "new@example.com"},
            form_page="/account/profile",
        )
        saved = await post_form(
            client,
            "/account/profile",
            {
                "first_name": "Augusta",
                "last_name": "King",
                "email": "new@example.com",
                "current_password": DEFAULT_PASSWORD,
            },
            form_page="/account/profile",
        )

        assert no_password.status_code == 422
        assert "Enter your current password" in no_password.text
        assert saved.status_code == 303
        async with database.read() as session:
            stored = await session.execute(
                select(User.first_name, User.email).where(User.id == user.id)
            )
            assert tuple(stored.one()) == ("Augusta", "new@example.com")

    async def test_password_change_keeps_this_browser_signed_in(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        user = await signed_in_customer(client, database)
        old_cookie = client.cookies["sw_session"]

        wrong = await post_form(
            client,
            "/account/password",
            {"current_password": "nope", "new_password": NEW_PASSWORD},
            form_page="/account/password",
        )
        weak = await post_form(
            client,
            "/account/password",
            {"current_password": DEFAULT_PASSWORD, "new_password": "short"},
            form_page="/account/password",
        )
        changed = await post_form(
            client,
            "/account/password",
            {"current_password": DEFAULT_PASSWORD, "new_password": NEW_PASSWORD},
            form_page="/account/password",
        )

        assert wrong.status_code == weak.status_code == 422
        assert "Your current password is not correct." in wrong.text
        assert "at least 8 characters" in weak.text
        assert changed.status_code == 303
        assert client.cookies["sw_session"] != old_cookie
        assert (await client.get("/account")).status_code == 200
        async with database.read() as session:
            stored = await session.scalar(select(User.password_hash).where(User.id == user.id))
        assert stored is not None
        assert await passwords.verify_password(stored, NEW_PASSWORD)


class TestExportAndDelete:
    async def test_export_downloads_json(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        user = await signed_in_customer(client, database)
        order = await shipped_order(database, user)

        response = await client.get("/account/export")

        assert response.status_code == 200
        assert response.headers["content-type"] == "application/json"
        assert "attachment" in response.headers["content-disposition"]
        data = json.loads(response.text)
        assert data["profile"]["email"] == user.email
        assert [o["number"] for o in data["orders"]] == [order.number]

    async def test_delete_signs_out_and_anonymises(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        user = await signed_in_customer(client, database)
        order = await shipped_order(database, user)

        wrong = await post_form(
            client, "/account/delete", {"password": "nope"}, form_page="/account/delete"
        )
        deleted = await post_form(
            client, "/account/delete", {"password": DEFAULT_PASSWORD}, form_page="/account/delete"
        )

        assert wrong.status_code == 422
        assert deleted.status_code == 303
        assert "Your account has been deleted." in (await client.get("/")).text
        assert (await client.get("/account")).status_code == 303
        async with database.read() as session:
            kept = await session.execute(
                select(Order.email, Order.total_amount).where(Order.id == order.id)
            )
            assert tuple(kept.one()) == (f"deleted-{user.id}@deleted.invalid", order.total_amount)

    async def test_open_orders_block_deletion(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        user = await signed_in_customer(client, database)
        async with database.transaction() as session:
            variant = await create_variant(session)
            order = await place_order(
                session, lines=[(variant, 1)], user_id=user.id, status=OrderStatus.PAID
            )

        response = await post_form(
            client, "/account/delete", {"password": DEFAULT_PASSWORD}, form_page="/account/delete"
        )

        assert response.status_code == 422
        assert order.number in response.text
        assert (await client.get("/account")).status_code == 200
