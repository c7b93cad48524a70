"""Reviews: one per customer and product, moderated before they show. The product's
rating_count / rating_total count APPROVED reviews only and change in the same transaction as
the review's status, by relative updates. Never commits."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from shop.catalog.errors import product_not_found
from shop.kit.clock import utcnow
from shop.kit.pagination import PageRequest
from shop.models.catalog import ProductStatus
from shop.models.engagement import Review, ReviewStatus
from shop.reviews import errors
from shop.reviews import repository as repo
from shop.reviews.repository import ReviewRow

# A conditional status update loses only to a moderation committed in between; a few rounds
# settle any realistic contention.
MODERATION_ATTEMPTS = 5


@dataclass(frozen=True, slots=True)
class ReviewPage:
    rows: list[ReviewRow]
    total: int
    page: PageRequest


@dataclass(frozen=True, slots=True)
class ProductReviews:
    product_id: int
    count: int
    average: float | None  # of approved ratings, 2 decimals; None without any
    reviews: ReviewPage


def average_rating(*, count: int, total: int) -> float | None:
    return round(total / count, 2) if count > 0 else None


async def _public_product(session: AsyncSession, product_id: int) -> repo.ProductRating:
    product = await repo.product_rating(session, product_id)
    if product is None or product.status != ProductStatus.ACTIVE:
        raise product_not_found(product_id)
    return product


async def product_reviews(
    session: AsyncSession, product_id: int, page: PageRequest
) -> ProductReviews:
    """Approved reviews, newest first, with the product's approved count and average."""
    product = await _public_product(session, product_id)
    rows, total = await repo.approved_page(session, product_id, page)
    return ProductReviews(
        product_id=product_id,
        count=product.rating_count,
        average=average_rating(count=product.rating_count, total=product.rating_total),
        reviews=ReviewPage(rows=rows, total=total, page=page),
    )


async def create_review(
    session: AsyncSession, *, user_id: int, product_id: int, rating: int, title: str, body: str
) -> ReviewRow:
    """A pending review; `verified_purchase` when the customer has a delivered order of it."""
    await _public_product(session, product_id)
    if await repo.review_of(session, product_id=product_id, user_id=user_id) is not None:
        raise errors.review_exists(product_id)
    review = Review(
        product_id=product_id,
        user_id=user_id,
        rating=rating,
        title=title,
        body=body,
        status=ReviewStatus.PENDING,
        verified_purchase=await repo.has_delivered_purchase(
            session, user_id=user_id, product_id=product_id
        ),
    )
    try:
        async with session.begin_nested():
            await repo.insert_review(session, review)
    except IntegrityError as exc:
        # The same customer's concurrent request won the unique index.
        raise errors.review_exists(product_id) from exc
    return await _row(session, review.id)


async def _row(session: AsyncSession, review_id: int) -> ReviewRow:
    row = await repo.review_row(session, review_id)
    if row is None:  # deleted concurrently (its author's account was removed)
        raise errors.review_not_found(review_id)
    return row


async def moderation_queue(
    session: AsyncSession, *, status: ReviewStatus | None, page: PageRequest
) -> ReviewPage:
    rows, total = await repo.moderation_page(session, status, page)
    return ReviewPage(rows=rows, total=total, page=page)


def _approved(status: ReviewStatus) -> int:
    return 1 if status == ReviewStatus.APPROVED else 0


async def moderate(session: AsyncSession, *, review_id: int, status: ReviewStatus) -> ReviewRow:
    """Set a review's status (approve, reject, or revert either); the same status again is a
    no-op. The counters move by the difference in approved-ness, so approving twice, or two
    moderators at once, never counts a review twice."""
    for _ in range(MODERATION_ATTEMPTS):
        review = await repo.get_review(session, review_id)
        if review is None:
            raise errors.review_not_found(review_id)
        previous = review.status
        if previous != status:
            changed = await repo.change_status(
                session, review_id, from_status=previous, to_status=status, now=utcnow()
            )
            if not changed:
                continue  # moderated concurrently since we read it: look again
            delta = _approved(status) - _approved(previous)
            if delta:
                await repo.adjust_product_rating(
                    session,
                    review.product_id,
                    count_delta=delta,
                    total_delta=delta * review.rating,
                )
        return await _row(session, review_id)
    raise errors.review_changed_concurrently(review_id)
