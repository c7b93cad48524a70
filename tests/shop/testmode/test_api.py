from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select, text

from shop.config import Environment, Settings
from shop.db.session import Database
from shop.integrations.mail.files import FileMailSender
from shop.mail import service as mail_service
from shop.main import AppRole, create_app
from shop.models.accounts import User
from shop.models.carts import Cart, CartLine
from shop.models.catalog import Product, Variant
from shop.models.engagement import WishlistItem
from shop.models.jobs import OutboxJob
from shop.models.orders import Order, OrderLine
from shop.models.pricing import ShippingMethod, TaxRate
from shop.seed.demo import DEMO_USERS
from shop.testmode import api as testmode_api
from tests.builders.accounts import create_user
from tests.builders.mail import order_confirmation_context, order_shipped_context
from tests.live import free_port
from tests.shop.testmode.conftest import FakeSandbox


async def send(settings: Settings, to: str, template: str, message_id: str) -> None:
    context = (
        order_confirmation_context()
        if template == "order_confirmation"
        else order_shipped_context()
    )
    message = mail_service.compose(to, template, context, settings, message_id=message_id)
    await FileMailSender(settings.mail_dir).send(message)


@asynccontextmanager
async def client_of(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    application: FastAPI = create_app(AppRole.API, settings=settings)
    async with application.router.lifespan_context(application):
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
            yield http


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)  # files and HTTP only
class TestListMails:
    async def test_empty_outbox(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/api/v1/test/mail")

        assert response.status_code == 200
        assert response.json() == []

    async def test_newest_first(self, client: httpx.AsyncClient, app_settings: Settings) -> None:
        await send(app_settings, "jane@example.com", "order_confirmation", "order-SW-1001-c")
        await send(app_settings, "bob@example.com", "order_shipped", "order-SW-1001-s")

        response = await client.get("/api/v1/test/mail")

        assert response.status_code == 200
        mails = response.json()
        assert [(m["to"], m["subject"]) for m in mails] == [
            ("bob@example.com", "Order SW-1001 has shipped"),
            ("jane@example.com", "Order SW-1001 confirmed"),
        ]
        assert mails[0]["id"].endswith("-order-SW-1001-s@example.com")
        assert mails[0]["sent_at"] >= mails[1]["sent_at"]
        assert set(mails[0]) == {"id", "to", "subject", "sent_at"}

    async def test_filter_by_recipient(
        self, client: httpx.AsyncClient, app_settings: Settings
    ) -> None:
        await send(app_settings, "jane@example.com", "order_confirmation", "order-SW-1001-c")
        await send(app_settings, "bob@example.com", "order_shipped", "order-SW-1001-s")

        response = await client.get("/api/v1/test/mail", params={"to": "JANE@example.com"})

        assert [m["subject"] for m in response.json()] == ["Order SW-1001 confirmed"]


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)  # files and HTTP only
class TestReadMail:
    async def test_whole_mail(self, client: httpx.AsyncClient, app_settings: Settings) -> None:
        await send(app_settings, "jane@example.com", "order_confirmation", "order-SW-1001-c")
        [summary] = (await client.get("/api/v1/test/mail")).json()

        response = await client.get(f"/api/v1/test/mail/{summary['id']}")

        assert response.status_code == 200
        mail = response.json()
        assert (mail["id"], mail["to"], mail["from"], mail["subject"]) == (
            summary["id"],
            "jane@example.com",
            "Shopwright <shop@example.com>",
            "Order SW-1001 confirmed",
        )
        assert mail["text"].startswith("Hello Jane,\n\nthank you for your order SW-1001")
        assert "<strong>SW-1001</strong>" in mail["html"]
        assert mail["headers"]["Message-ID"] == "<order-SW-1001-c@example.com>"
        assert mail["headers"]["Content-Type"].startswith("multipart/alternative")

    async def test_unknown_id(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/api/v1/test/mail/20260101T000000.000000Z-nope")

        assert response.status_code == 404
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["code"] == "not_found"

    @pytest.mark.parametrize("mail_id", ["..%2F..%2Fshop.db", "shop", "%2Fetc%2Fpasswd"])
    async def test_ids_that_are_no_file_ids_are_refused(
        self, client: httpx.AsyncClient, mail_id: str
    ) -> None:
        response = await client.get(f"/api/v1/test/mail/{mail_id}")

        assert response.status_code in (404, 422)
        assert response.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)  # files and HTTP only
