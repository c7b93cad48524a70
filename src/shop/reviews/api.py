"""Public review routes: a product's approved reviews, and writing one (signed in)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, status

from shop.auth.dependencies import CurrentClaims
from shop.kit.pagination import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, PageRequest
from shop.reviews import service as reviews_service
from shop.reviews.repository import MAX_ID
from shop.reviews.schemas import OwnReviewRead, ProductReviewsRead, ReviewCreate
from shop.web.dependencies import ReadSession, WriteSession
from shop.web.problems import problem_responses

router = APIRouter(tags=["reviews"])

ProductId = Annotated[int, Path(ge=1, le=MAX_ID)]
# Bounded so that the offset stays a small number on both databases.
Page = Annotated[int, Query(ge=1, le=10_000)]
PageSize = Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)]


@router.get(
    "/products/{product_id}/reviews",
    response_model=ProductReviewsRead,
    summary="A product's approved reviews, newest first, with their average and count",
    responses=problem_responses(404, 422),
)
async def list_reviews(
    product_id: ProductId,
    session: ReadSession,
    page: Page = 1,
    page_size: PageSize = DEFAULT_PAGE_SIZE,
) -> ProductReviewsRead:
    reviews = await reviews_service.product_reviews(
        session, product_id, PageRequest(page=page, page_size=page_size)
    )
    return ProductReviewsRead.of(reviews)


@router.post(
    "/products/{product_id}/reviews",
    status_code=status.HTTP_201_CREATED,
    response_model=OwnReviewRead,
    summary="Review a product (once per customer); shown after moderation",
    description=(
        "`verified_purchase` is true when the customer has a delivered order of the product. "
        "A second review of the same product is refused with 409 `review_exists`."
    ),
    responses=problem_responses(401, 404, 409, 422),
)
async def create_review(
    product_id: ProductId, data: ReviewCreate, session: WriteSession, claims: CurrentClaims
) -> OwnReviewRead:
    row = await reviews_service.create_review(
        session,
        user_id=claims.user_id,
        product_id=product_id,
        rating=data.rating,
        title=data.title,
        body=data.body,
    )
    return OwnReviewRead.of_own(row)
