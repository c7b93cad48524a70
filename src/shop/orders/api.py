"""Customer order routes: their own orders, cancellation, and the guest lookup."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from shop.auth.dependencies import CurrentClaims
from shop.kit.pagination import MAX_PAGE_SIZE, PageRequest
from shop.orders import service as orders_service
from shop.orders import workflows
from shop.orders.dependencies import GatewaysDep
from shop.orders.repository import OrderFilters
from shop.orders.schemas import (
    CancelCreate,
    OrderLookup,
    OrderPageRead,
    OrderRead,
    OrderSummaryRead,
)
from shop.web.dependencies import DatabaseDep, ReadSession
from shop.web.problems import problem_responses

router = APIRouter(prefix="/orders", tags=["orders"])

Number = Annotated[str, Path(min_length=1, max_length=20, description="e.g. SW-7KQ2M9XA")]
PageNumber = Annotated[int, Query(ge=1, le=100_000)]
PageSize = Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)]


@router.get(
    "",
    response_model=OrderPageRead,
    summary="My orders",
    description="The signed-in customer's orders, newest first.",
    responses=problem_responses(401, 422),
)
async def list_my_orders(
    session: ReadSession,
    claims: CurrentClaims,
    page: PageNumber = 1,
    page_size: PageSize = 20,
) -> OrderPageRead:
    result = await orders_service.list_orders(
        session, OrderFilters(user_id=claims.user_id), PageRequest(page, page_size)
    )
    return OrderPageRead(
        items=[OrderSummaryRead.of(item) for item in result.items],
        total=result.total,
        page=page,
        page_size=page_size,
    )


@router.post(
    "/lookup",
    response_model=OrderRead,
    summary="Find an order by number and email (guests)",
    description=(
        "Answers the order when both match. A wrong number and a wrong email give the same 404, "
        "so the lookup does not tell which one was wrong."
    ),
    responses=problem_responses(404, 422),
)
async def lookup_order(data: OrderLookup, session: ReadSession) -> OrderRead:
    return OrderRead.of(await orders_service.lookup_order(session, data.number, data.email))


@router.get(
    "/{number}",
    response_model=OrderRead,
    summary="One of my orders",
    description="Another customer's order is 404, exactly like an order that does not exist.",
    responses=problem_responses(401, 404, 422),
)
async def get_my_order(number: Number, session: ReadSession, claims: CurrentClaims) -> OrderRead:
    view = await orders_service.get_customer_order(session, number, user_id=claims.user_id)
    return OrderRead.of(view)


@router.post(
    "/{number}/cancel",
    response_model=OrderRead,
    summary="Cancel one of my orders",
    description=(
        "Only while it is `pending` or `paid` (409 `illegal_transition` after that: contact "
        "support). The stock and the coupon are given back at once; the payment is voided or "
        "refunded (`payment.status` shows the outcome; a refund the provider has not confirmed "
        "yet is finished in the background)."
    ),
    responses=problem_responses(401, 404, 409, 422),
)
async def cancel_my_order(
    number: Number,
    claims: CurrentClaims,
    database: DatabaseDep,
    gateways: GatewaysDep,
    data: CancelCreate | None = None,
) -> OrderRead:
    view = await workflows.cancel_order(
        database,
        gateways,
        number,
        user_id=claims.user_id,
        staff=False,
        reason=data.reason if data is not None else "",
    )
    return OrderRead.of(view)
