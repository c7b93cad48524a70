"""Review moderation in the back office: the queue by status, approve or reject. Needs
`reviews:moderate`; every decision is audited."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse, Response

from shop.admin.access import ReviewModerator, admin_page, audit_actor
from shop.audit import service as audit_service
from shop.errors import ShopError
from shop.kit.pagination import PageRequest
from shop.models.engagement import ReviewStatus
from shop.reviews import service as reviews_service
from shop.web.dependencies import ReadSession, WriteSession
from shop.web.pages.csrf import CsrfProtected
from shop.web.pages.flash import flash
from shop.web.pages.forms import text_field
from shop.web.pages.responses import see_other

router = APIRouter(
    prefix="/admin/reviews", include_in_schema=False, default_response_class=HTMLResponse
)

MAX_ID = 2**63 - 1
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
    review_id: Annotated[int, Path(ge=1, le=MAX_ID)],
    session: WriteSession,
    staff: ReviewModerator,
    _csrf: CsrfProtected,
) -> Response:
    form = await request.form()
    back = text_field(form, "back") or "pending"
    response = see_other(
        f"/admin/reviews?status={back if back in set(ReviewStatus) else 'pending'}"
    )
    try:
        to = ReviewStatus(text_field(form, "status"))
    except ValueError:
        flash(response, request, "Choose approve or reject.", kind="error")
        return response
    try:
        row = await reviews_service.moderate(session, review_id=review_id, status=to)
    except ShopError as error:
        flash(response, request, error.message, kind="error")
        return response
    await audit_service.record(
        session,
        audit_actor(request, staff),
        "review.moderate",
        entity_type="review",
        entity_id=review_id,
        after={"status": to, "product": row.product_name, "title": row.review.title},
    )
    flash(response, request, f"Review “{row.review.title}” is {to}.")
    return response
