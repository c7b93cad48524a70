"""Property: whatever refunds staff ask for, in whatever order, the refunded amount never
exceeds what was captured, and a refused refund changes nothing."""

from __future__ import annotations

import httpx
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shop.db.session import Database
from shop.models.accounts import Role
from shop.orders import workflows
from shop.payments.errors import RefundExceedsCaptured
from tests.builders.accounts import create_user
from tests.builders.orders import buy
from tests.shop.orders.test_api import money_state


class TestRefundsNeverExceedTheCapture:
    # Each example places a real order through the sandbox: fewer, costlier examples.
    @settings(max_examples=8, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(shares=st.lists(st.integers(1, 100), min_size=1, max_size=5))
    async def test_refunded_stays_within_captured(
        self, client: httpx.AsyncClient, database: Database, app: FastAPI, shares: list[int]
    ) -> None:
        async with database.transaction() as session:
            manager = await create_user(session, role=Role.MANAGER)
        order, _ = await buy(client, database, price=3000)
        captured = order["totals"]["total"]["amount"]
        refunded = 0
        for percent in shares:
            amount = max(1, captured * percent // 100)
            before = await money_state(database, order["number"])
            try:
                refund, _ = await workflows.refund_order(
                    database,
                    app.state.gateways,
                    order["number"],
                    amount=amount,
                    currency="USD",
                    reason="property",
                    restock={},
                    staff_user_id=manager.id,
                )
            except RefundExceedsCaptured:
                assert amount > captured - refunded
                assert await money_state(database, order["number"]) == before
                continue
            assert refund.status == "succeeded"
            refunded += amount
            state = await money_state(database, order["number"])
            assert state["refunded"] == refunded <= state["captured"] == captured
            assert state["payment"] == ("captured", refunded)
