from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from shop.db.session import Database
from shop.kit.clock import utcnow
from shop.models.carts import Cart, CartLine
from shop.models.catalog import ProductStatus
from shop.models.pricing import CouponKind
from tests.builders.accounts import DEFAULT_PASSWORD
from tests.builders.carts import (
    change_product,
    change_variant,
    create_cart,
    create_coupon,
    create_customer,
    create_variant,
)

USD = "USD"


def usd(amount: int) -> dict[str, Any]:
    return {"amount": amount, "currency": USD}


def token_header(token: str) -> dict[str, str]:
    return {"X-Cart-Token": token}


async def lines_in_db(database: Database, cart_id: int) -> list[tuple[int, int]]:
    async with database.read() as session:
        result = await session.execute(
            select(CartLine.variant_id, CartLine.quantity)
            .where(CartLine.cart_id == cart_id)
            .order_by(CartLine.id)
        )
        return [(variant_id, quantity) for variant_id, quantity in result]


@dataclass(frozen=True)
class StoredCart:
    user_id: int | None
    token_hash: str
    coupon_code: str | None
    updated_at: datetime


async def cart_in_db(database: Database, cart_id: int) -> StoredCart | None:
    async with database.read() as session:
        cart = await session.get(Cart, cart_id)
        if cart is None:
            return None
        return StoredCart(cart.user_id, cart.token_hash, cart.coupon_code, cart.updated_at)


async def cart_count(database: Database) -> int:
    async with database.read() as session:
        return int((await session.execute(select(func.count()).select_from(Cart))).scalar_one())


