from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import select, update

from shop.db.session import Database
from shop.models.orders import Order, OrderEvent, OrderStatus
from shop.models.payments import Payment, Refund
from shop.models.pricing import Coupon
from tests.builders.orders import buy, create_customer, ledger_sum, on_hand
from tests.builders.pricing import create_coupon


async def set_status(database: Database, number: str, status: OrderStatus) -> None:
    async with database.transaction() as session:
        await session.execute(update(Order).where(Order.number == number).values(status=status))


async def money_state(database: Database, number: str) -> dict[str, Any]:
    async with database.read() as session:
        order = await session.scalar(select(Order).where(Order.number == number))
        assert order is not None
        payment = await session.scalar(select(Payment).where(Payment.order_id == order.id))
        refunds = await session.execute(
            select(Refund.amount, Refund.status)
            .where(Refund.order_id == order.id)
            .order_by(Refund.id)
        )
        events = await session.scalars(
            select(OrderEvent.type).where(OrderEvent.order_id == order.id).order_by(OrderEvent.id)
        )
        return {
            "status": order.status,
            "captured": order.captured_amount,
            "refunded": order.refunded_amount,
            "payment": None if payment is None else (payment.status, payment.refunded_amount),
            "refunds": [tuple(row) for row in refunds],
            "events": list(events),
        }


class TestListMyOrders:
    async def test_own_orders_only_newest_first(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        async with database.transaction() as session:
            me = await create_customer(session)
            other = await create_customer(session)
        first, _ = await buy(client, database, user=me.user, user_headers=me.headers, price=1000)
        second, _ = await buy(
            client, database, user=me.user, user_headers=me.headers, price=3000, quantity=2
        )
        await buy(client, database, user=other.user, user_headers=other.headers)

        response = await client.get("/api/v1/orders", headers=me.headers)

        assert response.status_code == 200
        body = response.json()
        assert (body["total"], body["page"], body["page_size"]) == (2, 1, 20)
        assert [(o["number"], o["item_count"], o["total"]) for o in body["items"]] == [
            (second["number"], 2, second["totals"]["total"]),
            (first["number"], 1, first["totals"]["total"]),
        ]

    async def test_needs_a_sign_in(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/api/v1/orders")

        assert response.status_code == 401


class TestGetMyOrder:
    async def test_another_customers_order_is_not_found(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        async with database.transaction() as session:
            owner = await create_customer(session)
            other = await create_customer(session)
        order, _ = await buy(client, database, user=owner.user, user_headers=owner.headers)

        mine = await client.get(f"/api/v1/orders/{order['number']}", headers=owner.headers)
        theirs = await client.get(f"/api/v1/orders/{order['number']}", headers=other.headers)
        missing = await client.get("/api/v1/orders/SW-00000000", headers=other.headers)

        assert mine.status_code == 200
        assert mine.json() == order
        assert (theirs.status_code, theirs.json()["code"]) == (404, "order_not_found")
        assert missing.json()["code"] == "order_not_found"


class TestLookupOrder:
    async def test_guest_finds_it_by_number_and_email(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        order, _ = await buy(client, database, email="guest@example.com")
        number = order["number"]

        found = await client.post(
            "/api/v1/orders/lookup", json={"number": number.lower(), "email": "Guest@Example.com"}
        )
        wrong_email = await client.post(
            "/api/v1/orders/lookup", json={"number": number, "email": "other@example.com"}
        )
        wrong_number = await client.post(
            "/api/v1/orders/lookup", json={"number": "SW-00000000", "email": "guest@example.com"}
        )

        assert found.status_code == 200
        assert found.json() == order
        assert wrong_email.status_code == wrong_number.status_code == 404
        assert wrong_email.json()["code"] == wrong_number.json()["code"] == "order_not_found"
        assert wrong_email.json()["title"] == wrong_number.json()["title"]

    @pytest.mark.parametrize(
        "body",
        [
            {"number": "SW-0000\x00", "email": "guest@example.com"},
            {"number": "SW-00000000", "email": "guest\x00@example.com"},
        ],
    )
    async def test_control_characters_are_refused_before_the_database(
        self, client: httpx.AsyncClient, body: dict[str, str]
    ) -> None:
        response = await client.post("/api/v1/orders/lookup", json=body)

        assert response.status_code == 422
        assert response.json()["code"] == "validation_error"


class TestCancelMyOrder:
    async def test_paid_order_is_refunded_and_restocked(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        async with database.transaction() as session:
            me = await create_customer(session)
            coupon = await create_coupon(session, code="TENOFF")
        order, variant_id = await buy(
            client,
            database,
            user=me.user,
            user_headers=me.headers,
            price=2000,
            quantity=2,
            stock=5,
            coupon_code="TENOFF",
        )
        total = order["totals"]["total"]["amount"]

        response = await client.post(
            f"/api/v1/orders/{order['number']}/cancel",
            json={"reason": "changed my mind"},
            headers=me.headers,
        )

        assert response.status_code == 200
        assert response.json()["status"] == "cancelled"
        assert response.json()["payment"] == {"provider": "sandbox", "status": "captured"}
        state = await money_state(database, order["number"])
        assert state["status"] == "cancelled"
        assert (state["captured"], state["refunded"]) == (total, total)
        assert state["payment"] == ("captured", total)
        assert state["refunds"] == [(total, "succeeded")]
        assert state["events"][-3:] == ["cancelled", "money_back_requested", "refunded"]
        async with database.read() as session:
            assert await on_hand(session, variant_id) == 5
            assert await ledger_sum(session, variant_id) == 5
            used = await session.scalar(select(Coupon.times_used).where(Coupon.id == coupon.id))
            assert used == 0

    async def test_held_payment_is_voided(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        async with database.transaction() as session:
            me = await create_customer(session)
        order, _ = await buy(
            client, database, user=me.user, user_headers=me.headers, token="tok_asyncCapture"
        )

        response = await client.post(f"/api/v1/orders/{order['number']}/cancel", headers=me.headers)

        assert response.status_code == 200
        assert response.json()["payment"] == {"provider": "sandbox", "status": "voided"}
        state = await money_state(database, order["number"])
        assert (state["status"], state["captured"], state["refunds"]) == ("cancelled", 0, [])
        assert state["events"][-2:] == ["money_back_requested", "payment_voided"]

    async def test_not_once_the_shop_is_preparing_it(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        async with database.transaction() as session:
            me = await create_customer(session)
        order, _ = await buy(client, database, user=me.user, user_headers=me.headers)
        await set_status(database, order["number"], OrderStatus.PROCESSING)
        before = await money_state(database, order["number"])

        response = await client.post(f"/api/v1/orders/{order['number']}/cancel", headers=me.headers)

        assert response.status_code == 409
        assert response.json()["code"] == "illegal_transition"
        assert response.json()["allowed"] == []
        assert await money_state(database, order["number"]) == before

    async def test_not_someone_elses(self, client: httpx.AsyncClient, database: Database) -> None:
        async with database.transaction() as session:
            owner = await create_customer(session)
            other = await create_customer(session)
        order, _ = await buy(client, database, user=owner.user, user_headers=owner.headers)
        before = await money_state(database, order["number"])

        response = await client.post(
            f"/api/v1/orders/{order['number']}/cancel", headers=other.headers
        )

        assert (response.status_code, response.json()["code"]) == (404, "order_not_found")
        assert await money_state(database, order["number"]) == before
