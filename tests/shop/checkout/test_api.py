from __future__ import annotations

import asyncio
import re
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import select

from shop.checkout import workflows
from shop.db.session import Database
from shop.models.jobs import OutboxJob
from shop.models.orders import Order, OrderEvent
from shop.models.payments import Payment, PaymentEvent
from shop.models.pricing import CouponKind
from shop.orders.service import NUMBER_PATTERN
from tests.builders.orders import (
    address,
    checkout_body,
    count_rows,
    create_cart,
    create_customer,
    create_variant,
    shop_state,
)
from tests.builders.payments import sandbox_event, sandbox_headers
from tests.builders.pricing import create_coupon
from tests.fakes.webhook_receiver import SANDBOX_TEST_SECRET, SandboxServer, WebhookReceiver
from tests.shop.checkout.payment_fixtures import provider_up

USD = "USD"


def usd(amount: int) -> dict[str, Any]:
    return {"amount": amount, "currency": USD}


def headers(key: str | None, token: str | None = None, **extra: str) -> dict[str, str]:
    found = dict(extra)
    if key is not None:
        found["Idempotency-Key"] = key
    if token is not None:
        found["X-Cart-Token"] = token
    return found


async def events_of(database: Database, number: str) -> list[str]:
    async with database.read() as session:
        rows = await session.scalars(
            select(OrderEvent.type)
            .join(Order, Order.id == OrderEvent.order_id)
            .where(Order.number == number)
            .order_by(OrderEvent.id)
        )
        return list(rows)


async def mails(database: Database) -> list[tuple[str, str]]:
    async with database.read() as session:
        jobs = await session.scalars(select(OutboxJob).order_by(OutboxJob.id))
        return [(job.payload["template"], job.payload["to"]) for job in jobs]


async def payment_of(database: Database, number: str) -> Payment:
    async with database.read() as session:
        payment = await session.scalar(
            select(Payment).join(Order, Order.id == Payment.order_id).where(Order.number == number)
        )
        assert payment is not None
        session.expunge(payment)  # keep its loaded values after the read's rollback
        return payment


async def state(database: Database, **ids: Any) -> dict[str, Any]:
    async with database.read() as session:
        return await shop_state(session, **ids)


async def forward(client: httpx.AsyncClient, delivery_body: bytes, hdrs: dict[str, str]) -> int:
    response = await client.post(
        "/api/v1/payments/webhooks/sandbox",
        content=delivery_body,
        headers={
            "content-type": "application/json",
            "sandbox-signature": hdrs["sandbox-signature"],
        },
    )
    return response.status_code


