"""Staff order routes: the list and detail (`orders:read`), transitions, fulfilments and
refunds (`orders:write`)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, status
from sqlalchemy.ext.asyncio import AsyncSession

from shop.audit.dependencies import AuditorDep
from shop.auth.dependencies import require
from shop.auth.permissions import Permission
from shop.auth.tokens import AccessClaims
from shop.errors import ShopError
from shop.kit.clock import as_utc
from shop.kit.pagination import MAX_PAGE_SIZE, PageRequest
from shop.models.orders import OrderStatus
from shop.orders import service as orders_service
from shop.orders import workflows
from shop.orders.dependencies import GatewaysDep
from shop.orders.repository import OrderFilters
from shop.orders.schemas import (
    AdminOrderRead,
    FulfillmentCreate,
    IsoDateTime,
    OrderPageRead,
    OrderSummaryRead,
    RefundCreate,
    TransitionCreate,
)
from shop.payments.schemas import RefundRead
from shop.web.dependencies import DatabaseDep, ReadSession, WriteSession
from shop.web.problems import problem_responses

router = APIRouter(prefix="/admin/orders", tags=["admin: orders"])

OrdersReader = Annotated[AccessClaims, require(Permission.ORDERS_READ)]
OrdersWriter = Annotated[AccessClaims, require(Permission.ORDERS_WRITE)]
Number = Annotated[str, Path(min_length=1, max_length=20, description="e.g. SW-7KQ2M9XA")]


class RefundFailed(ShopError):
    code = "refund_failed"
    status = 422
    title = "Refund failed"


async def _admin_read(session: AsyncSession, number: str) -> AdminOrderRead:
    view = await orders_service.get_admin_order(session, number)
    allowed = list(orders_service.allowed_transitions(view.order.status))
    return AdminOrderRead.of_admin(view, allowed)


@router.get(
    "",
    response_model=OrderPageRead,
    summary="Orders",
    description=(
        "Newest first. Filters: `status`, `email` (exact), `created_from` (inclusive) and "
        "`created_to` (exclusive). Needs `orders:read`."
    ),
    responses=problem_responses(401, 403, 422),
)
async def list_orders(
    session: ReadSession,
    _actor: OrdersReader,
    status_: Annotated[OrderStatus | None, Query(alias="status")] = None,
    email: Annotated[str | None, Query(min_length=3, max_length=254)] = None,
    created_from: Annotated[IsoDateTime | None, Query()] = None,
    created_to: Annotated[IsoDateTime | None, Query()] = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = 50,
) -> OrderPageRead:
    filters = OrderFilters(
        status=status_,
        email=email.strip().lower() if email else None,
        created_from=as_utc(created_from) if created_from else None,
        created_to=as_utc(created_to) if created_to else None,
    )
    orders_service.check_filters(filters)
    result = await orders_service.list_orders(session, filters, PageRequest(page, page_size))
    return OrderPageRead(
        items=[OrderSummaryRead.of(item) for item in result.items],
        total=result.total,
        page=page,
        page_size=page_size,
    )


@router.get(
    "/{number}",
    response_model=AdminOrderRead,
    summary="One order with its events, payments, refunds and fulfilments",
    description="Needs `orders:read`.",
    responses=problem_responses(401, 403, 404, 422),
)
async def get_order(number: Number, session: ReadSession, _actor: OrdersReader) -> AdminOrderRead:
    return await _admin_read(session, number)


@router.post(
    "/{number}/transitions",
    response_model=AdminOrderRead,
    summary="Move an order to another status",
    description=(
        "pending → paid → processing → shipped → delivered; cancelled from pending, paid or "
        "processing (stock and coupon back, payment voided or refunded). `paid` follows a "
        "captured payment (409 `payment_required`) and `shipped` a fulfilment (409 "
        "`fulfillment_required`). Anything else is 409 `illegal_transition` with `allowed`. "
        "Needs `orders:write`."
    ),
    responses=problem_responses(401, 403, 404, 409, 422),
)
async def transition_order(
    number: Number,
    data: TransitionCreate,
    actor: OrdersWriter,
    database: DatabaseDep,
    gateways: GatewaysDep,
    audit: AuditorDep,
) -> AdminOrderRead:
    async with database.read() as session:
        before = (await orders_service.get_order(session, number)).status
    if data.to is OrderStatus.CANCELLED:
        await workflows.cancel_order(
            database, gateways, number, user_id=actor.user_id, staff=True, reason=data.reason
        )
    else:
        async with database.transaction() as session:
            order = await orders_service.lock_by_number(session, number)
            staff = await orders_service.staff_actor(session, actor.user_id)
            await orders_service.transition(session, order, data.to, actor=staff)
    async with database.transaction() as session:
        read = await _admin_read(session, number)
        await audit.record(
            session,
            "order.transition",
            entity_type="order",
            entity_id=read.number,
            before={"status": before},
            after={"status": read.status, "reason": data.reason},
        )
        return read


@router.post(
    "/{number}/fulfillments",
    status_code=status.HTTP_201_CREATED,
    response_model=AdminOrderRead,
    summary="Record a shipment",
    description=(
        "A paid or processing order becomes shipped; the customer is emailed the carrier and "
        "tracking number. Needs `orders:write`."
    ),
    responses=problem_responses(401, 403, 404, 409, 422),
)
async def fulfil_order(
    number: Number,
    data: FulfillmentCreate,
    session: WriteSession,
    actor: OrdersWriter,
    audit: AuditorDep,
) -> AdminOrderRead:
    order = await orders_service.lock_by_number(session, number)
    staff = await orders_service.staff_actor(session, actor.user_id)
    before = order.status
    await orders_service.fulfil(
        session, order, carrier=data.carrier, tracking_number=data.tracking_number, actor=staff
    )
    await audit.record(
        session,
        "order.fulfil",
        entity_type="order",
        entity_id=order.number,
        before={"status": before},
        after={"status": order.status, **data.model_dump()},
    )
    return await _admin_read(session, number)


@router.post(
    "/{number}/refunds",
    status_code=status.HTTP_201_CREATED,
    response_model=RefundRead,
    summary="Refund part or all of the captured payment",
    description=(
        "Never more than captured − refunded − refunds in progress (409 "
        "`refund_exceeds_captured`). `restock` puts returned goods back on the shelf at once "
        "(`restock_on_refund` movements). `status` is `succeeded`, or `pending` when the "
        "provider has not confirmed yet (finished in the background); a refund the provider "
        "refuses is 422 `refund_failed`. Needs `orders:write`."
    ),
    responses=problem_responses(401, 403, 404, 409, 422),
)
async def refund_order(
    number: Number,
    data: RefundCreate,
    actor: OrdersWriter,
    database: DatabaseDep,
    gateways: GatewaysDep,
    audit: AuditorDep,
) -> RefundRead:
    restock: dict[int, int] = {}
    for line in data.restock:
        restock[line.line_id] = restock.get(line.line_id, 0) + line.quantity
    refund, currency = await workflows.refund_order(
        database,
        gateways,
        number,
        amount=data.amount.amount,
        currency=data.amount.currency,
        reason=data.reason,
        restock=restock,
        staff_user_id=actor.user_id,
    )
    async with database.transaction() as session:
        await audit.record(
            session,
            "order.refund",
            entity_type="order",
            entity_id=number.strip().upper(),
            after={"refund_id": refund.id, "status": refund.status, **data.model_dump()},
        )
    if refund.status == "failed":
        raise RefundFailed(
            f"the payment provider refused refund {refund.id}; nothing was refunded",
            refund_id=refund.id,
        )
    return RefundRead.of(refund, currency=currency)
