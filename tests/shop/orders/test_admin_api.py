from __future__ import annotations

import asyncio
from typing import Any

import httpx
from sqlalchemy import select

from shop.db.session import Database
from shop.models.accounts import Role
from shop.models.jobs import OutboxJob
from shop.models.orders import OrderStatus
from tests.builders.accounts import bearer, create_user
from tests.builders.orders import buy, movements
from tests.conftest import TEST_SECRET
from tests.shop.orders.test_api import money_state, set_status


async def staff(database: Database, role: Role = Role.MANAGER) -> dict[str, str]:
    async with database.transaction() as session:
        user = await create_user(session, role=role, email=f"{role.value}-staff@example.com")
    return bearer(user, secret=TEST_SECRET)


def usd(amount: int) -> dict[str, Any]:
    return {"amount": amount, "currency": "USD"}


class TestListOrders:
    async def test_filters_and_pages(self, client: httpx.AsyncClient, database: Database) -> None:
        paid, _ = await buy(client, database, email="a@example.com")
        await buy(client, database, email="b@example.com")
        pending, _ = await buy(client, database, email="c@example.com", token="tok_asyncCapture")
        support = await staff(database, Role.SUPPORT)

        everything = await client.get(
            "/api/v1/admin/orders", params={"page_size": 2}, headers=support
        )
        by_status = await client.get(
            "/api/v1/admin/orders", params={"status": "pending"}, headers=support
        )
        by_email = await client.get(
            "/api/v1/admin/orders", params={"email": "A@example.com"}, headers=support
        )
        empty_range = await client.get(
            "/api/v1/admin/orders",
            params={"created_from": "2020-01-01T00:00:00Z", "created_to": "2020-02-01T00:00:00Z"},
            headers=support,
        )

        assert everything.status_code == 200
        assert (everything.json()["total"], len(everything.json()["items"])) == (3, 2)
        assert everything.json()["items"][0]["number"] == pending["number"]
        assert [o["number"] for o in by_status.json()["items"]] == [pending["number"]]
        assert [o["number"] for o in by_email.json()["items"]] == [paid["number"]]
        assert empty_range.json()["total"] == 0

    async def test_customers_are_forbidden(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        response = await client.get(
            "/api/v1/admin/orders", headers=await staff(database, Role.CUSTOMER)
        )

        assert response.status_code == 403


class TestGetOrder:
    async def test_with_events_payments_and_allowed_transitions(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        order, _ = await buy(client, database, price=1000)

        response = await client.get(
            f"/api/v1/admin/orders/{order['number']}", headers=await staff(database, Role.SUPPORT)
        )

        assert response.status_code == 200
        body = response.json()
        assert body["status"] == "paid"
        assert body["allowed_transitions"] == ["processing", "cancelled"]
        assert [e["type"] for e in body["events"]] == ["placed", "payment_captured", "confirmed"]
        assert body["events"][0]["actor"] == "guest"
        assert body["captured"] == body["totals"]["total"]
        assert body["refunded"] == usd(0)
        assert [(p["provider"], p["status"]) for p in body["payments"]] == [("sandbox", "captured")]
        assert body["refunds"] == []


class TestTransitions:
    async def test_walks_the_status_machine(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        order, _ = await buy(client, database)
        url = f"/api/v1/admin/orders/{order['number']}/transitions"
        manager = await staff(database)

        processing = await client.post(url, json={"to": "processing"}, headers=manager)
        skipped = await client.post(url, json={"to": "delivered"}, headers=manager)
        shipped_by_hand = await client.post(url, json={"to": "shipped"}, headers=manager)
        paid_by_hand = await client.post(url, json={"to": "paid"}, headers=manager)

        assert processing.status_code == 200
        assert processing.json()["status"] == "processing"
        assert processing.json()["events"][-1]["actor"] == "staff:manager-staff@example.com"
        assert (skipped.status_code, skipped.json()["code"]) == (409, "illegal_transition")
        assert skipped.json()["allowed"] == ["shipped", "cancelled"]
        assert shipped_by_hand.json()["code"] == "fulfillment_required"
        assert paid_by_hand.json()["code"] == "illegal_transition"
        assert (await money_state(database, order["number"]))["status"] == "processing"

    async def test_staff_cancel_of_a_processing_order_refunds_it(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        order, variant_id = await buy(client, database, quantity=2, stock=2)
        await set_status(database, order["number"], OrderStatus.PROCESSING)
        total = order["totals"]["total"]["amount"]

        response = await client.post(
            f"/api/v1/admin/orders/{order['number']}/transitions",
            json={"to": "cancelled", "reason": "out of stock at the warehouse"},
            headers=await staff(database),
        )

        assert response.status_code == 200
        assert response.json()["status"] == "cancelled"
        assert [(r["amount"], r["status"]) for r in response.json()["refunds"]] == [
            (usd(total), "succeeded")
        ]
        async with database.read() as session:
            assert await movements(session, variant_id) == [
                ("import", 2),
                ("sale", -2),
                ("cancellation", 2),
            ]

    async def test_pending_to_paid_by_hand_needs_a_capture(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        order, _ = await buy(client, database, token="tok_asyncCapture")

        response = await client.post(
            f"/api/v1/admin/orders/{order['number']}/transitions",
            json={"to": "paid"},
            headers=await staff(database),
        )

        assert (response.status_code, response.json()["code"]) == (409, "payment_required")

    async def test_needs_orders_write(self, client: httpx.AsyncClient, database: Database) -> None:
        order, _ = await buy(client, database)

        for role in (Role.SUPPORT, Role.CUSTOMER):
            response = await client.post(
                f"/api/v1/admin/orders/{order['number']}/transitions",
                json={"to": "processing"},
                headers=await staff(database, role),
            )

            assert response.status_code == 403
        assert (await money_state(database, order["number"]))["status"] == "paid"


class TestFulfillments:
    async def test_ships_and_emails_the_tracking_number(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        order, _ = await buy(client, database, email="ship@example.com")

        response = await client.post(
            f"/api/v1/admin/orders/{order['number']}/fulfillments",
            json={"carrier": "UPS", "tracking_number": "1Z999"},
            headers=await staff(database),
        )

        assert response.status_code == 201
        body = response.json()
        assert body["status"] == "shipped"
        assert [(f["carrier"], f["tracking_number"]) for f in body["fulfillments"]] == [
            ("UPS", "1Z999")
        ]
        assert [e["type"] for e in body["events"]][-2:] == ["status_changed", "shipped"]
        async with database.read() as session:
            payloads = [
                job.payload
                for job in await session.scalars(select(OutboxJob).order_by(OutboxJob.id))
            ]
        shipped = payloads[-1]
        assert (shipped["template"], shipped["to"]) == ("order_shipped", "ship@example.com")
        assert shipped["context"]["tracking_number"] == "1Z999"
        delivered = await client.post(
            f"/api/v1/admin/orders/{order['number']}/transitions",
            json={"to": "delivered"},
            headers=await staff(database, Role.ADMIN),
        )
        assert delivered.json()["status"] == "delivered"

    async def test_a_pending_order_cannot_ship(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        order, _ = await buy(client, database, token="tok_asyncCapture")

        response = await client.post(
            f"/api/v1/admin/orders/{order['number']}/fulfillments",
            json={"carrier": "UPS", "tracking_number": "1Z999"},
            headers=await staff(database),
        )

        assert (response.status_code, response.json()["code"]) == (409, "illegal_transition")
        assert (await money_state(database, order["number"]))["events"][-1] == "confirmed"


class TestRefunds:
    async def test_partial_then_too_much(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        order, variant_id = await buy(client, database, price=2000, quantity=2, stock=5)
        total = order["totals"]["total"]["amount"]
        url = f"/api/v1/admin/orders/{order['number']}/refunds"
        manager = await staff(database)

        partial = await client.post(
            url,
            json={
                "amount": usd(1000),
                "reason": "one arrived broken",
                "restock": [{"line_id": order["lines"][0]["id"], "quantity": 1}],
            },
            headers=manager,
        )
        before = await money_state(database, order["number"])
        too_much = await client.post(
            url, json={"amount": usd(total - 999), "reason": "all of it"}, headers=manager
        )

        assert partial.status_code == 201
        assert (partial.json()["amount"], partial.json()["status"]) == (usd(1000), "succeeded")
        assert (before["refunded"], before["payment"]) == (1000, ("captured", 1000))
        assert (too_much.status_code, too_much.json()["code"]) == (409, "refund_exceeds_captured")
        assert too_much.json()["refundable"] == total - 1000
        assert await money_state(database, order["number"]) == before
        async with database.read() as session:
            assert (await movements(session, variant_id))[-1] == ("restock_on_refund", 1)

    async def test_concurrent_refunds_never_exceed_the_capture(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        order, _ = await buy(client, database, price=5000)
        total = order["totals"]["total"]["amount"]
        share = total * 2 // 5  # 40 %: at most two fit
        manager = await staff(database)

        responses = await asyncio.gather(
            *(
                client.post(
                    f"/api/v1/admin/orders/{order['number']}/refunds",
                    json={"amount": usd(share), "reason": f"race {n}"},
                    headers=manager,
                )
                for n in range(5)
            )
        )

        assert sorted(r.status_code for r in responses) == [201, 201, 409, 409, 409]
        state = await money_state(database, order["number"])
        assert state["refunded"] == 2 * share <= state["captured"]

    async def test_bad_refunds_change_nothing(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        order, _ = await buy(client, database)
        line_id = order["lines"][0]["id"]
        manager = await staff(database)
        before = await money_state(database, order["number"])
        refusals: list[tuple[dict[str, Any], int, str]] = [
            (
                {"amount": {"amount": 100, "currency": "EUR"}, "reason": "x"},
                422,
                "currency_mismatch",
            ),
            ({"amount": usd(0), "reason": "x"}, 422, "validation_error"),
            ({"amount": usd(100), "reason": ""}, 422, "validation_error"),
            (
                {
                    "amount": usd(100),
                    "reason": "x",
                    "restock": [{"line_id": line_id, "quantity": 9}],
                },
                422,
                "restock_exceeds_sold",
            ),
            (
                {"amount": usd(100), "reason": "x", "restock": [{"line_id": 999, "quantity": 1}]},
                422,
                "unknown_order_line",
            ),
        ]

        for body, status, code in refusals:
            response = await client.post(
                f"/api/v1/admin/orders/{order['number']}/refunds", json=body, headers=manager
            )

            assert (response.status_code, response.json()["code"]) == (status, code), body
            assert await money_state(database, order["number"]) == before

    async def test_nothing_to_refund_before_the_capture(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        order, _ = await buy(client, database, token="tok_asyncCapture")

        response = await client.post(
            f"/api/v1/admin/orders/{order['number']}/refunds",
            json={"amount": usd(100), "reason": "goodwill"},
            headers=await staff(database),
        )

        assert (response.status_code, response.json()["code"]) == (409, "no_captured_payment")