class TestCheckout:
    async def test_guest_pays_and_gets_the_order(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        async with database.transaction() as session:
            shirt = await create_variant(session, price=1500, stock=5)
            mug = await create_variant(session, price=2500, stock=3)
            cart, token = await create_cart(session, lines=[(shirt, 2), (mug, 1)])
            ids = {"variant_ids": [shirt.id, mug.id], "cart_id": cart.id}
            skus = (shirt.sku, mug.sku)

        response = await client.post(
            "/api/v1/checkout",
            json=checkout_body(cart.id, email="Ada@Example.com"),
            headers=headers("key-1", token),
        )

        assert response.status_code == 201
        body = response.json()
        assert re.fullmatch(NUMBER_PATTERN, body["number"])
        assert body["status"] == "paid"
        assert body["email"] == "ada@example.com"
        assert body["totals"] == {
            "subtotal": usd(5500),
            "discount": usd(0),
            "shipping": usd(0),  # standard is free from 50.00
            "tax": usd(440),
            "total": usd(5940),
        }
        assert [
            (line["sku"], line["quantity"], line["unit_price"], line["tax"], line["total"])
            for line in body["lines"]
        ] == [
            (skus[0], 2, usd(1500), usd(240), usd(3240)),
            (skus[1], 1, usd(2500), usd(200), usd(2700)),
        ]
        assert body["shipping_address"] == address()
        assert body["billing_address"] == address()
        assert body["shipping_method"] == "standard"
        assert body["coupon_code"] is None
        assert body["payment"] == {"provider": "sandbox", "status": "captured"}
        after = await state(database, **ids)
        assert after["stock"] == [3, 2]
        assert after["ledger"] == [3, 2]
        assert after["cart"]["converted"] is True
        assert after["paid_orders"] == 1
        assert await mails(database) == [("order_confirmation", "ada@example.com")]
        assert await events_of(database, body["number"]) == [
            "placed",
            "payment_captured",
            "confirmed",
        ]

    async def test_customer_uses_their_bearer_token(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        async with database.transaction() as session:
            customer = await create_customer(session)
            variant = await create_variant(session, price=1000, stock=5)
            cart, _ = await create_cart(session, user=customer.user, lines=[(variant, 1)])

        response = await client.post(
            "/api/v1/checkout",
            json=checkout_body(cart.id, email=customer.user.email),
            headers=headers("key-1", **customer.headers),
        )

        assert response.status_code == 201
        mine = await client.get(
            f"/api/v1/orders/{response.json()['number']}", headers=customer.headers
        )
        assert mine.status_code == 200
        assert mine.json() == response.json()
        assert response.json()["totals"]["shipping"] == usd(999)

    async def test_coupon_discount_is_spread_and_redeemed(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        async with database.transaction() as session:
            a = await create_variant(session, price=3000, stock=5)
            b = await create_variant(session, price=1000, stock=5)
            coupon = await create_coupon(session, code="TENOFF", kind=CouponKind.PERCENTAGE)
            cart, token = await create_cart(session, lines=[(a, 1), (b, 1)], coupon_code="TENOFF")

        response = await client.post(
            "/api/v1/checkout", json=checkout_body(cart.id), headers=headers("k", token)
        )

        assert response.status_code == 201
        body = response.json()
        assert body["coupon_code"] == "TENOFF"
        assert body["totals"] == {
            "subtotal": usd(4000),
            "discount": usd(400),
            "shipping": usd(999),  # 36.00 after the discount: not free
            "tax": usd(288),
            "total": usd(4887),
        }
        assert [line["discount"] for line in body["lines"]] == [usd(300), usd(100)]
        assert (await state(database, coupon_id=coupon.id))["coupon_used"] == 1

    async def test_insufficient_stock_names_the_lines_and_changes_nothing(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        async with database.transaction() as session:
            plenty = await create_variant(session, stock=10)
            scarce = await create_variant(session, stock=1)
            coupon = await create_coupon(session, code="TENOFF")
            cart, token = await create_cart(
                session, lines=[(plenty, 2), (scarce, 2)], coupon_code="TENOFF"
            )
            ids = {
                "variant_ids": [plenty.id, scarce.id],
                "cart_id": cart.id,
                "coupon_id": coupon.id,
            }
            scarce_id, scarce_sku = scarce.id, scarce.sku
        before = await state(database, **ids)

        response = await client.post(
            "/api/v1/checkout", json=checkout_body(cart.id), headers=headers("k", token)
        )

        assert response.status_code == 409
        assert response.headers["content-type"] == "application/problem+json"
        problem = response.json()
        assert problem["code"] == "insufficient_stock"
        assert problem["lines"] == [
            {"variant_id": scarce_id, "sku": scarce_sku, "requested": 2, "available": 1}
        ]
        assert await state(database, **ids) == before

    async def test_declined_payment_leaves_stock_cart_and_coupon_as_before(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        async with database.transaction() as session:
            variant = await create_variant(session, price=2000, stock=4)
            coupon = await create_coupon(session, code="TENOFF")
            cart, cart_token = await create_cart(
                session, lines=[(variant, 3)], coupon_code="TENOFF"
            )
            ids = {"variant_ids": [variant.id], "cart_id": cart.id, "coupon_id": coupon.id}
        before = await state(database, **ids)

        for n, (token, failure_code) in enumerate(
            [
                ("tok_chargeDeclined", "card_declined"),
                ("tok_insufficientFunds", "insufficient_funds"),
            ]
        ):
            response = await client.post(
                "/api/v1/checkout",
                json=checkout_body(cart.id, token=token),
                headers=headers(f"k{n}", cart_token),
            )

            assert response.status_code == 402
            problem = response.json()
            assert (problem["code"], problem["failure_code"]) == ("payment_declined", failure_code)
            after = await state(database, **ids)
            assert after["stock"] == before["stock"] == [4]
            assert after["ledger"] == [4]
            assert after["cart"] == before["cart"]
            assert after["coupon_used"] == before["coupon_used"] == 0
            assert (after["paid_orders"], after["mails"]) == (0, 0)
            assert await events_of(database, problem["order_number"]) == [
                "placed",
                "payment_declined",
            ]
        # The intact cart can be checked out again with another card (and another key).
        again = await client.post(
            "/api/v1/checkout", json=checkout_body(cart.id), headers=headers("k2", cart_token)
        )
        assert again.status_code == 201

    async def test_async_capture_is_pending_until_the_webhook(
        self,
        client: httpx.AsyncClient,
        database: Database,
        sandbox_server: SandboxServer,
    ) -> None:
        async with database.transaction() as session:
            variant = await create_variant(session, price=6000, stock=2)
            cart, token = await create_cart(session, lines=[(variant, 1)])

        response = await client.post(
            "/api/v1/checkout",
            json=checkout_body(cart.id, token="tok_asyncCapture"),
            headers=headers("k", token),
        )

        assert response.status_code == 201
        body = response.json()
        assert (body["status"], body["payment"]["status"]) == ("pending", "authorized")
        assert (await state(database, cart_id=cart.id))["cart"]["converted"] is True
        payment = await payment_of(database, body["number"])
        receiver: WebhookReceiver = sandbox_server.receiver
        delivery = (await receiver.wait_for(payment.provider_reference or ""))[0]
        assert delivery.event["type"] == "payment.captured"

        assert await forward(client, delivery.body, delivery.headers) == 200
        assert await forward(client, delivery.body, delivery.headers) == 200  # a redelivery

        order = await client.post(
            "/api/v1/orders/lookup", json={"number": body["number"], "email": "buyer@example.com"}
        )
        assert (order.json()["status"], order.json()["payment"]["status"]) == ("paid", "captured")
        assert await events_of(database, body["number"]) == [
            "placed",
            "confirmed",
            "payment_captured",
        ]
        assert await mails(database) == [("order_confirmation", "buyer@example.com")]

    async def test_refusals_change_nothing(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        async with database.transaction() as session:
            variant = await create_variant(session, stock=3)
            cart, token = await create_cart(session, lines=[(variant, 1)])
            ids = {"variant_ids": [variant.id], "cart_id": cart.id}
        before = await state(database, **ids)
        refusals: list[tuple[dict[str, Any], int, str]] = [
            ({"shipping_method": "teleport"}, 422, "shipping_method_unavailable"),
            ({"payment": {"provider": "paypal", "token": "x"}}, 422, "unknown_payment_provider"),
            ({"payment": {"provider": "sandbox", "token": "tok_unknown"}}, 402, "payment_declined"),
            ({"shipping_address": address(country="XX")}, 422, "validation_error"),
            ({"shipping_address": address(country="us")}, 422, "validation_error"),
            ({"email": "not an address"}, 422, "validation_error"),
            ({"coupon": "SAVE"}, 422, "validation_error"),
        ]

        for n, (change, status, code) in enumerate(refusals):
            response = await client.post(
                "/api/v1/checkout",
                json=checkout_body(cart.id, **change),
                headers=headers(f"k{n}", token),
            )

            assert (response.status_code, response.json()["code"]) == (status, code), change
            after = await state(database, **ids)
            assert (after["stock"], after["cart"], after["paid_orders"]) == (
                before["stock"],
                before["cart"],
                0,
            )

    async def test_someone_elses_cart_is_not_found(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        async with database.transaction() as session:
            owner = await create_customer(session)
            intruder = await create_customer(session)
            variant = await create_variant(session, stock=3)
            cart, _ = await create_cart(session, user=owner.user, lines=[(variant, 1)])

        response = await client.post(
            "/api/v1/checkout",
            json=checkout_body(cart.id),
            headers=headers("k", **intruder.headers),
        )

        assert (response.status_code, response.json()["code"]) == (404, "cart_not_found")
        assert (await state(database))["orders"] == 0

    async def test_missing_idempotency_key_is_400(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        async with database.transaction() as session:
            variant = await create_variant(session, stock=3)
            cart, token = await create_cart(session, lines=[(variant, 1)])

        for key in (None, "  "):
            response = await client.post(
                "/api/v1/checkout", json=checkout_body(cart.id), headers=headers(key, token)
            )
            assert response.status_code == 400
            assert response.json()["code"] == "idempotency_key_missing"
        assert (await state(database))["orders"] == 0


class TestProviderUnavailable:
    async def test_order_waits_and_the_same_key_resumes_it(
        self,
        client: httpx.AsyncClient,
        database: Database,
        app: FastAPI,
        sandbox_server: SandboxServer,
        provider_down: None,
    ) -> None:
        async with database.transaction() as session:
            variant = await create_variant(session, price=1000, stock=3)
            cart, token = await create_cart(session, lines=[(variant, 2)])
            ids = {"variant_ids": [variant.id], "cart_id": cart.id}

        response = await client.post(
            "/api/v1/checkout", json=checkout_body(cart.id), headers=headers("k", token)
        )

        assert response.status_code == 503
        problem = response.json()
        assert problem["code"] == "payment_provider_unavailable"
        held = await state(database, **ids)
        assert (held["stock"], held["cart"]["converted"], held["paid_orders"]) == ([1], False, 0)
        # Another checkout of the same cart is refused while this one's outcome is unknown.
        other = await client.post(
            "/api/v1/checkout", json=checkout_body(cart.id), headers=headers("k2", token)
        )
        assert (other.status_code, other.json()["code"]) == (409, "checkout_in_progress")

        provider_up(app, sandbox_server)
        retried = await client.post(
            "/api/v1/checkout", json=checkout_body(cart.id), headers=headers("k", token)
        )

        assert retried.status_code == 201
        assert retried.json()["number"] == problem["order_number"]
        assert retried.json()["status"] == "paid"
        after = await state(database, **ids)
        assert (after["stock"], after["orders"], after["payments"]) == ([1], 1, 1)

    async def test_reconciliation_settles_it_without_the_client(
        self,
        client: httpx.AsyncClient,
        database: Database,
        app: FastAPI,
        sandbox_server: SandboxServer,
        provider_down: None,
    ) -> None:
        async with database.transaction() as session:
            variant = await create_variant(session, price=1000, stock=3)
            cart, token = await create_cart(session, lines=[(variant, 1)])
        first = await client.post(
            "/api/v1/checkout", json=checkout_body(cart.id), headers=headers("k", token)
        )
        assert first.status_code == 503
        provider_up(app, sandbox_server)

        settled = await workflows.resume_stale_checkouts(database, app.state.gateways)

        assert settled == 1
        replay = await client.post(
            "/api/v1/checkout", json=checkout_body(cart.id), headers=headers("k", token)
        )
        assert replay.status_code == 201
        assert replay.headers["idempotent-replayed"] == "true"
        assert replay.json()["status"] == "paid"
        assert await workflows.resume_stale_checkouts(database, app.state.gateways) == 0


class TestCheckoutIdempotency:
    async def test_idempotency_same_request_replays_the_first_answer(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        async with database.transaction() as session:
            variant = await create_variant(session, stock=3)
            cart, token = await create_cart(session, lines=[(variant, 1)])

        first = await client.post(
            "/api/v1/checkout", json=checkout_body(cart.id), headers=headers("k", token)
        )
        second = await client.post(
            "/api/v1/checkout", json=checkout_body(cart.id), headers=headers("k", token)
        )

        assert first.status_code == second.status_code == 201
        assert second.json() == first.json()
        assert second.headers["idempotent-replayed"] == "true"
        assert "idempotent-replayed" not in first.headers
        assert (await state(database, variant_ids=[variant.id]))["stock"] == [2]

    async def test_idempotency_key_reused_with_another_body_is_422(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        async with database.transaction() as session:
            variant = await create_variant(session, stock=3)
            cart, token = await create_cart(session, lines=[(variant, 1)])
        first = await client.post(
            "/api/v1/checkout", json=checkout_body(cart.id), headers=headers("k", token)
        )
        assert first.status_code == 201

        other_body = await client.post(
            "/api/v1/checkout",
            json=checkout_body(cart.id, shipping_method="express"),
            headers=headers("k", token),
        )
        other_sender = await client.post(
            "/api/v1/checkout", json=checkout_body(cart.id), headers=headers("k", "other-token")
        )

        assert (other_body.status_code, other_body.json()["code"]) == (
            422,
            "idempotency_key_reused",
        )
        assert other_sender.json()["code"] == "idempotency_key_reused"
        assert (await state(database))["orders"] == 1

    async def test_idempotency_key_in_flight_is_409_until_its_lease_ends(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        from datetime import timedelta

        from shop.checkout import service as checkout_service
        from shop.checkout.schemas import CheckoutCreate
        from shop.kit.clock import utcnow

        async with database.transaction() as session:
            variant = await create_variant(session, stock=3)
            cart, token = await create_cart(session, lines=[(variant, 1)])
        body = checkout_body(cart.id)
        digest = checkout_service.request_hash(
            CheckoutCreate.model_validate(body), user_id=None, cart_token=token
        )
        async with database.transaction() as session:  # a request that is still running
            await checkout_service.claim(session, key="k", request_hash=digest)

        busy = await client.post("/api/v1/checkout", json=body, headers=headers("k", token))

        assert (busy.status_code, busy.json()["code"]) == (409, "idempotency_key_in_use")
        assert (await state(database))["orders"] == 0
        async with database.transaction() as session:  # ... whose process died
            await checkout_service.claim(
                session, key="k2", request_hash=digest, now=utcnow() - timedelta(minutes=5)
            )
        taken_over = await client.post("/api/v1/checkout", json=body, headers=headers("k2", token))
        assert taken_over.status_code == 201

    async def test_idempotency_refusal_is_replayed_too(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        from tests.builders.orders import change_variant

        async with database.transaction() as session:
            variant = await create_variant(session, stock=0)
            cart, token = await create_cart(session, lines=[(variant, 1)])
        first = await client.post(
            "/api/v1/checkout", json=checkout_body(cart.id), headers=headers("k", token)
        )
        async with database.transaction() as session:
            await change_variant(session, variant.id, stock_quantity=5)

        again = await client.post(
            "/api/v1/checkout", json=checkout_body(cart.id), headers=headers("k", token)
        )

        assert first.status_code == again.status_code == 409
        assert again.json() == first.json()
        assert again.headers["idempotent-replayed"] == "true"


class TestPaymentWebhook:
    async def test_invalid_signature_is_400_and_records_nothing(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        response = await client.post(
            "/api/v1/payments/webhooks/sandbox",
            content=b'{"id": "evt_1"}',
            headers={"sandbox-signature": "t=1,v1=00", "content-type": "application/json"},
        )

        assert (response.status_code, response.json()["code"]) == (400, "invalid_signature")
        async with database.read() as session:
            assert await count_rows(session, PaymentEvent) == 0

    async def test_concurrent_duplicates_apply_once(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        async with database.transaction() as session:
            variant = await create_variant(session, price=6000, stock=2)
            cart, token = await create_cart(session, lines=[(variant, 1)])
        placed = await client.post(
            "/api/v1/checkout",
            json=checkout_body(cart.id, token="tok_asyncCapture"),
            headers=headers("k", token),
        )
        number = placed.json()["number"]
        payment = await payment_of(database, number)
        event = sandbox_event(
            reference=payment.provider_reference or "",
            payment_id=payment.id,
            amount=payment.amount,
        )
        signed = sandbox_headers(event, secret=SANDBOX_TEST_SECRET)

        statuses = await asyncio.gather(*(forward(client, event, signed) for _ in range(10)))

        assert statuses == [200] * 10
        async with database.read() as session:
            assert await count_rows(session, PaymentEvent) == 1
        assert (await events_of(database, number)).count("payment_captured") == 1
        payment = await payment_of(database, number)
        assert (payment.status, payment.captured_amount) == ("captured", 6480)  # with tax
        assert (await state(database))["mails"] == 1

    async def test_failed_payment_cancels_and_releases(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        async with database.transaction() as session:
            variant = await create_variant(session, price=6000, stock=2)
            coupon = await create_coupon(session, code="TENOFF")
            cart, token = await create_cart(session, lines=[(variant, 1)], coupon_code="TENOFF")
            ids = {"variant_ids": [variant.id], "coupon_id": coupon.id}
        placed = await client.post(
            "/api/v1/checkout",
            json=checkout_body(cart.id, token="tok_asyncCapture"),
            headers=headers("k", token),
        )
        number = placed.json()["number"]
        payment = await payment_of(database, number)
        # The provider reports that the held payment failed instead of being captured.
        event = sandbox_event(
            event_type="payment.failed",
            reference=payment.provider_reference or "",
            payment_id=payment.id,
            amount=payment.amount,
            failure_code="expired_card",
        )

        assert (
            await forward(client, event, sandbox_headers(event, secret=SANDBOX_TEST_SECRET)) == 200
        )

        after = await state(database, **ids)
        assert (after["stock"], after["ledger"], after["coupon_used"]) == ([2], [2], 0)
        assert (await events_of(database, number))[-1] == "payment_failed"
        assert (await payment_of(database, number)).status == "declined"
