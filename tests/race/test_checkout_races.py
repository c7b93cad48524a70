"""Real concurrency through HTTP against a live shop (2 worker processes) on SQLite and
PostgreSQL: no oversell, coupon limits hold, one order per Idempotency-Key, one capture per
webhook event, and a declined payment leaves everything as it was."""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

import httpx
from sqlalchemy import func, select

from shop.db.session import Database
from shop.models.inventory import InventoryMovement
from shop.models.orders import Order, OrderEvent, OrderLine, OrderStatus
from shop.models.payments import Payment, PaymentEvent
from shop.models.pricing import Coupon, CouponRedemption
from tests.builders.orders import checkout_body, count_rows, create_cart, create_variant, shop_state
from tests.builders.payments import sandbox_event, sandbox_headers
from tests.builders.pricing import create_coupon
from tests.fakes.webhook_receiver import SANDBOX_TEST_SECRET
from tests.race.conftest import RaceShop

BUYERS = 50


def client(shop: RaceShop) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        base_url=shop.url,
        timeout=60,
        limits=httpx.Limits(max_connections=BUYERS, max_keepalive_connections=BUYERS),
    )


async def carts_for(
    database: Database, variant_id: int, count: int, *, coupon_code: str | None = None
) -> list[tuple[int, str]]:
    from shop.models.catalog import Variant

    async with database.transaction() as session:
        variant = await session.get(Variant, variant_id)
        assert variant is not None
        carts = [
            await create_cart(session, lines=[(variant, 1)], coupon_code=coupon_code)
            for _ in range(count)
        ]
        return [(cart.id, token) for cart, token in carts]


async def checkout_all(
    shop: RaceShop, carts: list[tuple[int, str]], *, prefix: str
) -> list[httpx.Response]:
    async with client(shop) as http:
        return await asyncio.gather(
            *(
                http.post(
                    "/api/v1/checkout",
                    json=checkout_body(cart_id, email=f"buyer{n}@example.com"),
                    headers={"Idempotency-Key": f"{prefix}-{n}", "X-Cart-Token": token},
                )
                for n, (cart_id, token) in enumerate(carts)
            )
        )


async def orders_of_variant(database: Database, variant_id: int) -> int:
    async with database.read() as session:
        total = await session.scalar(
            select(func.count(func.distinct(OrderLine.order_id)))
            .join(Order, Order.id == OrderLine.order_id)
            .where(OrderLine.variant_id == variant_id, Order.status == OrderStatus.PAID)
        )
        return int(total or 0)


async def ledger_of(database: Database, variant_id: int) -> Counter[str]:
    async with database.read() as session:
        rows = await session.execute(
            select(InventoryMovement.kind, func.sum(InventoryMovement.delta))
            .where(InventoryMovement.variant_id == variant_id)
            .group_by(InventoryMovement.kind)
        )
        return Counter({str(kind): int(total) for kind, total in rows})


class TestStockRace:
    async def test_race_50_buyers_for_10_in_stock(
        self, race_shop: RaceShop, shop_database: Database
    ) -> None:
        async with shop_database.transaction() as session:
            variant = await create_variant(session, price=1200, stock=10)
            variant_id, sku = variant.id, variant.sku
        carts = await carts_for(shop_database, variant_id, BUYERS)

        responses = await checkout_all(race_shop, carts, prefix="stock")

        statuses = Counter(r.status_code for r in responses)
        assert statuses == {201: 10, 409: 40}
        for refused in (r for r in responses if r.status_code == 409):
            assert refused.headers["content-type"] == "application/problem+json"
            problem: dict[str, Any] = refused.json()
            assert problem["code"] == "insufficient_stock"
            assert problem["lines"] == [
                {"variant_id": variant_id, "sku": sku, "requested": 1, "available": 0}
            ]
        async with shop_database.read() as session:
            state = await shop_state(session, variant_ids=[variant_id])
        assert (state["stock"], state["ledger"]) == ([0], [0])
        assert await orders_of_variant(shop_database, variant_id) == 10
        assert await ledger_of(shop_database, variant_id) == {"import": 10, "sale": -10}


class TestCouponRace:
    async def test_race_50_buyers_for_a_coupon_used_5_times_at_most(
        self, race_shop: RaceShop, shop_database: Database
    ) -> None:
        async with shop_database.transaction() as session:
            variant = await create_variant(session, price=1000, stock=100)
            coupon = await create_coupon(session, code=f"RACE{variant.id}", usage_limit=5)
            variant_id, coupon_id, code = variant.id, coupon.id, coupon.code
        carts = await carts_for(shop_database, variant_id, BUYERS, coupon_code=code)

        responses = await checkout_all(race_shop, carts, prefix=f"coupon-{code}")

        assert Counter(r.status_code for r in responses) == {201: 5, 409: 45}
        assert {r.json()["code"] for r in responses if r.status_code == 409} == {
            "usage_limit_reached"
        }
        assert {r.json()["coupon_code"] for r in responses if r.status_code == 201} == {code}
        async with shop_database.read() as session:
            used = await session.scalar(select(Coupon.times_used).where(Coupon.id == coupon_id))
            redemptions = await count_rows(
                session, CouponRedemption, CouponRedemption.coupon_id == coupon_id
            )
            state = await shop_state(session, variant_ids=[variant_id])
        assert (used, redemptions) == (5, 5)
        assert state["stock"] == state["ledger"] == [95]


