"""Orders through the back-office pages, paid through the real sandbox provider (its own
loopback server, as in the orders tests): list, detail, ship with tracking, refund, cancel,
CSV export; support staff may read but not act."""

from __future__ import annotations

import csv
import io
from typing import Any

import httpx

from shop.db.session import Database
from shop.models.accounts import Role
from tests.builders.orders import buy
from tests.shop.admin.conftest import audit_entries, flash_of
from tests.shop.checkout.payment_fixtures import (  # noqa: F401 (pytest fixtures)
    app_settings,
    sandbox_server,
    webhook_receiver,
)
from tests.shop.storefront.html import parse


class TestOrderPages:
    async def test_list_ship_refund_export(
        self, browsers: Any, client: httpx.AsyncClient, database: Database
    ) -> None:
        order, _ = await buy(client, database, price=2000, email="ada@example.com")
        number = order["number"]
        manager = await browsers(Role.MANAGER)

        listing = await manager.page("/admin/orders?status=paid")
        assert [r.get("data-order-number") for r in listing.find_all("order-row")] == [number]
        assert (await manager.page("/admin/orders?status=shipped")).find_all("order-row") == []
        by_email = await manager.page("/admin/orders?email=ADA@example.com")
        assert len(by_email.find_all("order-row")) == 1

        url = f"/admin/orders/{number}"
        detail = await manager.page(url)
        assert detail.find("order-status").text == "paid"
        assert detail.find("fulfil-form")
        assert [e.get("data-type") for e in detail.find("order-events").find_all("order-event")]

        empty = await manager.post(
            f"{url}/fulfil", {"carrier": "", "tracking_number": ""}, form_page=url
        )
        assert empty.status_code == 422
        assert parse(empty.text).find("order-status").text == "paid"

        shipped = await manager.post(
            f"{url}/fulfil", {"carrier": "UPS", "tracking_number": "1Z999AA1"}, form_page=url
        )
        assert shipped.status_code == 303
        detail = await manager.page(url)
        assert "1Z999AA1" in flash_of(detail)
        assert detail.find("order-status").text == "shipped"
        assert detail.find("tracking-number").text == "1Z999AA1"
        assert "shipped" in [
            e.get("data-type") for e in detail.find("order-events").find_all("order-event")
        ]
        assert [b.get("data-testid") for b in detail.find_all("order-transition-delivered")]

        too_much = await manager.post(
            f"{url}/refund", {"amount": "9999.00", "reason": "all"}, form_page=url
        )
        assert too_much.status_code == 409
        bad = await manager.post(f"{url}/refund", {"amount": "ten", "reason": ""}, form_page=url)
        assert bad.status_code == 422
        assert "amount" in parse(bad.text).find("form-errors").text
        refunded = await manager.post(
            f"{url}/refund", {"amount": "5.00", "reason": "scratched"}, form_page=url
        )
        assert refunded.status_code == 303
        detail = await manager.page(url)
        assert detail.find("order-refunded").get("data-amount") == "500"

        delivered = await manager.post(f"{url}/transitions", {"to": "delivered"}, form_page=url)
        assert delivered.status_code == 303
        assert (await manager.page(url)).find("order-status").text == "delivered"
        illegal = await manager.post(f"{url}/transitions", {"to": "paid"}, form_page=url)
        assert illegal.status_code == 303
        assert "offered" in flash_of(await manager.page(url))

        exported = await manager.get("/admin/orders/export.csv")
        rows = list(csv.DictReader(io.StringIO(exported.text)))
        assert [(r["number"], r["status"], r["refunded"]) for r in rows] == [
            (number, "delivered", "5.00")
        ]
        actions = [e.action for e in await audit_entries(database)]
        assert actions == ["order.fulfil", "order.refund", "order.transition", "orders.export"]
        fulfil = (await audit_entries(database, "order.fulfil"))[0]
        assert fulfil.before == {"status": "paid"}
        assert fulfil.after == {
            "status": "shipped",
            "carrier": "UPS",
            "tracking_number": "1Z999AA1",
        }

    async def test_cancel_and_support_reads_only(
        self, browsers: Any, client: httpx.AsyncClient, database: Database
    ) -> None:
        order, _ = await buy(client, database)
        url = f"/admin/orders/{order['number']}"
        support = await browsers(Role.SUPPORT)
        page = await support.page(url)
        assert page.find_all("fulfil-form") == []
        assert page.find_all("order-transition-cancelled") == []
        refused = await support.post(f"{url}/transitions", {"to": "cancelled"}, form_page=url)
        assert refused.status_code == 403

        manager = await browsers(Role.MANAGER)
        cancelled = await manager.post(
            f"{url}/transitions", {"to": "cancelled", "reason": "customer asked"}, form_page=url
        )
        assert cancelled.status_code == 303
        assert (await manager.page(url)).find("order-status").text == "cancelled"
        entry = (await audit_entries(database, "order.transition"))[0]
        assert entry.after == {"status": "cancelled", "reason": "customer asked"}
        missing = await manager.get("/admin/orders/SW-NOPE0000")
        assert missing.status_code == 404


class TestExport:
    async def test_a_formula_in_a_customer_value_is_exported_as_text(
        self, browsers: Any, client: httpx.AsyncClient, database: Database
    ) -> None:
        await buy(client, database, email="=1+1@example.com")
        manager = await browsers(Role.MANAGER)

        exported = await manager.get("/admin/orders/export.csv")

        [row] = list(csv.DictReader(io.StringIO(exported.text)))
        assert row["email"] == "'=1+1@example.com"
        assert row["total"].replace(".", "").isdigit()