class TestCreateCart:
    async def test_anonymous_cart_gets_a_token(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        response = await client.post("/api/v1/carts")

        assert response.status_code == 201
        body = response.json()
        token = body.pop("token")
        assert len(token) >= 43
        assert body.pop("created_at")
        assert body.pop("updated_at")
        assert body == {
            "id": body["id"],
            "status": "open",
            "currency": USD,
            "coupon_code": None,
            "lines": [],
            "totals": {"subtotal": usd(0), "item_count": 0},
            "has_issues": False,
        }
        cart = await cart_in_db(database, body["id"])
        assert cart is not None
        assert cart.user_id is None
        assert cart.token_hash == hashlib.sha256(token.encode()).hexdigest()

    async def test_customer_cart_belongs_to_the_customer(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        async with database.transaction() as session:
            alice = await create_customer(session)

        response = await client.post("/api/v1/carts", headers=alice.headers)

        assert response.status_code == 201
        assert response.json()["token"] is not None
        cart = await cart_in_db(database, response.json()["id"])
        assert cart is not None
        assert cart.user_id == alice.user.id

    async def test_customer_gets_their_open_cart_back(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        async with database.transaction() as session:
            alice = await create_customer(session)
        first = await client.post("/api/v1/carts", headers=alice.headers)

        second = await client.post("/api/v1/carts", headers=alice.headers)

        assert second.status_code == 200
        assert second.json()["id"] == first.json()["id"]
        assert second.json()["token"] is None
        assert await cart_count(database) == 1

    async def test_checked_out_cart_is_not_reused(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        async with database.transaction() as session:
            alice = await create_customer(session)
            old, _ = await create_cart(session, user=alice.user, converted_at=utcnow())

        response = await client.post("/api/v1/carts", headers=alice.headers)

        assert response.status_code == 201
        assert response.json()["id"] != old.id
        assert await cart_count(database) == 2

    @pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
    async def test_invalid_bearer_token(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        response = await client.post("/api/v1/carts", headers={"Authorization": "Bearer nope"})

        assert response.status_code == 401
        assert response.json()["code"] == "invalid_token"
        assert await cart_count(database) == 0


class TestGetCart:
    async def test_lines_at_current_prices(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        async with database.transaction() as session:
            variant = await create_variant(
                session,
                price=1250,
                name="Trail Shoe",
                title="Size 42",
                images=[("/media/shoe-2.jpg", "side"), ("/media/shoe-1.jpg", "front")],
            )
            cart, token = await create_cart(session, lines=[(variant, 3)])
            await change_variant(session, variant.id, price_amount=1300)

        response = await client.get(f"/api/v1/carts/{cart.id}", headers=token_header(token))

        assert response.status_code == 200
        body = response.json()
        line_id = body["lines"][0]["id"]
        assert body["lines"] == [
            {
                "id": line_id,
                "variant_id": variant.id,
                "product_id": variant.product_id,
                "product_name": "Trail Shoe",
                "product_slug": variant.product.slug,
                "variant_title": "Size 42",
                "sku": variant.sku,
                "image_url": "/media/shoe-2.jpg",
                "unit_price": usd(1300),
                "quantity": 3,
                "line_total": usd(3900),
                "available_quantity": 10,
                "issues": [],
            }
        ]
        assert body["totals"] == {"subtotal": usd(3900), "item_count": 3}
        assert body["has_issues"] is False
        assert "token" not in body

    async def test_unbuyable_lines_are_flagged_not_dropped(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        async with database.transaction() as session:
            archived = await create_variant(session, price=100)
            inactive = await create_variant(session, price=200)
            sold_out = await create_variant(session, price=300, stock=0)
            short = await create_variant(session, price=400, stock=2)
            untracked = await create_variant(session, price=500, stock=0, track_inventory=False)
            fine = await create_variant(session, price=600, stock=5)
            cart, token = await create_cart(
                session,
                lines=[
                    (archived, 1),
                    (inactive, 1),
                    (sold_out, 1),
                    (short, 3),
                    (untracked, 4),
                    (fine, 5),
                ],
            )
            await change_product(session, archived.product_id, status=ProductStatus.ARCHIVED)
            await change_variant(session, inactive.id, is_active=False)

        response = await client.get(f"/api/v1/carts/{cart.id}", headers=token_header(token))

        assert response.status_code == 200
        body = response.json()
        flags = [
            (line["variant_id"], line["issues"], line["available_quantity"])
            for line in body["lines"]
        ]
        assert flags == [
            (archived.id, ["unavailable"], 0),
            (inactive.id, ["unavailable"], 0),
            (sold_out.id, ["out_of_stock"], 0),
            (short.id, ["insufficient_stock"], 2),
            (untracked.id, [], None),
            (fine.id, [], 5),
        ]
        assert body["has_issues"] is True
        assert body["totals"] == {
            "subtotal": usd(100 + 200 + 300 + 1200 + 2000 + 3000),
            "item_count": 15,
        }

    async def test_checked_out_cart_reads_as_converted(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        async with database.transaction() as session:
            cart, token = await create_cart(session, converted_at=utcnow())

        response = await client.get(f"/api/v1/carts/{cart.id}", headers=token_header(token))

        assert response.status_code == 200
        assert response.json()["status"] == "converted"

    async def test_customer_opens_own_cart_with_bearer(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        async with database.transaction() as session:
            alice = await create_customer(session)
            cart, _ = await create_cart(session, user=alice.user)

        response = await client.get(f"/api/v1/carts/{cart.id}", headers=alice.headers)

        assert response.status_code == 200
        assert response.json()["id"] == cart.id

    async def test_token_opens_a_customer_cart(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        async with database.transaction() as session:
            alice = await create_customer(session)
            cart, token = await create_cart(session, user=alice.user)

        response = await client.get(f"/api/v1/carts/{cart.id}", headers=token_header(token))

        assert response.status_code == 200

    async def test_missing_token(self, client: httpx.AsyncClient, database: Database) -> None:
        async with database.transaction() as session:
            cart, _ = await create_cart(session)

        response = await client.get(f"/api/v1/carts/{cart.id}")

        assert response.status_code == 404
        assert response.json()["code"] == "cart_not_found"

    async def test_wrong_token(self, client: httpx.AsyncClient, database: Database) -> None:
        async with database.transaction() as session:
            cart, _ = await create_cart(session)
            _, other_token = await create_cart(session)

        response = await client.get(f"/api/v1/carts/{cart.id}", headers=token_header(other_token))

        assert response.status_code == 404
        assert response.json()["code"] == "cart_not_found"

    async def test_other_customer_cannot_read(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        async with database.transaction() as session:
            alice = await create_customer(session)
            bob = await create_customer(session)
            cart, _ = await create_cart(session, user=alice.user)

        response = await client.get(f"/api/v1/carts/{cart.id}", headers=bob.headers)

        assert response.status_code == 404
        assert response.json()["code"] == "cart_not_found"

    async def test_bearer_does_not_open_an_anonymous_cart(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        async with database.transaction() as session:
            alice = await create_customer(session)
            cart, _ = await create_cart(session)

        response = await client.get(f"/api/v1/carts/{cart.id}", headers=alice.headers)

        assert response.status_code == 404

    async def test_unknown_cart_looks_like_a_forbidden_one(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        async with database.transaction() as session:
            cart, _ = await create_cart(session)

        forbidden = await client.get(f"/api/v1/carts/{cart.id}")
        unknown = await client.get(f"/api/v1/carts/{cart.id + 1000}")

        assert unknown.status_code == forbidden.status_code == 404
        assert {k: v for k, v in unknown.json().items() if k != "detail"} == {
            k: v for k, v in forbidden.json().items() if k != "detail"
        }

    @pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
    async def test_id_out_of_range(self, client: httpx.AsyncClient) -> None:
        response = await client.get(f"/api/v1/carts/{2**63}")

        assert response.status_code == 422


class TestDeleteCart:
    async def test_deletes_cart_and_lines(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        async with database.transaction() as session:
            variant = await create_variant(session)
            cart, token = await create_cart(session, lines=[(variant, 1)])

        response = await client.delete(f"/api/v1/carts/{cart.id}", headers=token_header(token))

        assert response.status_code == 204
        assert await cart_in_db(database, cart.id) is None
        assert await lines_in_db(database, cart.id) == []

    async def test_other_customer_cannot_delete(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        async with database.transaction() as session:
            alice = await create_customer(session)
            bob = await create_customer(session)
            variant = await create_variant(session)
            cart, _ = await create_cart(session, user=alice.user, lines=[(variant, 2)])

        response = await client.delete(f"/api/v1/carts/{cart.id}", headers=bob.headers)

        assert response.status_code == 404
        assert await lines_in_db(database, cart.id) == [(variant.id, 2)]


class TestAddItem:
    async def test_adds_a_line(self, client: httpx.AsyncClient, database: Database) -> None:
        async with database.transaction() as session:
            variant = await create_variant(session, price=999)
            cart, token = await create_cart(session)

        response = await client.post(
            f"/api/v1/carts/{cart.id}/items",
            json={"variant_id": variant.id, "quantity": 2},
            headers=token_header(token),
        )

        assert response.status_code == 200
        body = response.json()
        assert [(line["variant_id"], line["quantity"]) for line in body["lines"]] == [
            (variant.id, 2)
        ]
        assert body["lines"][0]["line_total"] == usd(1998)
        assert body["totals"] == {"subtotal": usd(1998), "item_count": 2}
        assert await lines_in_db(database, cart.id) == [(variant.id, 2)]

    async def test_quantity_defaults_to_one(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        async with database.transaction() as session:
            variant = await create_variant(session)
            cart, token = await create_cart(session)

        response = await client.post(
            f"/api/v1/carts/{cart.id}/items",
            json={"variant_id": variant.id},
            headers=token_header(token),
        )

        assert response.status_code == 200
        assert await lines_in_db(database, cart.id) == [(variant.id, 1)]

    async def test_same_variant_grows_its_line(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        async with database.transaction() as session:
            variant = await create_variant(session)
            cart, token = await create_cart(session, lines=[(variant, 2)])

        response = await client.post(
            f"/api/v1/carts/{cart.id}/items",
            json={"variant_id": variant.id, "quantity": 3},
            headers=token_header(token),
        )

        assert response.status_code == 200
        assert await lines_in_db(database, cart.id) == [(variant.id, 5)]

    async def test_line_sum_capped_at_99(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        async with database.transaction() as session:
            variant = await create_variant(session)
            cart, token = await create_cart(session, lines=[(variant, 98)])

        response = await client.post(
            f"/api/v1/carts/{cart.id}/items",
            json={"variant_id": variant.id, "quantity": 2},
            headers=token_header(token),
        )

        assert response.status_code == 422
        body = response.json()
        assert body["code"] == "quantity_limit_exceeded"
        assert (body["in_cart"], body["max_quantity"]) == (98, 99)
        assert await lines_in_db(database, cart.id) == [(variant.id, 98)]

    async def test_exactly_99_is_allowed(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        async with database.transaction() as session:
            variant = await create_variant(session)
            cart, token = await create_cart(session, lines=[(variant, 98)])

        response = await client.post(
            f"/api/v1/carts/{cart.id}/items",
            json={"variant_id": variant.id, "quantity": 1},
            headers=token_header(token),
        )

        assert response.status_code == 200
        assert await lines_in_db(database, cart.id) == [(variant.id, 99)]

    @pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
    async def test_quantity_out_of_range(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        async with database.transaction() as session:
            variant = await create_variant(session)
            cart, token = await create_cart(session)

        responses = [
            await client.post(
                f"/api/v1/carts/{cart.id}/items",
                json={"variant_id": variant.id, "quantity": quantity},
                headers=token_header(token),
            )
            for quantity in (0, 100, -1)
        ]

        assert [r.status_code for r in responses] == [422, 422, 422]
        assert {r.json()["errors"][0]["field"] for r in responses} == {"quantity"}
        assert await lines_in_db(database, cart.id) == []

    async def test_unknown_variant(self, client: httpx.AsyncClient, database: Database) -> None:
        async with database.transaction() as session:
            cart, token = await create_cart(session)

        response = await client.post(
            f"/api/v1/carts/{cart.id}/items",
            json={"variant_id": 987654, "quantity": 1},
            headers=token_header(token),
        )

        assert response.status_code == 422
        assert response.json()["code"] == "unknown_variant"
        assert await lines_in_db(database, cart.id) == []

    async def test_inactive_variant_or_archived_product(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        async with database.transaction() as session:
            inactive = await create_variant(session, is_active=False)
            archived = await create_variant(session, product_status=ProductStatus.ARCHIVED)
            draft = await create_variant(session, product_status=ProductStatus.DRAFT)
            cart, token = await create_cart(session)

        codes = [
            (
                await client.post(
                    f"/api/v1/carts/{cart.id}/items",
                    json={"variant_id": variant.id, "quantity": 1},
                    headers=token_header(token),
                )
            ).json()["code"]
            for variant in (inactive, archived, draft)
        ]

        assert codes == ["variant_unavailable"] * 3
        assert await lines_in_db(database, cart.id) == []

    async def test_out_of_stock_variant_is_added_and_flagged(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        async with database.transaction() as session:
            variant = await create_variant(session, stock=0)
            cart, token = await create_cart(session)

        response = await client.post(
            f"/api/v1/carts/{cart.id}/items",
            json={"variant_id": variant.id, "quantity": 1},
            headers=token_header(token),
        )

        assert response.status_code == 200
        assert response.json()["lines"][0]["issues"] == ["out_of_stock"]

    async def test_without_token(self, client: httpx.AsyncClient, database: Database) -> None:
        async with database.transaction() as session:
            variant = await create_variant(session)
            cart, _ = await create_cart(session)

        response = await client.post(
            f"/api/v1/carts/{cart.id}/items", json={"variant_id": variant.id, "quantity": 1}
        )

        assert response.status_code == 404
        assert await lines_in_db(database, cart.id) == []

    async def test_other_customer_cannot_add(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        async with database.transaction() as session:
            alice = await create_customer(session)
            bob = await create_customer(session)
            variant = await create_variant(session)
            cart, _ = await create_cart(session, user=alice.user)

        response = await client.post(
            f"/api/v1/carts/{cart.id}/items",
            json={"variant_id": variant.id, "quantity": 1},
            headers=bob.headers,
        )

        assert response.status_code == 404
        assert await lines_in_db(database, cart.id) == []

    async def test_touches_updated_at(self, client: httpx.AsyncClient, database: Database) -> None:
        long_ago = utcnow() - timedelta(days=30)
        async with database.transaction() as session:
            variant = await create_variant(session)
            cart, token = await create_cart(session, updated_at=long_ago)

        response = await client.post(
            f"/api/v1/carts/{cart.id}/items",
            json={"variant_id": variant.id, "quantity": 1},
            headers=token_header(token),
        )

        assert response.status_code == 200
        stored = await cart_in_db(database, cart.id)
        assert stored is not None
        assert stored.updated_at > long_ago + timedelta(days=29)

    async def test_checked_out_cart_cannot_change(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        async with database.transaction() as session:
            variant = await create_variant(session)
            cart, token = await create_cart(session, converted_at=utcnow())

        response = await client.post(
            f"/api/v1/carts/{cart.id}/items",
            json={"variant_id": variant.id, "quantity": 1},
            headers=token_header(token),
        )

        assert response.status_code == 409
        assert response.json()["code"] == "cart_converted"
        assert await lines_in_db(database, cart.id) == []

    @pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
    async def test_unknown_field(self, client: httpx.AsyncClient, database: Database) -> None:
        async with database.transaction() as session:
            variant = await create_variant(session)
            cart, token = await create_cart(session)

        response = await client.post(
            f"/api/v1/carts/{cart.id}/items",
            json={"variant_id": variant.id, "quantity": 1, "price": 1},
            headers=token_header(token),
        )

        assert response.status_code == 422
        assert await lines_in_db(database, cart.id) == []


class TestUpdateItem:
    async def test_sets_quantity(self, client: httpx.AsyncClient, database: Database) -> None:
        async with database.transaction() as session:
            variant = await create_variant(session, price=500)
            cart, token = await create_cart(session, lines=[(variant, 2)])
        item_id = (
            await client.get(f"/api/v1/carts/{cart.id}", headers=token_header(token))
        ).json()["lines"][0]["id"]

        response = await client.patch(
            f"/api/v1/carts/{cart.id}/items/{item_id}",
            json={"quantity": 7},
            headers=token_header(token),
        )

        assert response.status_code == 200
        assert response.json()["totals"] == {"subtotal": usd(3500), "item_count": 7}
        assert await lines_in_db(database, cart.id) == [(variant.id, 7)]

    async def test_item_of_another_cart(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        async with database.transaction() as session:
            variant = await create_variant(session)
            cart, token = await create_cart(session)
            other, other_token = await create_cart(session, lines=[(variant, 2)])
        other_item = (
            await client.get(f"/api/v1/carts/{other.id}", headers=token_header(other_token))
        ).json()["lines"][0]["id"]

        response = await client.patch(
            f"/api/v1/carts/{cart.id}/items/{other_item}",
            json={"quantity": 5},
            headers=token_header(token),
        )

        assert response.status_code == 404
        assert response.json()["code"] == "cart_item_not_found"
        assert await lines_in_db(database, other.id) == [(variant.id, 2)]

    @pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
    async def test_quantity_out_of_range(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        async with database.transaction() as session:
            variant = await create_variant(session)
            cart, token = await create_cart(session, lines=[(variant, 2)])
        item_id = (
            await client.get(f"/api/v1/carts/{cart.id}", headers=token_header(token))
        ).json()["lines"][0]["id"]

        statuses = [
            (
                await client.patch(
                    f"/api/v1/carts/{cart.id}/items/{item_id}",
                    json={"quantity": quantity},
                    headers=token_header(token),
                )
            ).status_code
            for quantity in (0, 100)
        ]

        assert statuses == [422, 422]
        assert await lines_in_db(database, cart.id) == [(variant.id, 2)]

    async def test_wrong_token(self, client: httpx.AsyncClient, database: Database) -> None:
        async with database.transaction() as session:
            variant = await create_variant(session)
            cart, token = await create_cart(session, lines=[(variant, 2)])
            _, other_token = await create_cart(session)
        item_id = (
            await client.get(f"/api/v1/carts/{cart.id}", headers=token_header(token))
        ).json()["lines"][0]["id"]

        response = await client.patch(
            f"/api/v1/carts/{cart.id}/items/{item_id}",
            json={"quantity": 5},
            headers=token_header(other_token),
        )

        assert response.status_code == 404
        assert response.json()["code"] == "cart_not_found"
        assert await lines_in_db(database, cart.id) == [(variant.id, 2)]


class TestRemoveItem:
    async def test_removes_the_line(self, client: httpx.AsyncClient, database: Database) -> None:
        async with database.transaction() as session:
            kept = await create_variant(session, price=300)
            removed = await create_variant(session)
            cart, token = await create_cart(session, lines=[(kept, 1), (removed, 4)])
        item_id = (
            await client.get(f"/api/v1/carts/{cart.id}", headers=token_header(token))
        ).json()["lines"][1]["id"]

        response = await client.delete(
            f"/api/v1/carts/{cart.id}/items/{item_id}", headers=token_header(token)
        )

        assert response.status_code == 200
        assert response.json()["totals"] == {"subtotal": usd(300), "item_count": 1}
        assert await lines_in_db(database, cart.id) == [(kept.id, 1)]

    async def test_unknown_item(self, client: httpx.AsyncClient, database: Database) -> None:
        async with database.transaction() as session:
            cart, token = await create_cart(session)

        response = await client.delete(
            f"/api/v1/carts/{cart.id}/items/12345", headers=token_header(token)
        )

        assert response.status_code == 404
        assert response.json()["code"] == "cart_item_not_found"


class TestApplyCoupon:
    async def test_applies_a_valid_coupon(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        async with database.transaction() as session:
            variant = await create_variant(session)
            await create_coupon(session, code="SPRING10")
            cart, token = await create_cart(session, lines=[(variant, 1)])

        response = await client.put(
            f"/api/v1/carts/{cart.id}/coupon",
            json={"code": " spring10 "},
            headers=token_header(token),
        )

        assert response.status_code == 200
        assert response.json()["coupon_code"] == "SPRING10"
        stored = await cart_in_db(database, cart.id)
        assert stored is not None
        assert stored.coupon_code == "SPRING10"

    async def test_replaces_the_previous_coupon(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        async with database.transaction() as session:
            alice = await create_customer(session)
            variant = await create_variant(session)
            await create_coupon(session, code="FIRST")
            await create_coupon(session, code="SHIPFREE", kind=CouponKind.FREE_SHIPPING, value=0)
            cart, _ = await create_cart(
                session, user=alice.user, lines=[(variant, 1)], coupon_code="FIRST"
            )

        response = await client.put(
            f"/api/v1/carts/{cart.id}/coupon", json={"code": "SHIPFREE"}, headers=alice.headers
        )

        assert response.status_code == 200
        assert response.json()["coupon_code"] == "SHIPFREE"

    async def test_expired_coupon(self, client: httpx.AsyncClient, database: Database) -> None:
        async with database.transaction() as session:
            variant = await create_variant(session)
            await create_coupon(session, code="FIRST")
            await create_coupon(session, code="OLD", ends_at=utcnow() - timedelta(days=1))
            cart, token = await create_cart(session, lines=[(variant, 1)], coupon_code="FIRST")

        response = await client.put(
            f"/api/v1/carts/{cart.id}/coupon", json={"code": "OLD"}, headers=token_header(token)
        )

        assert response.status_code == 422
        assert response.json()["code"] == "coupon_expired"
        stored = await cart_in_db(database, cart.id)
        assert stored is not None
        assert (stored.coupon_code, stored.updated_at) == ("FIRST", cart.updated_at)

    async def test_minimum_spend_not_met(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        async with database.transaction() as session:
            variant = await create_variant(session, price=1000)
            await create_coupon(session, code="BIG", min_spend=5000)
            cart, token = await create_cart(session, lines=[(variant, 4)])

        response = await client.put(
            f"/api/v1/carts/{cart.id}/coupon", json={"code": "BIG"}, headers=token_header(token)
        )

        assert response.status_code == 422
        assert response.json()["code"] == "min_spend_not_met"
        stored = await cart_in_db(database, cart.id)
        assert stored is not None
        assert stored.coupon_code is None

    async def test_unknown_coupon(self, client: httpx.AsyncClient, database: Database) -> None:
        async with database.transaction() as session:
            cart, token = await create_cart(session)

        response = await client.put(
            f"/api/v1/carts/{cart.id}/coupon", json={"code": "NOPE"}, headers=token_header(token)
        )

        assert response.status_code == 422
        assert response.json()["code"] == "coupon_not_found"

    @pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
    async def test_blank_code(self, client: httpx.AsyncClient, database: Database) -> None:
        async with database.transaction() as session:
            cart, token = await create_cart(session)

        response = await client.put(
            f"/api/v1/carts/{cart.id}/coupon", json={"code": "   "}, headers=token_header(token)
        )

        assert response.status_code == 422
        assert response.json()["code"] == "validation_error"

    async def test_other_customer_cannot_apply(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        async with database.transaction() as session:
            alice = await create_customer(session)
            bob = await create_customer(session)
            await create_coupon(session, code="SPRING10")
            cart, _ = await create_cart(session, user=alice.user)

        response = await client.put(
            f"/api/v1/carts/{cart.id}/coupon", json={"code": "SPRING10"}, headers=bob.headers
        )

        assert response.status_code == 404
        stored = await cart_in_db(database, cart.id)
        assert stored is not None
        assert stored.coupon_code is None


class TestRemoveCoupon:
    async def test_removes_it(self, client: httpx.AsyncClient, database: Database) -> None:
        async with database.transaction() as session:
            cart, token = await create_cart(session, coupon_code="SPRING10")

        response = await client.delete(
            f"/api/v1/carts/{cart.id}/coupon", headers=token_header(token)
        )

        assert response.status_code == 200
        assert response.json()["coupon_code"] is None
        stored = await cart_in_db(database, cart.id)
        assert stored is not None
        assert stored.coupon_code is None


class TestMergeOnLogin:
    async def test_login_with_cart_token_merges_the_anonymous_cart(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        async with database.transaction() as session:
            shirt = await create_variant(session, price=1500)
            mug = await create_variant(session, price=800)
            customer = await create_customer(session)
            own, _ = await create_cart(session, user=customer.user, lines=[(shirt, 1)])
            anonymous, token = await create_cart(session, lines=[(shirt, 2), (mug, 1)])
        response = await client.post(
            "/api/v1/auth/login",
            json={"email": customer.user.email, "password": DEFAULT_PASSWORD},
            headers=token_header(token),
        )
        assert response.status_code == 200
        assert await lines_in_db(database, own.id) == [(shirt.id, 3), (mug.id, 1)]
        assert await cart_in_db(database, anonymous.id) is None

    async def test_login_without_cart_token_changes_no_cart(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        async with database.transaction() as session:
            shirt = await create_variant(session)
            customer = await create_customer(session)
            own, _ = await create_cart(session, user=customer.user, lines=[(shirt, 1)])
        response = await client.post(
            "/api/v1/auth/login",
            json={"email": customer.user.email, "password": DEFAULT_PASSWORD},
        )
        assert response.status_code == 200
        assert await lines_in_db(database, own.id) == [(shirt.id, 1)]

    async def test_failed_login_merges_nothing(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        async with database.transaction() as session:
            shirt = await create_variant(session)
            customer = await create_customer(session)
            anonymous, token = await create_cart(session, lines=[(shirt, 2)])
        response = await client.post(
            "/api/v1/auth/login",
            json={"email": customer.user.email, "password": "wrong password here"},
            headers=token_header(token),
        )
        assert response.status_code == 401
        assert await lines_in_db(database, anonymous.id) == [(shirt.id, 2)]