class TestClearMails:
    async def test_deletes_every_mail(
        self, client: httpx.AsyncClient, app_settings: Settings
    ) -> None:
        await send(app_settings, "jane@example.com", "order_confirmation", "order-SW-1001-c")
        await send(app_settings, "bob@example.com", "order_shipped", "order-SW-1001-s")

        response = await client.delete("/api/v1/test/mail")

        assert response.status_code == 200
        assert response.json() == {"deleted": 2}
        assert (await client.get("/api/v1/test/mail")).json() == []


async def reference_rows(database: Database) -> list[tuple[Any, ...]]:
    async with database.read() as session:
        shipping = await session.execute(
            select(
                ShippingMethod.id,
                ShippingMethod.code,
                ShippingMethod.name,
                ShippingMethod.price_amount,
                ShippingMethod.free_over_amount,
                ShippingMethod.is_active,
                ShippingMethod.position,
            ).order_by(ShippingMethod.id)
        )
        taxes = await session.execute(
            select(
                TaxRate.id,
                TaxRate.country,
                TaxRate.region,
                TaxRate.name,
                TaxRate.basis_points,
                TaxRate.applies_to_shipping,
            ).order_by(TaxRate.id)
        )
        return [tuple(row) for row in [*shipping, *taxes]]


async def count(database: Database, model: type[Any]) -> int:
    async with database.read() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def search_rows(database: Database) -> int:
    async with database.read() as session:
        if database.is_sqlite:
            query = "SELECT count(*) FROM product_search"
        else:
            query = "SELECT count(*) FROM products WHERE search_vector IS NOT NULL"
        return int(await session.scalar(text(query)) or 0)


async def ids_of(database: Database) -> dict[str, list[int]]:
    async with database.read() as session:
        users = list(await session.scalars(select(User.id).order_by(User.email)))
        products = list(await session.scalars(select(Product.id).order_by(Product.slug)))
        variants = list(await session.scalars(select(Variant.id).order_by(Variant.sku)))
    return {"users": users, "products": products, "variants": variants}


async def add_shop_activity(database: Database) -> None:
    """A customer with a cart, a wishlist entry and an order: rows that point at the demo data."""
    async with database.transaction() as session:
        user = await create_user(session, email="extra@example.com")
        variant = await session.scalar(select(Variant).order_by(Variant.id).limit(1))
        assert variant is not None
        cart = Cart(token_hash="a" * 64, user_id=user.id, currency="USD")
        session.add(cart)
        await session.flush()
        session.add(CartLine(cart_id=cart.id, variant_id=variant.id, quantity=1))
        session.add(
            WishlistItem(user_id=user.id, product_id=variant.product_id, created_at=cart.created_at)
        )
        order = Order(
            number="SW-9001",
            user_id=user.id,
            email=user.email,
            currency="USD",
            subtotal_amount=1000,
            total_amount=1000,
            shipping_method="standard",
            shipping_address={},
            billing_address={},
            cart_id=cart.id,
        )
        session.add(order)
        await session.flush()
        session.add(
            OrderLine(
                order_id=order.id,
                variant_id=variant.id,
                product_id=variant.product_id,
                product_name="x",
                sku=variant.sku,
                unit_price_amount=1000,
                quantity=1,
                total_amount=1000,
            )
        )
        await session.execute(
            ShippingMethod.__table__.update().values(price_amount=1)  # type: ignore[attr-defined]
        )
        await mail_service.enqueue_mail(
            session,
            to=user.email,
            template="order_shipped",
            context=order_shipped_context(),
            message_id="order-SW-9001-shipped",
        )


class TestReset:
    async def test_brings_back_the_demo_data_with_the_same_ids(
        self, client: httpx.AsyncClient, database: Database, app_settings: Settings
    ) -> None:
        migrated = await reference_rows(database)

        first = await client.post("/api/v1/test/reset")
        assert first.status_code == 200, first.text
        seeded = first.json()["seeded"]
        assert (seeded["products"], seeded["users"]) == (234, 4)
        assert seeded["variants"] == await count(database, Variant)
        after_first = await ids_of(database)

        await add_shop_activity(database)
        await send(app_settings, "extra@example.com", "order_shipped", "order-SW-9001-s")
        second = await client.post("/api/v1/test/reset")

        assert second.status_code == 200, second.text
        body = second.json()
        assert body["seeded"] == seeded
        assert body["mails_deleted"] == 1
        deleted = body["deleted"]
        for table, rows in {
            "users": 5,
            "carts": 1,
            "cart_lines": 1,
            "wishlist_items": 1,
            "orders": 1,
            "order_lines": 1,
            "outbox_jobs": 1,
            "shipping_methods": 3,
            "tax_rates": 1,
            "products": 234,
        }.items():
            assert deleted[table] == rows, table
        assert await ids_of(database) == after_first
        assert await reference_rows(database) == migrated
        assert await search_rows(database) == 234
        for model in (Cart, CartLine, WishlistItem, Order, OrderLine, OutboxJob):
            assert await count(database, model) == 0, model
        async with database.read() as session:
            emails = set(await session.scalars(select(User.email)))
        assert emails == {user.email for user in DEMO_USERS}
        assert (await client.get("/api/v1/test/mail")).json() == []


