"""Review moderation (REVIEWS_MODERATE): the queue, and approving or rejecting."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from shop.audit.dependencies import AuditorDep
from shop.auth.dependencies import require
from shop.auth.permissions import Permission
from shop.kit.pagination import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, PageRequest
from shop.models.engagement import ReviewStatus
from shop.reviews import service as reviews_service
from shop.reviews.repository import MAX_ID
from shop.reviews.schemas import AdminReviewListRead, AdminReviewRead, ReviewModeration
from shop.web.dependencies import ReadSession, WriteSession
from shop.web.problems import problem_responses

router = APIRouter(
    prefix="/admin/reviews",
    tags=["admin: reviews"],
    dependencies=[require(Permission.REVIEWS_MODERATE)],  # type: ignore[list-item]
)

ReviewId = Annotated[int, Path(ge=1, le=MAX_ID)]


@router.get(
    "",
    response_model=AdminReviewListRead,
    summary="Reviews to moderate, oldest first",
    responses=problem_responses(401, 403, 422),
)
async def list_reviews(
    session: ReadSession,
    status: Annotated[ReviewStatus | None, Query(description="All statuses when absent")] = None,
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = DEFAULT_PAGE_SIZE,
) -> AdminReviewListRead:
    queue = await reviews_service.moderation_queue(
        session, status=status, page=PageRequest(page=page, page_size=page_size)
    )
    return AdminReviewListRead.of(queue)


@router.post(
    "/{review_id}/moderation",
    response_model=AdminReviewRead,
    summary="Approve or reject a review",
    description=(
        "The product's rating count and total follow in the same transaction; setting the "
        "status a review already has changes nothing."
    ),
    responses=problem_responses(401, 403, 404, 409, 422),
)
async def moderate_review(
    review_id: ReviewId, data: ReviewModeration, session: WriteSession, audit: AuditorDep
) -> AdminReviewRead:
    row = await reviews_service.moderate(
        session, review_id=review_id, status=ReviewStatus(data.status)
    )
    read = AdminReviewRead.of(row)
    await audit.record(
        session, "review.moderate", entity_type="review", entity_id=review_id, after=read
    )
    return read
