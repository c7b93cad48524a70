"""Request and response bodies of the review API (public and moderation)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from shop.kit.text import reject_control_characters, reject_control_characters_but_breaks
from shop.models.engagement import ReviewStatus
from shop.reviews.repository import ReviewRow
from shop.reviews.service import ProductReviews, ReviewPage


def _single_line(text: str) -> str:
    text = reject_control_characters(text).strip()
    if not text:
        raise ValueError("must not be blank")
    return text


def _text(text: str) -> str:
    return reject_control_characters_but_breaks(text).strip()


class ReviewCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    rating: int = Field(ge=1, le=5, description="1 to 5 stars")
    title: Annotated[str, Field(min_length=1, max_length=200), AfterValidator(_single_line)]
    body: Annotated[str, Field(max_length=5000), AfterValidator(_text)] = ""


class ReviewModeration(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: Literal["approved", "rejected"]


def author_name(first_name: str, last_name: str) -> str:
    """'Ada L.': enough to tell reviewers apart, no full name or email in public."""
    first, last = first_name.strip(), last_name.strip()
    if not first:
        return "Customer"
    return f"{first} {last[0]}." if last else first


class ReviewRead(BaseModel):
    id: int
    product_id: int
    rating: int
    title: str
    body: str
    author: str
    verified_purchase: bool
    created_at: datetime

    @classmethod
    def of(cls, row: ReviewRow) -> ReviewRead:
        review = row.review
        return cls(
            id=review.id,
            product_id=review.product_id,
            rating=review.rating,
            title=review.title,
            body=review.body,
            author=author_name(row.first_name, row.last_name),
            verified_purchase=review.verified_purchase,
            created_at=review.created_at,
        )


class OwnReviewRead(ReviewRead):
    status: ReviewStatus = Field(description="pending until a moderator approves it")

    @classmethod
    def of_own(cls, row: ReviewRow) -> OwnReviewRead:
        return cls(**ReviewRead.of(row).model_dump(), status=row.review.status)


class ProductReviewsRead(BaseModel):
    product_id: int
    average: float | None = Field(description="Mean of the approved ratings, 2 decimals")
    count: int = Field(description="Number of approved reviews")
    items: list[ReviewRead]
    total: int
    page: int
    page_size: int

    @classmethod
    def of(cls, reviews: ProductReviews) -> ProductReviewsRead:
        return cls(
            product_id=reviews.product_id,
            average=reviews.average,
            count=reviews.count,
            items=[ReviewRead.of(row) for row in reviews.reviews.rows],
            total=reviews.reviews.total,
            page=reviews.reviews.page.page,
            page_size=reviews.reviews.page.page_size,
        )


class AdminReviewRead(BaseModel):
    id: int
    product_id: int
    product_name: str
    user_id: int
    user_email: str
    author: str
    rating: int
    title: str
    body: str
    status: ReviewStatus
    verified_purchase: bool
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, row: ReviewRow) -> AdminReviewRead:
        review = row.review
        return cls(
            id=review.id,
            product_id=review.product_id,
            product_name=row.product_name,
            user_id=review.user_id,
            user_email=row.email,
            author=author_name(row.first_name, row.last_name),
            rating=review.rating,
            title=review.title,
            body=review.body,
            status=review.status,
            verified_purchase=review.verified_purchase,
            created_at=review.created_at,
            updated_at=review.updated_at,
        )


class AdminReviewListRead(BaseModel):
    items: list[AdminReviewRead]
    total: int
    page: int
    page_size: int

    @classmethod
    def of(cls, page: ReviewPage) -> AdminReviewListRead:
        return cls(
            items=[AdminReviewRead.of(row) for row in page.rows],
            total=page.total,
            page=page.page.page,
            page_size=page.page.page_size,
        )
