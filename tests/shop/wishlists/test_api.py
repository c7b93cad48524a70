from __future__ import annotations

import asyncio

import httpx
import pytest
from sqlalchemy import select

from shop.db.session import Database
from shop.models.catalog import ProductStatus
from shop.models.engagement import WishlistItem
from tests.builders.carts import change_product, create_customer, create_variant


async def saved(database: Database, user_id: int) -> list[int]:
    async with database.read() as session:
        result = await session.execute(
            select(WishlistItem.product_id)
            .where(WishlistItem.user_id == user_id)
            .order_by(WishlistItem.id)
        )
        return list(result.scalars())


class TestAddToWishlist:
    async def test_adds_a_product(self, client: httpx.AsyncClient, database: Database) -> None:
        async with database.transaction() as session:
            alice = await create_customer(session)
            variant = await create_variant(
                session, price=2500, name="Canvas Tote", images=[("/media/tote.jpg", "tote")]
            )

        response = await client.post(
            "/api/v1/wishlist", json={"product_id": variant.product_id}, headers=alice.headers
        )

        assert response.status_code == 201
        body = response.json()
        assert body.pop("added_at")
        assert body == {
            "product_id": variant.product_id,
            "product": {
                "id": variant.product_id,
                "slug": variant.product.slug,
                "name": "Canvas Tote",
                "price": {"amount": 2500, "currency": "USD"},
                "image": {"url": "/media/tote.jpg", "alt": "tote"},
                "available": True,
            },
        }
        assert await saved(database, alice.user.id) == [variant.product_id]

    async def test_adding_twice_keeps_one(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        async with database.transaction() as session:
            alice = await create_customer(session)
            variant = await create_variant(session)
        body = {"product_id": variant.product_id}

        first = await client.post("/api/v1/wishlist", json=body, headers=alice.headers)
        second = await client.post("/api/v1/wishlist", json=body, headers=alice.headers)

        assert [first.status_code, second.status_code] == [201, 200]
        assert second.json()["added_at"] == first.json()["added_at"]
        assert await saved(database, alice.user.id) == [variant.product_id]

    async def test_race_concurrent_adds_keep_one(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        async with database.transaction() as session:
            alice = await create_customer(session)
            variant = await create_variant(session)

        responses = await asyncio.gather(
            *(
                client.post(
                    "/api/v1/wishlist",
                    json={"product_id": variant.product_id},
                    headers=alice.headers,
                )
                for _ in range(5)
            )
        )

        assert sorted(r.status_code for r in responses) == [200, 200, 200, 200, 201]
        assert await saved(database, alice.user.id) == [variant.product_id]

    @pytest.mark.parametrize("status", [ProductStatus.DRAFT, ProductStatus.ARCHIVED])
    async def test_only_active_products(
        self, client: httpx.AsyncClient, database: Database, status: ProductStatus
    ) -> None:
        async with database.transaction() as session:
            alice = await create_customer(session)
            variant = await create_variant(session, product_status=status)

        response = await client.post(
            "/api/v1/wishlist", json={"product_id": variant.product_id}, headers=alice.headers
        )

        assert response.status_code == 422
        assert response.json()["code"] == "product_unavailable"
        assert await saved(database, alice.user.id) == []

    async def test_unknown_product(self, client: httpx.AsyncClient, database: Database) -> None:
        async with database.transaction() as session:
            alice = await create_customer(session)

        response = await client.post(
            "/api/v1/wishlist", json={"product_id": 999999}, headers=alice.headers
        )

        assert response.status_code == 422
        assert response.json()["code"] == "unknown_product"
        assert await saved(database, alice.user.id) == []

    @pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
    @pytest.mark.parametrize("body", [{}, {"product_id": 0}, {"product_id": 1, "note": "x"}])
    async def test_invalid_body(
        self, client: httpx.AsyncClient, database: Database, body: dict[str, object]
    ) -> None:
        async with database.transaction() as session:
            alice = await create_customer(session)

        response = await client.post("/api/v1/wishlist", json=body, headers=alice.headers)

        assert response.status_code == 422
        assert response.json()["code"] == "validation_error"

    async def test_anonymous(self, client: httpx.AsyncClient, database: Database) -> None:
        async with database.transaction() as session:
            variant = await create_variant(session)

        response = await client.post("/api/v1/wishlist", json={"product_id": variant.product_id})

        assert response.status_code == 401
        assert response.json()["code"] == "not_authenticated"


class TestListWishlist:
    async def test_own_items_newest_first(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        async with database.transaction() as session:
            alice = await create_customer(session)
            bob = await create_customer(session)
            older = await create_variant(session)
            newer = await create_variant(session)
            bobs = await create_variant(session)
        for customer, variant in ((alice, older), (alice, newer), (bob, bobs)):
            await client.post(
                "/api/v1/wishlist",
                json={"product_id": variant.product_id},
                headers=customer.headers,
            )

        response = await client.get("/api/v1/wishlist", headers=alice.headers)

        assert response.status_code == 200
        body = response.json()
        assert [item["product_id"] for item in body["items"]] == [
            newer.product_id,
            older.product_id,
        ]
        assert (body["total"], body["page"], body["page_size"]) == (2, 1, 24)

    async def test_archived_product_is_listed_as_unavailable(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        async with database.transaction() as session:
            alice = await create_customer(session)
            variant = await create_variant(session)
        await client.post(
            "/api/v1/wishlist", json={"product_id": variant.product_id}, headers=alice.headers
        )
        async with database.transaction() as session:
            await change_product(session, variant.product_id, status=ProductStatus.ARCHIVED)

        response = await client.get("/api/v1/wishlist", headers=alice.headers)

        items = response.json()["items"]
        assert [(i["product_id"], i["product"]["available"]) for i in items] == [
            (variant.product_id, False)
        ]

    @pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
    async def test_anonymous(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/api/v1/wishlist")

        assert response.status_code == 401


class TestRemoveFromWishlist:
    async def test_removes_idempotently(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        async with database.transaction() as session:
            alice = await create_customer(session)
            kept = await create_variant(session)
            removed = await create_variant(session)
        for variant in (kept, removed):
            await client.post(
                "/api/v1/wishlist", json={"product_id": variant.product_id}, headers=alice.headers
            )

        first = await client.delete(f"/api/v1/wishlist/{removed.product_id}", headers=alice.headers)
        second = await client.delete(
            f"/api/v1/wishlist/{removed.product_id}", headers=alice.headers
        )

        assert [first.status_code, second.status_code] == [204, 204]
        assert await saved(database, alice.user.id) == [kept.product_id]

    async def test_touches_only_own_wishlist(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        async with database.transaction() as session:
            alice = await create_customer(session)
            bob = await create_customer(session)
            variant = await create_variant(session)
        await client.post(
            "/api/v1/wishlist", json={"product_id": variant.product_id}, headers=alice.headers
        )

        response = await client.delete(
            f"/api/v1/wishlist/{variant.product_id}", headers=bob.headers
        )

        assert response.status_code == 204
        assert await saved(database, alice.user.id) == [variant.product_id]

    async def test_anonymous(self, client: httpx.AsyncClient, database: Database) -> None:
        async with database.transaction() as session:
            alice = await create_customer(session)
            variant = await create_variant(session)
        await client.post(
            "/api/v1/wishlist", json={"product_id": variant.product_id}, headers=alice.headers
        )

        response = await client.delete(f"/api/v1/wishlist/{variant.product_id}")

        assert response.status_code == 401
        assert await saved(database, alice.user.id) == [variant.product_id]
