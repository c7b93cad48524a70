"""Every SQL statement of reviews. Reads users, products and orders (for the author's name and
the verified-purchase flag); writes reviews and the product's approved-rating counters, which
this feature owns (see Product.rating_count)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, exists, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from shop.kit.pagination import PageRequest
from shop.models.accounts import User
from shop.models.catalog import Product, ProductStatus
from shop.models.engagement import Review, ReviewStatus
from shop.models.orders import Order, OrderLine, OrderStatus

MAX_ID = 2**63 - 1


@dataclass(frozen=True, slots=True)
class ProductRating:
    id: int
    status: ProductStatus
    rating_count: int
    rating_total: int


async def product_rating(session: AsyncSession, product_id: int) -> ProductRating | None:
    if not 1 <= product_id <= MAX_ID:
        return None
    row = (
        await session.execute(
            select(Product.id, Product.status, Product.rating_count, Product.rating_total).where(
                Product.id == product_id
            )
        )
    ).one_or_none()
    if row is None:
        return None
    return ProductRating(
        id=row.id,
        status=ProductStatus(row.status),
        rating_count=row.rating_count,
        rating_total=row.rating_total,
    )


async def adjust_product_rating(
    session: AsyncSession, product_id: int, *, count_delta: int, total_delta: int
) -> None:
    # Relative, so concurrent moderations of one product's reviews add up instead of
    # overwriting each other (the row lock queues them).
    await session.execute(
        update(Product)
        .where(Product.id == product_id)
        .values(
            rating_count=Product.rating_count + count_delta,
            rating_total=Product.rating_total + total_delta,
        )
        .execution_options(synchronize_session=False)
    )


async def has_delivered_purchase(session: AsyncSession, *, user_id: int, product_id: int) -> bool:
    bought = exists().where(
        OrderLine.order_id == Order.id,
        OrderLine.product_id == product_id,
        Order.user_id == user_id,
        Order.status == OrderStatus.DELIVERED,
    )
    return bool((await session.execute(select(bought))).scalar())


async def get_review(session: AsyncSession, review_id: int) -> Review | None:
    """Read afresh, also when the session already holds the review."""
    if not 1 <= review_id <= MAX_ID:
        return None
    result = await session.execute(
        select(Review).where(Review.id == review_id).execution_options(populate_existing=True)
    )
    return result.scalar_one_or_none()


async def review_of(session: AsyncSession, *, product_id: int, user_id: int) -> Review | None:
    result = await session.execute(
        select(Review).where(Review.product_id == product_id, Review.user_id == user_id)
    )
    return result.scalar_one_or_none()


async def insert_review(session: AsyncSession, review: Review) -> Review:
    session.add(review)
    await session.flush()
    return review


async def change_status(
    session: AsyncSession,
    review_id: int,
    *,
    from_status: ReviewStatus,
    to_status: ReviewStatus,
    now: datetime,
) -> bool:
    """Conditional: False when the review no longer has `from_status` (a concurrent change)."""
    result = await session.execute(
        update(Review)
        .where(Review.id == review_id, Review.status == from_status)
        .values(status=to_status, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]


@dataclass(frozen=True, slots=True)
class ReviewRow:
    review: Review
    first_name: str
    last_name: str
    email: str
    product_name: str


_ReviewWithPeople = Select[Review, str, str, str, str]


def _with_people() -> _ReviewWithPeople:
    return (
        select(Review, User.first_name, User.last_name, User.email, Product.name)
        .join(User, User.id == Review.user_id)
        .join(Product, Product.id == Review.product_id)
    )


async def _rows(session: AsyncSession, statement: _ReviewWithPeople) -> list[ReviewRow]:
    result = await session.execute(statement)
    return [
        ReviewRow(review=review, first_name=first, last_name=last, email=email, product_name=name)
        for review, first, last, email, name in result
    ]


async def approved_page(
    session: AsyncSession, product_id: int, page: PageRequest
) -> tuple[list[ReviewRow], int]:
    """Approved reviews of a product, newest first, and how many there are."""
    where = (Review.product_id == product_id, Review.status == ReviewStatus.APPROVED)
    total = (await session.execute(select(func.count()).select_from(Review).where(*where))).scalar()
    rows = await _rows(
        session,
        _with_people()
        .where(*where)
        .order_by(Review.created_at.desc(), Review.id.desc())
        .offset(page.offset)
        .limit(page.limit),
    )
    return rows, int(total or 0)


async def moderation_page(
    session: AsyncSession, status: ReviewStatus | None, page: PageRequest
) -> tuple[list[ReviewRow], int]:
    """Reviews (of one status, or all), oldest first: the moderation queue is worked in order."""
    where = () if status is None else (Review.status == status,)
    total = (await session.execute(select(func.count()).select_from(Review).where(*where))).scalar()
    rows = await _rows(
        session,
        _with_people().where(*where).order_by(Review.id).offset(page.offset).limit(page.limit),
    )
    return rows, int(total or 0)


async def review_row(session: AsyncSession, review_id: int) -> ReviewRow | None:
    rows = await _rows(
        session,
        _with_people().where(Review.id == review_id).execution_options(populate_existing=True),
    )
    return rows[0] if rows else None