class TestIdempotencyRace:
    async def test_idempotency_20_concurrent_requests_make_one_order(
        self, race_shop: RaceShop, shop_database: Database
    ) -> None:
        async with shop_database.transaction() as session:
            variant = await create_variant(session, price=1500, stock=5)
            cart, token = await create_cart(session, lines=[(variant, 1)])
            variant_id, cart_id = variant.id, cart.id
        key = f"one-key-{cart_id}"

        async with client(race_shop) as http:
            responses = await asyncio.gather(
                *(
                    http.post(
                        "/api/v1/checkout",
                        json=checkout_body(cart_id),
                        headers={"Idempotency-Key": key, "X-Cart-Token": token},
                    )
                    for _ in range(20)
                )
            )

        statuses = Counter(r.status_code for r in responses)
        assert set(statuses) <= {201, 409}
        assert statuses[201] >= 1
        assert {r.json()["code"] for r in responses if r.status_code == 409} <= {
            "idempotency_key_in_use"
        }
        assert len({r.json()["number"] for r in responses if r.status_code == 201}) == 1
        async with shop_database.read() as session:
            orders = await count_rows(session, Order, Order.cart_id == cart_id)
            state = await shop_state(session, variant_ids=[variant_id])
        assert orders == 1
        assert state["stock"] == state["ledger"] == [4]


class TestWebhookRace:
    async def test_race_one_event_delivered_10_times_concurrently(
        self, race_shop: RaceShop, shop_database: Database
    ) -> None:
        async with shop_database.transaction() as session:
            variant = await create_variant(session, price=7000, stock=5)
            cart, token = await create_cart(session, lines=[(variant, 1)])
            cart_id = cart.id
        async with client(race_shop) as http:
            placed = await http.post(
                "/api/v1/checkout",
                json=checkout_body(cart_id, token="tok_asyncCapture"),
                headers={"Idempotency-Key": f"webhook-{cart_id}", "X-Cart-Token": token},
            )
            assert placed.status_code == 201
            number = placed.json()["number"]
            async with shop_database.read() as session:
                payment = await session.scalar(
                    select(Payment).join(Order).where(Order.number == number)
                )
                assert payment is not None
                payment_id, order_id, amount = payment.id, payment.order_id, payment.amount
                reference = payment.provider_reference or ""
            event_id = f"evt_race_{payment_id}"
            body = sandbox_event(
                event_id=event_id, reference=reference, payment_id=payment_id, amount=amount
            )

            deliveries = await asyncio.gather(
                *(
                    http.post(
                        "/api/v1/payments/webhooks/sandbox",
                        content=body,
                        headers=sandbox_headers(body, secret=SANDBOX_TEST_SECRET),
                    )
                    for _ in range(10)
                )
            )

        assert [d.status_code for d in deliveries] == [200] * 10
        async with shop_database.read() as session:
            events = await count_rows(session, PaymentEvent, PaymentEvent.event_id == event_id)
            captures = await count_rows(
                session,
                OrderEvent,
                OrderEvent.type == "payment_captured",
                OrderEvent.order_id == order_id,
            )
            captured = await session.scalar(
                select(Payment.captured_amount).where(Payment.id == payment_id)
            )
            status = await session.scalar(select(Order.status).where(Order.number == number))
        assert (events, captures, captured, status) == (1, 1, amount, "paid")


class TestDeclinedRace:
    async def test_race_declined_payment_changes_nothing(
        self, race_shop: RaceShop, shop_database: Database
    ) -> None:
        async with shop_database.transaction() as session:
            variant = await create_variant(session, price=2500, stock=3)
            cart, token = await create_cart(session, lines=[(variant, 2)])
            ids = {"variant_ids": [variant.id], "cart_id": cart.id}
        async with shop_database.read() as session:
            before = await shop_state(session, **ids)

        async with client(race_shop) as http:
            response = await http.post(
                "/api/v1/checkout",
                json=checkout_body(ids["cart_id"], token="tok_chargeDeclined"),
                headers={"Idempotency-Key": f"declined-{ids['cart_id']}", "X-Cart-Token": token},
            )

        assert response.status_code == 402
        assert response.json()["code"] == "payment_declined"
        async with shop_database.read() as session:
            after = await shop_state(session, **ids)
            paid = await count_rows(
                session,
                Order,
                Order.cart_id == ids["cart_id"],
                Order.status != OrderStatus.CANCELLED,
            )
        assert after["stock"] == before["stock"] == [3]
        assert after["ledger"] == [3]
        assert after["cart"] == before["cart"]
        assert paid == 0
