"""The admin JSON API writes an audit entry for every change, in the change's transaction."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import select

from shop.db.session import Database
from shop.models.accounts import Role, User
from shop.models.audit import AuditEntry
from tests.builders.accounts import bearer, create_user
from tests.conftest import TEST_SECRET

ADMIN = "/api/v1/admin"
AGENT = {"User-Agent": "audit-test/1.0"}


async def _staff(database: Database, role: Role) -> tuple[User, dict[str, str]]:
    async with database.transaction() as session:
        user = await create_user(session, role=role)
    return user, {**bearer(user, secret=TEST_SECRET), **AGENT}


async def _entries(database: Database) -> list[AuditEntry]:
    async with database.read() as session:
        entries = list(await session.scalars(select(AuditEntry).order_by(AuditEntry.id)))
        session.expunge_all()  # keep the loaded values past the read's rollback
        return entries


def _usd(amount: int) -> dict[str, Any]:
    return {"amount": amount, "currency": "USD"}


class TestCatalogAudit:
    async def test_create_update_archive_are_recorded_with_before_and_after(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        manager, headers = await _staff(database, Role.MANAGER)
        created = await client.post(
            f"{ADMIN}/products",
            json={"name": "Audit Mug", "variants": [{"sku": "AUD-1", "price": _usd(900)}]},
            headers=headers,
        )
        assert created.status_code == 201, created.text
        product_id = created.json()["id"]
        changed = await client.patch(
            f"{ADMIN}/products/{product_id}", json={"name": "Audit Cup"}, headers=headers
        )
        assert changed.status_code == 200
        archived = await client.delete(f"{ADMIN}/products/{product_id}", headers=headers)
        assert archived.status_code == 204

        entries = await _entries(database)
        assert [e.action for e in entries] == [
            "product.create",
            "product.update",
            "product.archive",
        ]
        assert {e.entity_id for e in entries} == {str(product_id)}
        assert {(e.actor_user_id, e.actor_email) for e in entries} == {(manager.id, manager.email)}
        assert {(e.client_ip, e.user_agent) for e in entries} == {("203.0.113.7", "audit-test/1.0")}
        create, update, _ = entries
        assert create.before is None
        assert create.after is not None
        assert create.after["variants"][0]["sku"] == "AUD-1"
        assert update.before is not None
        assert update.after is not None
        assert (update.before["name"], update.after["name"]) == ("Audit Mug", "Audit Cup")

    async def test_refused_requests_leave_no_entry(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        _, manager = await _staff(database, Role.MANAGER)
        _, support = await _staff(database, Role.SUPPORT)
        forbidden = await client.post(f"{ADMIN}/categories", json={"name": "Nope"}, headers=support)
        assert forbidden.status_code == 403
        missing = await client.patch(
            f"{ADMIN}/products/999999", json={"name": "x"}, headers=manager
        )
        assert missing.status_code == 404
        invalid = await client.post(f"{ADMIN}/categories", json={"name": ""}, headers=manager)
        assert invalid.status_code == 422
        assert await _entries(database) == []


class TestOtherAdminRoutes:
    async def test_coupons_stock_and_staff_are_recorded(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        _, manager = await _staff(database, Role.MANAGER)
        admin, admin_headers = await _staff(database, Role.ADMIN)
        coupon = await client.post(
            f"{ADMIN}/coupons",
            json={"code": "audit10", "kind": "percentage", "percent_off": 10},
            headers=manager,
        )
        assert coupon.status_code == 201, coupon.text
        product = await client.post(
            f"{ADMIN}/products",
            json={"name": "Stocked", "variants": [{"sku": "AUD-2", "price": _usd(500)}]},
            headers=manager,
        )
        variant_id = product.json()["variants"][0]["id"]
        adjusted = await client.post(
            f"{ADMIN}/inventory/{variant_id}/adjustments",
            json={"delta": 4, "reason": "delivery"},
            headers=manager,
        )
        assert adjusted.status_code == 201, adjusted.text
        created = await client.post(
            f"{ADMIN}/staff",
            json={
                "email": "new.agent@example.com",
                "role": "support",
                "password": "a long p4ssword!",
            },
            headers=admin_headers,
        )
        assert created.status_code == 201, created.text
        promoted = await client.patch(
            f"{ADMIN}/staff/{created.json()['id']}", json={"role": "manager"}, headers=admin_headers
        )
        assert promoted.status_code == 200, promoted.text

        by_action = {e.action: e for e in await _entries(database)}
        assert set(by_action) == {
            "coupon.create",
            "product.create",
            "stock.adjust",
            "staff.create",
            "staff.update",
        }
        assert by_action["coupon.create"].after is not None
        assert by_action["coupon.create"].after["code"] == "AUDIT10"
        stock = by_action["stock.adjust"]
        assert (stock.entity_type, stock.entity_id) == ("variant", str(variant_id))
        assert stock.before == {"on_hand": 0}
        assert stock.after == {"on_hand": 4, "delta": 4, "reason": "delivery"}
        staff = by_action["staff.update"]
        assert staff.actor_user_id == admin.id
        assert staff.before is not None
        assert staff.after is not None
        assert (staff.before["role"], staff.after["role"]) == ("support", "manager")
