"""Public pricing API: the shipping methods a customer can choose from."""

from __future__ import annotations

import httpx

from shop.db.session import Database
from tests.builders.pricing import create_shipping_method


class TestListShippingMethods:
    async def test_active_methods_with_prices(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        async with database.transaction() as session:
            await create_shipping_method(session, code="pickup", name="Pick up", price_amount=0,
                                         position=0)  # fmt: skip
            await create_shipping_method(session, code="hidden", is_active=False, position=0)
        response = await client.get("/api/v1/shipping-methods")
        assert response.status_code == 200
        assert response.json() == [
            {"code": "pickup", "name": "Pick up", "price": {"amount": 0, "currency": "USD"},
             "free_over": None},
            {"code": "standard", "name": "Standard (3-5 days)",
             "price": {"amount": 999, "currency": "USD"},
             "free_over": {"amount": 5000, "currency": "USD"}},
            {"code": "express", "name": "Express (1-2 days)",
             "price": {"amount": 1999, "currency": "USD"}, "free_over": None},
            {"code": "overnight", "name": "Overnight",
             "price": {"amount": 3999, "currency": "USD"}, "free_over": None},
        ]  # fmt: skip