def sandbox_error(status: int, code: str, message: str) -> tuple[int, dict[str, Any]]:
    return status, {"error": {"type": "invalid_request_error", "code": code, "message": message}}


async def trigger(http: httpx.AsyncClient, reference: str, event_type: str) -> httpx.Response:
    return await http.post(
        "/api/v1/test/payments/sandbox/events",
        json={"payment_reference": reference, "type": event_type},
    )


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)  # files and HTTP only
class TestSandboxEvents:
    async def test_asks_the_sandbox_at_its_url(
        self, app_settings: Settings, fake_sandbox: FakeSandbox
    ) -> None:
        settings = app_settings.model_copy(update={"sandbox_url": fake_sandbox.url})
        async with client_of(settings) as http:
            response = await trigger(http, "sbx_pay_123", "payment.captured")

        assert response.status_code == 202
        assert response.json() == {
            "payment_reference": "sbx_pay_123",
            "type": "payment.captured",
            "sandbox": {"event_id": "evt_sbx_1", "delivered": True},
        }
        assert fake_sandbox.requests == [
            ("/v1/payments/sbx_pay_123/webhooks", {"type": "payment.captured"})
        ]
        assert fake_sandbox.headers[0]["authorization"] == "Bearer sk_sandbox_shopwright"

    @pytest.mark.parametrize(
        ("sandbox_answer", "status", "code", "sandbox_code"),
        [
            (
                sandbox_error(404, "not_found", "no such payment"),
                404,
                "payment_not_found",
                "not_found",
            ),
            (
                sandbox_error(409, "invalid_state", "the payment is declined, not captured"),
                409,
                "sandbox_rejected",
                "invalid_state",
            ),
            (
                sandbox_error(400, "invalid_event_type", "type must be one of ..."),
                422,
                "sandbox_rejected",
                "invalid_event_type",
            ),
        ],
    )
    async def test_sandbox_refusals_become_problems(
        self,
        app_settings: Settings,
        fake_sandbox: FakeSandbox,
        sandbox_answer: tuple[int, dict[str, Any]],
        status: int,
        code: str,
        sandbox_code: str,
    ) -> None:
        fake_sandbox.status, fake_sandbox.body = sandbox_answer
        settings = app_settings.model_copy(update={"sandbox_url": fake_sandbox.url})
        async with client_of(settings) as http:
            response = await trigger(http, "sbx_pay_123", "payment.captured")

        assert response.status_code == status
        assert response.headers["content-type"] == "application/problem+json"
        assert (response.json()["code"], response.json()["sandbox_code"]) == (code, sandbox_code)
        if status != 404:
            assert sandbox_answer[1]["error"]["message"] in response.json()["detail"]

    async def test_sandbox_failure_is_a_bad_gateway(
        self, app_settings: Settings, fake_sandbox: FakeSandbox
    ) -> None:
        fake_sandbox.status, fake_sandbox.body = 500, {}
        settings = app_settings.model_copy(update={"sandbox_url": fake_sandbox.url})
        async with client_of(settings) as http:
            response = await trigger(http, "sbx_pay_123", "payment.captured")

        assert response.status_code == 502
        assert response.json()["code"] == "sandbox_unavailable"

    async def test_unreachable_sandbox(self, app_settings: Settings) -> None:
        settings = app_settings.model_copy(
            update={"sandbox_url": f"http://127.0.0.1:{free_port()}"}
        )
        async with client_of(settings) as http:
            response = await trigger(http, "sbx_pay_123", "payment.captured")

        assert response.status_code == 502
        assert response.json()["code"] == "sandbox_unavailable"
        assert "SHOP_SANDBOX_URL" in response.json()["detail"]

    async def test_sandbox_not_enabled(self, app_settings: Settings) -> None:
        settings = app_settings.model_copy(update={"payment_providers": []})
        async with client_of(settings) as http:
            response = await trigger(http, "sbx_pay_123", "payment.captured")

        assert response.status_code == 404
        assert response.json()["code"] == "sandbox_disabled"

    async def test_the_embedded_sandbox_sends_a_signed_webhook(
        self, app_settings: Settings, fake_sandbox: FakeSandbox
    ) -> None:
        # The embedded sandbox (mounted at /_sandbox) delivers to our receiver, not to a shop.
        settings = app_settings.model_copy(
            update={"sandbox_webhook_url": f"{fake_sandbox.url}/webhooks"}
        )
        async with client_of(settings) as http:
            created = await http.post(
                "/_sandbox/v1/payments",
                headers={"Authorization": "Bearer sk_sandbox_shopwright"},
                json={"amount": 2500, "currency": "USD", "token": "tok_asyncCapture"},
            )
            assert created.status_code < 300, created.text
            reference = created.json()["id"]

            response = await trigger(http, reference, "payment.captured")
            missing = await trigger(http, "sbx_missing", "payment.captured")
            delivered = await asyncio.to_thread(fake_sandbox.received.wait, 10)

        assert response.status_code == 202, response.text
        assert (response.json()["payment_reference"], response.json()["type"]) == (
            reference,
            "payment.captured",
        )
        assert response.json()["sandbox"]["type"] == "payment.captured"
        assert (missing.status_code, missing.json()["code"]) == (404, "payment_not_found")
        assert delivered
        path, event = fake_sandbox.requests[0]
        assert (path, event["type"]) == ("/webhooks", "payment.captured")
        assert fake_sandbox.headers[0]["sandbox-signature"].startswith("t=")

    @pytest.mark.parametrize(
        "body",
        [
            {"payment_reference": "", "type": "payment.captured"},
            {"payment_reference": "../admin", "type": "payment.captured"},
            {"payment_reference": "sbx_1", "type": "Payment Captured"},
            {"payment_reference": "sbx_1"},
            {"payment_reference": "sbx_1", "type": "payment.captured", "extra": 1},
        ],
    )
    async def test_bad_input_is_a_422(
        self, client: httpx.AsyncClient, body: dict[str, Any]
    ) -> None:
        response = await client.post("/api/v1/test/payments/sandbox/events", json=body)

        assert response.status_code == 422
        assert response.json()["code"] == "validation_error"


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)  # routing only
class TestOutsideTestMode:
    @pytest.mark.parametrize(
        ("method", "path"),
        [
            ("GET", "/api/v1/test/mail"),
            ("GET", "/api/v1/test/mail/20260101T000000.000000Z-x"),
            ("DELETE", "/api/v1/test/mail"),
            ("POST", "/api/v1/test/reset"),
            ("POST", "/api/v1/test/payments/sandbox/events"),
        ],
    )
    async def test_development_answers_404(
        self, app_settings: Settings, database: Database, method: str, path: str
    ) -> None:
        settings = app_settings.model_copy(update={"env": Environment.DEVELOPMENT})
        await send(settings, "jane@example.com", "order_confirmation", "order-SW-1001-c")
        users_before = await count(database, User)

        async with client_of(settings) as http:
            response = await http.request(
                method, path, json={"payment_reference": "sbx_1", "type": "payment.captured"}
            )

        assert response.status_code == 404
        assert response.json()["code"] == "not_found"
        assert len(list(settings.mail_dir.glob("*.eml"))) == 1
        assert await count(database, User) == users_before

    async def test_router_refuses_by_itself_outside_test_mode(
        self, app_settings: Settings, tmp_path: Path
    ) -> None:
        settings = app_settings.model_copy(update={"env": Environment.DEVELOPMENT})
        application = FastAPI()
        application.state.settings = settings
        application.include_router(testmode_api.router, prefix="/api/v1")
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
            response = await http.get("/api/v1/test/mail")

        assert response.status_code == 404

    async def test_not_in_the_openapi_document(self, app_settings: Settings) -> None:
        settings = app_settings.model_copy(update={"env": Environment.DEVELOPMENT})
        async with client_of(settings) as http:
            paths = (await http.get("/api/v1/openapi.json")).json()["paths"]

        assert not [path for path in paths if path.startswith("/api/v1/test/")]
