"""Review moderation in the back office: the queue by status, approve or reject. Needs
`reviews:moderate`; every decision is audited."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from shop.admin.access import ReviewModerator, admin_page
from shop.admin.outcomes import audited_redirect
from shop.admin.params import RowId
from shop.errors import ShopError
from shop.kit.pagination import PageRequest
from shop.models.engagement import ReviewStatus
from shop.reviews import service as reviews_service
from shop.web.dependencies import ReadSession, WriteSession
from shop.web.pages.csrf import CsrfProtected
from shop.web.pages.forms import text_field
from shop.web.pages.responses import redirect_with_flash

router = APIRouter(
    prefix="/admin/reviews", include_in_schema=False, default_response_class=HTMLResponse
)

PAGE_SIZE = 25


@router.get("")
async def queue(
    request: Request,
    session: ReadSession,
    staff: ReviewModerator,
    status: Annotated[ReviewStatus, Query()] = ReviewStatus.PENDING,
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
) -> HTMLResponse:
    result = await reviews_service.moderation_queue(
        session, status=status, page=PageRequest(page, PAGE_SIZE)
    )
    return await admin_page(
        request,
        staff,
        "admin/reviews.html",
        {"result": result, "status": status, "statuses": list(ReviewStatus)},
        section="reviews",
    )


@router.post("/{review_id}")
async def moderate(
    request: Request,
    review_id: RowId,
    session: WriteSession,
    staff: ReviewModerator,
    _csrf: CsrfProtected,
) -> Response:
    form = await request.form()
    back = text_field(form, "back") or "pending"
    queue_url = f"/admin/reviews?status={back if back in set(ReviewStatus) else 'pending'}"
    try:
        to = ReviewStatus(text_field(form, "status"))
    except ValueError:
        return redirect_with_flash(request, queue_url, "Choose approve or reject.", kind="error")
    try:
        row = await reviews_service.moderate(session, review_id=review_id, status=to)
    except ShopError as error:
        return redirect_with_flash(request, queue_url, error.message, kind="error")
    return await audited_redirect(
        request,
        session,
        staff,
        "review.moderate",
        entity_type="review",
        entity_id=review_id,
        after={"status": to, "product": row.product_name, "title": row.review.title},
        to=queue_url,
        message=f"Review “{row.review.title}” is {to}.",
    )
