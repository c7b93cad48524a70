"""Round trips per order: the SQL statements a buyer's cart, item and checkout cost.

Each statement is a round trip to the database and most of a request's CPU (issue 3's
checkout benchmark), so the hot path has a budget; a change that adds a statement to it
must say why here. Transaction control (BEGIN/COMMIT/ROLLBACK) is not counted: it is one
per transaction on either database and the transactions are counted by the workflow itself.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
from sqlalchemy import event

from shop.db.session import Database
from shop.inventory import service as inventory_service
from tests.builders.orders import checkout_body, create_variant

# Statements per request on the hot path (one line of one variant, guest, tok_visa). A new
# cart: its INSERT. Adding the item (4): the cart locked and touched, the variant, the line
# upserted, the cart priced. Checkout:
# the Idempotency-Key claim (1); placing the order (13: the cart locked and priced, its open
# order, shipping, tax, order, event, lines, stock, ledger balance check, movement, payment,
# recovery point); settling (10: payment, the order locked with its lines, its fulfilments,
# order, event, the confirmation check, cart, outbox, event, the stored answer). Before the checkout
# profile (2026-12) the same order took 4 + 6 + 34.
BUDGET = {"create_cart": 1, "add_item": 4, "checkout": 24}
TRANSACTION_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK")


@contextmanager
def counting(database: Database) -> Iterator[list[str]]:
    statements: list[str] = []

    def count(*args: Any) -> None:
        statement = str(args[2])
        if not statement.lstrip().upper().startswith(TRANSACTION_CONTROL):
            statements.append(statement)

    engines = {database.primary.sync_engine, database.replica.sync_engine}
    for engine in engines:
        event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        for engine in engines:
            event.remove(engine, "before_cursor_execute", count)


class TestStatementBudget:
    async def test_a_guest_order_stays_within_the_budget(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        async with database.transaction() as session:
            variant = await create_variant(session, price=1500, stock=5)
            # As in a shop that has sold it before: its ledger has an opening balance.
            await inventory_service.record_opening_balances(session, [variant.id])

        with counting(database) as statements:
            created = await client.post("/api/v1/carts")
        assert created.status_code == 201
        spent = {"create_cart": len(statements)}
        cart = created.json()
        token = {"X-Cart-Token": cart["token"]}

        with counting(database) as statements:
            added = await client.post(
                f"/api/v1/carts/{cart['id']}/items",
                json={"variant_id": variant.id, "quantity": 1},
                headers=token,
            )
        assert added.status_code == 200, added.text
        spent["add_item"] = len(statements)

        with counting(database) as statements:
            placed = await client.post(
                "/api/v1/checkout",
                json=checkout_body(cart["id"]),
                headers={**token, "Idempotency-Key": "budget-1"},
            )
        assert placed.status_code == 201, placed.text
        assert placed.json()["status"] == "paid"
        spent["checkout"] = len(statements)

        assert spent == BUDGET
