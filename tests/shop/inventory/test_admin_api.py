from __future__ import annotations

import httpx

from shop.db.session import Database
from shop.models.accounts import Role
from tests.builders.accounts import bearer, create_user
from tests.builders.orders import create_variant, movements, on_hand
from tests.conftest import TEST_SECRET


async def staff_headers(database: Database, role: Role = Role.MANAGER) -> dict[str, str]:
    async with database.transaction() as session:
        user = await create_user(session, role=role)
    return bearer(user, secret=TEST_SECRET)


async def new_variant(database: Database, *, stock: int) -> tuple[int, str]:
    async with database.transaction() as session:
        variant = await create_variant(session, stock=stock)
        return variant.id, variant.sku


async def ledger(database: Database, variant_id: int) -> tuple[int, list[tuple[str, int]]]:
    async with database.read() as session:
        return await on_hand(session, variant_id), await movements(session, variant_id)


class TestAdjustStock:
    async def test_manager_adjusts_with_a_reason(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        variant_id, sku = await new_variant(database, stock=4)
        headers = await staff_headers(database)

        response = await client.post(
            f"/api/v1/admin/inventory/{variant_id}/adjustments",
            json={"delta": 6, "reason": "delivery from supplier"},
            headers=headers,
        )

        assert response.status_code == 201
        body = response.json()
        assert body["stock"] == {
            "variant_id": variant_id,
            "sku": sku,
            "on_hand": 10,
            "track_inventory": True,
            "low_stock_threshold": 5,
            "low_stock": False,
        }
        assert body["movement"]["kind"] == "adjustment"
        assert body["movement"]["delta"] == 6
        assert body["movement"]["reason"] == "delivery from supplier"
        assert await ledger(database, variant_id) == (10, [("import", 4), ("adjustment", 6)])

    async def test_below_zero_is_a_conflict(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        variant_id, _ = await new_variant(database, stock=2)

        response = await client.post(
            f"/api/v1/admin/inventory/{variant_id}/adjustments",
            json={"delta": -3, "reason": "count"},
            headers=await staff_headers(database),
        )

        assert response.status_code == 409
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["code"] == "stock_would_go_negative"
        assert response.json()["on_hand"] == 2
        assert await ledger(database, variant_id) == (2, [])

    async def test_bad_input_is_422_and_changes_nothing(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        variant_id, _ = await new_variant(database, stock=2)
        manager = await staff_headers(database)
        bodies: list[dict[str, object]] = [
            {"delta": 1},
            {"delta": 1, "reason": ""},
            {"delta": 1, "reason": "   "},
            {"delta": 0, "reason": "nothing"},
            {"delta": "1", "reason": "string delta"},
            {"delta": 1, "reason": "x", "extra": True},
        ]

        for body in bodies:
            response = await client.post(
                f"/api/v1/admin/inventory/{variant_id}/adjustments", json=body, headers=manager
            )

            assert response.status_code == 422, body
            assert response.json()["code"] == "validation_error"
        assert await ledger(database, variant_id) == (2, [])

    async def test_unknown_variant_is_404(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        response = await client.post(
            "/api/v1/admin/inventory/999999/adjustments",
            json={"delta": 1, "reason": "count"},
            headers=await staff_headers(database),
        )

        assert response.status_code == 404
        assert response.json()["code"] == "variant_not_found"

    async def test_support_may_not_adjust(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        variant_id, _ = await new_variant(database, stock=2)

        response = await client.post(
            f"/api/v1/admin/inventory/{variant_id}/adjustments",
            json={"delta": 1, "reason": "count"},
            headers=await staff_headers(database, Role.SUPPORT),
        )

        assert response.status_code == 403
        assert response.json()["code"] == "missing_permission"
        assert await ledger(database, variant_id) == (2, [])


class TestListMovements:
    async def test_support_reads_newest_first_paged(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        variant_id, _ = await new_variant(database, stock=1)
        manager = await staff_headers(database)
        for delta in (1, 2, 3):
            response = await client.post(
                f"/api/v1/admin/inventory/{variant_id}/adjustments",
                json={"delta": delta, "reason": f"delivery {delta}"},
                headers=manager,
            )
            assert response.status_code == 201

        response = await client.get(
            f"/api/v1/admin/inventory/{variant_id}/movements",
            params={"page": 1, "page_size": 2},
            headers=await staff_headers(database, Role.SUPPORT),
        )

        assert response.status_code == 200
        body = response.json()
        assert (body["total"], body["page"], body["page_size"]) == (4, 1, 2)
        assert [(m["kind"], m["delta"]) for m in body["items"]] == [
            ("adjustment", 3),
            ("adjustment", 2),
        ]

    async def test_customer_is_forbidden(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        variant_id, _ = await new_variant(database, stock=1)

        response = await client.get(
            f"/api/v1/admin/inventory/{variant_id}/movements",
            headers=await staff_headers(database, Role.CUSTOMER),
        )

        assert response.status_code == 403
