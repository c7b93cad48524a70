from __future__ import annotations

import asyncio

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from shop.db.session import Database
from shop.errors import Conflict
from shop.models.catalog import Product
from shop.models.engagement import Review, ReviewStatus
from shop.reviews import service as reviews_service
from tests.builders.carts import create_customer, create_review, create_variant


async def counters(session: AsyncSession, product_id: int) -> tuple[int, int]:
    row = (
        await session.execute(
            select(Product.rating_count, Product.rating_total).where(Product.id == product_id)
        )
    ).one()
    return row.rating_count, row.rating_total


async def approved_aggregate(session: AsyncSession, product_id: int) -> tuple[int, int]:
    row = (
        await session.execute(
            select(func.count(), func.coalesce(func.sum(Review.rating), 0)).where(
                Review.product_id == product_id, Review.status == ReviewStatus.APPROVED
            )
        )
    ).one()
    return int(row[0]), int(row[1])


CUSTOMERS = 4
operations = st.lists(
    st.one_of(
        st.tuples(st.just("create"), st.integers(0, CUSTOMERS - 1), st.integers(1, 5)),
        st.tuples(
            st.sampled_from([ReviewStatus.APPROVED, ReviewStatus.REJECTED]),
            st.integers(0, CUSTOMERS - 1),
            st.just(0),
        ),
    ),
    max_size=16,
)


class TestModerate:
    @settings(suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
    @given(steps=operations)
    @example(steps=[("create", 0, 3), ("approved", 0, 0), ("rejected", 0, 0), ("approved", 0, 0)])
    async def test_counters_equal_the_approved_aggregate(
        self, session: AsyncSession, steps: list[tuple[str, int, int]]
    ) -> None:
        savepoint = await session.begin_nested()
        try:
            variant = await create_variant(session)
            product_id = variant.product_id
            customers = [(await create_customer(session)).user.id for _ in range(CUSTOMERS)]
            reviews: dict[int, int] = {}  # customer index -> review id
            for action, who, rating in steps:
                if action == "create" and who not in reviews:
                    row = await reviews_service.create_review(
                        session,
                        user_id=customers[who],
                        product_id=product_id,
                        rating=rating,
                        title="t",
                        body="",
                    )
                    reviews[who] = row.review.id
                elif action != "create" and reviews:
                    ids = sorted(reviews.values())
                    await reviews_service.moderate(
                        session, review_id=ids[who % len(ids)], status=ReviewStatus(action)
                    )
                assert await counters(session, product_id) == await approved_aggregate(
                    session, product_id
                )
        finally:
            await savepoint.rollback()

    async def test_same_status_again_changes_nothing(self, session: AsyncSession) -> None:
        variant = await create_variant(session)
        alice = await create_customer(session)
        review = await create_review(session, user=alice.user, product_id=variant.product_id)

        first = await reviews_service.moderate(
            session, review_id=review.id, status=ReviewStatus.APPROVED
        )
        second = await reviews_service.moderate(
            session, review_id=review.id, status=ReviewStatus.APPROVED
        )

        assert first.review.updated_at == second.review.updated_at
        assert await counters(session, variant.product_id) == (1, 4)

    async def test_race_concurrent_moderations_keep_counters_consistent(
        self, database: Database
    ) -> None:
        async with database.transaction() as session:
            variant = await create_variant(session)
            product_id = variant.product_id
            review_ids = []
            for rating in (1, 2, 3, 4, 5, 5):
                customer = await create_customer(session)
                review = await create_review(
                    session, user=customer.user, product_id=product_id, rating=rating
                )
                review_ids.append(review.id)

        async def moderate(review_id: int, status: ReviewStatus) -> None:
            async with database.transaction() as session:
                await reviews_service.moderate(session, review_id=review_id, status=status)

        # Every review approved, the first one by five moderators at once.
        await asyncio.gather(
            *(moderate(review_id, ReviewStatus.APPROVED) for review_id in review_ids),
            *(moderate(review_ids[0], ReviewStatus.APPROVED) for _ in range(4)),
        )
        async with database.read() as session:
            assert await counters(session, product_id) == (6, 20)

        # Approvals and rejections of the same reviews racing each other.
        await asyncio.gather(
            *(
                moderate(review_id, status)
                for review_id in review_ids[:3]
                for status in (ReviewStatus.REJECTED, ReviewStatus.APPROVED) * 2
            )
        )
        async with database.read() as session:
            assert await counters(session, product_id) == await approved_aggregate(
                session, product_id
            )


class TestCreateReview:
    async def test_second_review_is_refused(self, session: AsyncSession) -> None:
        variant = await create_variant(session)
        alice = await create_customer(session)
        await reviews_service.create_review(
            session,
            user_id=alice.user.id,
            product_id=variant.product_id,
            rating=5,
            title="a",
            body="",
        )

        with pytest.raises(Conflict) as raised:
            await reviews_service.create_review(
                session,
                user_id=alice.user.id,
                product_id=variant.product_id,
                rating=1,
                title="b",
                body="",
            )

        assert raised.value.code == "review_exists"
        count = await session.execute(
            select(func.count()).select_from(Review).where(Review.user_id == alice.user.id)
        )
        assert count.scalar_one() == 1
