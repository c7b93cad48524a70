"""The account overview and the customer's orders: status, tracking, lines, totals."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse, Response

from shop.auth.browser_session import SignedInShopper
from shop.customers import service as customers_service
from shop.kit.pagination import PageRequest
from shop.orders import service as orders_service
from shop.storefront.account.common import render_account
from shop.web.dependencies import ReadSession

router = APIRouter(default_response_class=HTMLResponse)

ORDERS_PER_PAGE = 20
RECENT_ON_OVERVIEW = 3
OrderNumber = Annotated[str, Path(min_length=1, max_length=20)]
PageNumber = Annotated[int, Query(ge=1, le=10_000)]


@router.get("/account")
async def overview(request: Request, shopper: SignedInShopper, session: ReadSession) -> Response:
    profile = await customers_service.get_profile(session, shopper.user_id)
    recent = await customers_service.order_history(
        session, shopper.user_id, page=PageRequest(1, RECENT_ON_OVERVIEW)
    )
    default_address = await customers_service.default_address(session, shopper.user_id)
    return await render_account(
        request,
        "overview.html",
        {"profile": profile, "recent": recent, "default_address": default_address},
    )


@router.get("/account/orders")
async def orders(
    request: Request, shopper: SignedInShopper, session: ReadSession, page: PageNumber = 1
) -> Response:
    history = await customers_service.order_history(
        session, shopper.user_id, page=PageRequest(page, ORDERS_PER_PAGE)
    )
    return await render_account(
        request,
        "orders.html",
        {
            "history": history,
            "has_next": page * ORDERS_PER_PAGE < history.total,
            "page": page,
        },
    )


@router.get("/account/orders/{number}")
async def order_detail(
    request: Request, number: OrderNumber, shopper: SignedInShopper, session: ReadSession
) -> Response:
    # Another customer's order is a 404 page, exactly like one that does not exist.
    view = await orders_service.get_customer_order(session, number, user_id=shopper.user_id)
    return await render_account(
        request, "order.html", {"order": view.order, "payment": view.payment}
    )
