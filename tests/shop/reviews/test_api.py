from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import select

from shop.db.session import Database
from shop.models.accounts import Role
from shop.models.catalog import Product, ProductStatus
from shop.models.engagement import Review, ReviewStatus
from shop.models.orders import OrderStatus
from shop.reviews import service as reviews_service
from tests.builders.carts import (
    create_customer,
    create_order_of,
    create_review,
    create_variant,
)


async def counters(database: Database, product_id: int) -> tuple[int, int]:
    async with database.read() as session:
        row = (
            await session.execute(
                select(Product.rating_count, Product.rating_total).where(Product.id == product_id)
            )
        ).one()
        return row.rating_count, row.rating_total


async def reviews_in_db(database: Database, product_id: int) -> list[tuple[int, str]]:
    async with database.read() as session:
        result = await session.execute(
            select(Review.user_id, Review.status)
            .where(Review.product_id == product_id)
            .order_by(Review.id)
        )
        return [(user_id, status) for user_id, status in result]


REVIEW = {"rating": 4, "title": "Warm and light", "body": "Wore it all winter.\nNo regrets."}


class TestListReviews:
    async def test_approved_only_newest_first(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        async with database.transaction() as session:
            variant = await create_variant(session)
            product_id = variant.product_id
            ada, bo, cy = [await create_customer(session) for _ in range(3)]
            ada.user.first_name, ada.user.last_name = "Ada", "Lovelace"
            first = await create_review(session, user=ada.user, product_id=product_id, rating=5)
            second = await create_review(
                session, user=bo.user, product_id=product_id, rating=4, title="Fine", body="ok"
            )
            await create_review(session, user=cy.user, product_id=product_id, rating=1)
            for review in (first, second):
                await reviews_service.moderate(
                    session, review_id=review.id, status=ReviewStatus.APPROVED
                )

        response = await client.get(f"/api/v1/products/{product_id}/reviews")

        assert response.status_code == 200
        body = response.json()
        assert [item.pop("created_at") is not None for item in body["items"]] == [True, True]
        assert body == {
            "product_id": product_id,
            "average": 4.5,
            "count": 2,
            "total": 2,
            "page": 1,
            "page_size": 24,
            "items": [
                {
                    "id": second.id,
                    "product_id": product_id,
                    "rating": 4,
                    "title": "Fine",
                    "body": "ok",
                    "author": "Test U.",
                    "verified_purchase": False,
                },
                {
                    "id": first.id,
                    "product_id": product_id,
                    "rating": 5,
                    "title": "Good",
                    "body": "",
                    "author": "Ada L.",
                    "verified_purchase": False,
                },
            ],
        }

    async def test_pages(self, client: httpx.AsyncClient, database: Database) -> None:
        async with database.transaction() as session:
            variant = await create_variant(session)
            reviews = []
            for _ in range(3):
                customer = await create_customer(session)
                review = await create_review(
                    session, user=customer.user, product_id=variant.product_id
                )
                await reviews_service.moderate(
                    session, review_id=review.id, status=ReviewStatus.APPROVED
                )
                reviews.append(review)

        response = await client.get(
            f"/api/v1/products/{variant.product_id}/reviews", params={"page": 2, "page_size": 2}
        )

        assert response.status_code == 200
        body = response.json()
        assert [item["id"] for item in body["items"]] == [reviews[0].id]
        assert (body["total"], body["page"], body["page_size"]) == (3, 2, 2)

    async def test_no_reviews_yet(self, client: httpx.AsyncClient, database: Database) -> None:
        async with database.transaction() as session:
            variant = await create_variant(session)

        response = await client.get(f"/api/v1/products/{variant.product_id}/reviews")

        assert response.status_code == 200
        body = response.json()
        assert (body["average"], body["count"], body["items"]) == (None, 0, [])

    async def test_unknown_or_unpublished_product(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        async with database.transaction() as session:
            draft = await create_variant(session, product_status=ProductStatus.DRAFT)

        unknown = await client.get("/api/v1/products/999999/reviews")
        unpublished = await client.get(f"/api/v1/products/{draft.product_id}/reviews")

        assert [unknown.status_code, unpublished.status_code] == [404, 404]
        assert {unknown.json()["code"], unpublished.json()["code"]} == {"product_not_found"}


class TestCreateReview:
    async def test_creates_a_pending_review(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        async with database.transaction() as session:
            variant = await create_variant(session)
            alice = await create_customer(session)

        response = await client.post(
            f"/api/v1/products/{variant.product_id}/reviews", json=REVIEW, headers=alice.headers
        )

        assert response.status_code == 201
        body = response.json()
        assert body["created_at"]
        del body["created_at"]
        assert body == {
            "id": body["id"],
            "product_id": variant.product_id,
            "rating": 4,
            "title": "Warm and light",
            "body": "Wore it all winter.\nNo regrets.",
            "author": "Test U.",
            "verified_purchase": False,
            "status": "pending",
        }
        assert await reviews_in_db(database, variant.product_id) == [(alice.user.id, "pending")]
        assert await counters(database, variant.product_id) == (0, 0)
        listed = await client.get(f"/api/v1/products/{variant.product_id}/reviews")
        assert listed.json()["items"] == []

    async def test_verified_purchase_needs_a_delivered_order(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        async with database.transaction() as session:
            variant = await create_variant(session)
            buyer = await create_customer(session)
            payer = await create_customer(session)
            await create_order_of(session, user=buyer.user, variant=variant)
            await create_order_of(
                session, user=payer.user, variant=variant, status=OrderStatus.PAID
            )

        delivered = await client.post(
            f"/api/v1/products/{variant.product_id}/reviews", json=REVIEW, headers=buyer.headers
        )
        only_paid = await client.post(
            f"/api/v1/products/{variant.product_id}/reviews", json=REVIEW, headers=payer.headers
        )

        assert delivered.json()["verified_purchase"] is True
        assert only_paid.json()["verified_purchase"] is False

    async def test_one_review_per_customer_and_product(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        async with database.transaction() as session:
            variant = await create_variant(session)
            alice = await create_customer(session)
        url = f"/api/v1/products/{variant.product_id}/reviews"
        await client.post(url, json=REVIEW, headers=alice.headers)

        again = await client.post(url, json={**REVIEW, "rating": 1}, headers=alice.headers)

        assert again.status_code == 409
        assert again.json()["code"] == "review_exists"
        assert await reviews_in_db(database, variant.product_id) == [(alice.user.id, "pending")]

    async def test_anonymous(self, client: httpx.AsyncClient, database: Database) -> None:
        async with database.transaction() as session:
            variant = await create_variant(session)

        response = await client.post(f"/api/v1/products/{variant.product_id}/reviews", json=REVIEW)

        assert response.status_code == 401
        assert await reviews_in_db(database, variant.product_id) == []

    async def test_archived_product(self, client: httpx.AsyncClient, database: Database) -> None:
        async with database.transaction() as session:
            variant = await create_variant(session, product_status=ProductStatus.ARCHIVED)
            alice = await create_customer(session)

        response = await client.post(
            f"/api/v1/products/{variant.product_id}/reviews", json=REVIEW, headers=alice.headers
        )

        assert response.status_code == 404
        assert response.json()["code"] == "product_not_found"
        assert await reviews_in_db(database, variant.product_id) == []

    @pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
    @pytest.mark.parametrize(
        ("change", "field"),
        [
            ({"rating": 0}, "rating"),
            ({"rating": 6}, "rating"),
            ({"title": "   "}, "title"),
            ({"title": "x" * 201}, "title"),
            ({"title": "two\nlines"}, "title"),
            ({"body": "x" * 5001}, "body"),
            ({"stars": 5}, "stars"),
        ],
    )
    async def test_invalid_input(
        self,
        client: httpx.AsyncClient,
        database: Database,
        change: dict[str, Any],
        field: str,
    ) -> None:
        async with database.transaction() as session:
            variant = await create_variant(session)
            alice = await create_customer(session)

        response = await client.post(
            f"/api/v1/products/{variant.product_id}/reviews",
            json={**REVIEW, **change},
            headers=alice.headers,
        )

        assert response.status_code == 422
        assert [error["field"] for error in response.json()["errors"]] == [field]
        assert await reviews_in_db(database, variant.product_id) == []


class TestModerationQueue:
    async def test_lists_by_status_oldest_first(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        async with database.transaction() as session:
            variant = await create_variant(session, name="Wool Hat")
            manager = await create_customer(session, role=Role.MANAGER)
            ada, bo, cy = [await create_customer(session) for _ in range(3)]
            older = await create_review(session, user=ada.user, product_id=variant.product_id)
            approved = await create_review(session, user=bo.user, product_id=variant.product_id)
            newer = await create_review(session, user=cy.user, product_id=variant.product_id)
            await reviews_service.moderate(
                session, review_id=approved.id, status=ReviewStatus.APPROVED
            )

        response = await client.get(
            "/api/v1/admin/reviews", params={"status": "pending"}, headers=manager.headers
        )

        assert response.status_code == 200
        body = response.json()
        assert [item["id"] for item in body["items"]] == [older.id, newer.id]
        assert body["total"] == 2
        item = body["items"][0]
        assert {k: item[k] for k in ("product_name", "user_id", "user_email", "status")} == {
            "product_name": "Wool Hat",
            "user_id": ada.user.id,
            "user_email": ada.user.email,
            "status": "pending",
        }

    async def test_all_statuses_without_filter(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        async with database.transaction() as session:
            variant = await create_variant(session)
            admin = await create_customer(session, role=Role.ADMIN)
            ada, bo = [await create_customer(session) for _ in range(2)]
            first = await create_review(session, user=ada.user, product_id=variant.product_id)
            second = await create_review(session, user=bo.user, product_id=variant.product_id)
            await reviews_service.moderate(
                session, review_id=second.id, status=ReviewStatus.REJECTED
            )

        response = await client.get("/api/v1/admin/reviews", headers=admin.headers)

        assert [(i["id"], i["status"]) for i in response.json()["items"]] == [
            (first.id, "pending"),
            (second.id, "rejected"),
        ]

    @pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
    @pytest.mark.parametrize(("role", "status"), [(Role.CUSTOMER, 403), (Role.SUPPORT, 403)])
    async def test_needs_the_moderation_permission(
        self, client: httpx.AsyncClient, database: Database, role: Role, status: int
    ) -> None:
        async with database.transaction() as session:
            caller = await create_customer(session, role=role)

        response = await client.get("/api/v1/admin/reviews", headers=caller.headers)

        assert response.status_code == status


class TestModerateReview:
    async def test_approve_then_reject_moves_the_counters(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        async with database.transaction() as session:
            variant = await create_variant(session)
            manager = await create_customer(session, role=Role.MANAGER)
            alice = await create_customer(session)
            review = await create_review(
                session, user=alice.user, product_id=variant.product_id, rating=3
            )
        url = f"/api/v1/admin/reviews/{review.id}/moderation"

        approved = await client.post(url, json={"status": "approved"}, headers=manager.headers)
        after_approval = await counters(database, variant.product_id)
        again = await client.post(url, json={"status": "approved"}, headers=manager.headers)
        after_again = await counters(database, variant.product_id)
        rejected = await client.post(url, json={"status": "rejected"}, headers=manager.headers)

        assert [approved.status_code, again.status_code, rejected.status_code] == [200, 200, 200]
        assert approved.json()["status"] == "approved"
        assert rejected.json()["status"] == "rejected"
        assert after_approval == after_again == (1, 3)
        assert await counters(database, variant.product_id) == (0, 0)
        listed = await client.get(f"/api/v1/products/{variant.product_id}/reviews")
        assert (listed.json()["count"], listed.json()["items"]) == (0, [])

    async def test_rejected_review_can_be_approved(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        async with database.transaction() as session:
            variant = await create_variant(session)
            manager = await create_customer(session, role=Role.MANAGER)
            alice = await create_customer(session)
            review = await create_review(
                session, user=alice.user, product_id=variant.product_id, rating=5
            )
            await reviews_service.moderate(
                session, review_id=review.id, status=ReviewStatus.REJECTED
            )

        response = await client.post(
            f"/api/v1/admin/reviews/{review.id}/moderation",
            json={"status": "approved"},
            headers=manager.headers,
        )

        assert response.status_code == 200
        assert await counters(database, variant.product_id) == (1, 5)

    async def test_unknown_review(self, client: httpx.AsyncClient, database: Database) -> None:
        async with database.transaction() as session:
            manager = await create_customer(session, role=Role.MANAGER)

        response = await client.post(
            "/api/v1/admin/reviews/424242/moderation",
            json={"status": "approved"},
            headers=manager.headers,
        )

        assert response.status_code == 404
        assert response.json()["code"] == "review_not_found"

    @pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
    async def test_only_approved_or_rejected(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        async with database.transaction() as session:
            variant = await create_variant(session)
            manager = await create_customer(session, role=Role.MANAGER)
            alice = await create_customer(session)
            review = await create_review(session, user=alice.user, product_id=variant.product_id)

        response = await client.post(
            f"/api/v1/admin/reviews/{review.id}/moderation",
            json={"status": "pending"},
            headers=manager.headers,
        )

        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "status"

    async def test_customer_cannot_moderate(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        async with database.transaction() as session:
            variant = await create_variant(session)
            alice = await create_customer(session)
            review = await create_review(session, user=alice.user, product_id=variant.product_id)

        response = await client.post(
            f"/api/v1/admin/reviews/{review.id}/moderation",
            json={"status": "approved"},
            headers=alice.headers,
        )

        assert response.status_code == 403
        assert await reviews_in_db(database, variant.product_id) == [(alice.user.id, "pending")]
        assert await counters(database, variant.product_id) == (0, 0)
