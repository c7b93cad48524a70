from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from fastapi import FastAPI

from shop.checkout import tasks
from shop.db.session import Database
from shop.integrations.payments.sandbox import SandboxGateway
from tests.builders.orders import buy, create_customer
from tests.fakes.webhook_receiver import SandboxServer
from tests.shop.checkout.payment_fixtures import DEAD_URL, provider_up
from tests.shop.checkout.test_api import forward, payment_of
from tests.shop.orders.test_api import money_state


class TestReconcile:
    async def test_a_refund_the_provider_missed_is_finished(
        self,
        client: httpx.AsyncClient,
        database: Database,
        app: FastAPI,
        sandbox_server: SandboxServer,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        async with database.transaction() as session:
            me = await create_customer(session)
        order, _ = await buy(client, database, user=me.user, user_headers=me.headers)
        total = order["totals"]["total"]["amount"]
        app.state.gateways["sandbox"] = SandboxGateway(app.state.http, base_url=DEAD_URL)

        cancelled = await client.post(
            f"/api/v1/orders/{order['number']}/cancel", headers=me.headers
        )

        assert cancelled.status_code == 200
        pending = await money_state(database, order["number"])
        assert (pending["status"], pending["refunds"], pending["refunded"]) == (
            "cancelled",
            [(total, "pending")],
            0,
        )
        provider_up(app, sandbox_server)
        monkeypatch.setattr(tasks, "PENDING_REFUND_AGE", timedelta(0))

        counts = await tasks.reconcile(database, app.state.gateways)

        assert counts == {"checkouts": 0, "cancelled_orders": 0, "refunds": 1, "unpaid_orders": 0}
        done = await money_state(database, order["number"])
        assert (done["refunds"], done["refunded"], done["payment"]) == (
            [(total, "succeeded")],
            total,
            ("captured", total),
        )
        assert await tasks.reconcile(database, app.state.gateways) == {
            "checkouts": 0,
            "cancelled_orders": 0,
            "refunds": 0,
            "unpaid_orders": 0,
        }

    async def test_a_capture_after_the_cancellation_is_refunded(
        self,
        client: httpx.AsyncClient,
        database: Database,
        sandbox_server: SandboxServer,
    ) -> None:
        async with database.transaction() as session:
            me = await create_customer(session)
        order, _ = await buy(
            client, database, user=me.user, user_headers=me.headers, token="tok_asyncCapture"
        )
        total = order["totals"]["total"]["amount"]
        reference = (await payment_of(database, order["number"])).provider_reference or ""
        # The provider captures before the customer cancels: the void is refused.
        delivery = (await sandbox_server.receiver.wait_for(reference))[0]
        cancelled = await client.post(
            f"/api/v1/orders/{order['number']}/cancel", headers=me.headers
        )
        assert cancelled.json()["payment"]["status"] == "authorized"

        assert await forward(client, delivery.body, delivery.headers) == 200

        state = await money_state(database, order["number"])
        assert state["status"] == "cancelled"
        assert (state["captured"], state["refunded"]) == (total, total)
        assert state["refunds"] == [(total, "succeeded")]
        assert state["events"][-2:] == ["money_back_requested", "refunded"]
