"""Orders in the back office: list and filter, CSV export, the detail with its event log, and
the staff actions (transitions, fulfil with tracking, refund). Reading needs `orders:read`,
acting `orders:write`; every action is audited.

Cancelling and refunding call the payment provider, so they run as the JSON API does: short
transactions around the remote call (shop.orders.workflows), never one request transaction."""

from __future__ import annotations

import csv
import io
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from shop.admin.access import OrdersReader, OrdersWriter, admin_page
from shop.admin.outcomes import audited_redirect, record_change
from shop.admin.params import PageNumber
from shop.admin.product_form import dollars
from shop.errors import ShopError
from shop.kit.pagination import MAX_PAGE_SIZE, PageRequest
from shop.kit.spreadsheet import plain_text_cell
from shop.models.orders import OrderStatus
from shop.orders import service as orders_service
from shop.orders import workflows
from shop.orders.dependencies import GatewaysDep
from shop.orders.repository import OrderFilters
from shop.orders.schemas import FulfillmentCreate
from shop.web.dependencies import DatabaseDep, ReadSession, WriteSession
from shop.web.pages.csrf import CsrfProtected
from shop.web.pages.forms import field_errors, text_field
from shop.web.pages.responses import redirect_with_flash

router = APIRouter(
    prefix="/admin/orders", include_in_schema=False, default_response_class=HTMLResponse
)

Number = Annotated[str, Path(min_length=1, max_length=20)]
PAGE_SIZE = 25
MAX_EXPORT_ROWS = 50_000
# Buttons on the detail page; paid follows a payment and shipped a fulfilment (their forms).
BUTTON_TRANSITIONS = (OrderStatus.PROCESSING, OrderStatus.DELIVERED, OrderStatus.CANCELLED)
EXPORT_COLUMNS = (
    "number",
    "created_at",
    "status",
    "email",
    "currency",
    "items",
    "subtotal",
    "discount",
    "shipping",
    "tax",
    "total",
    "captured",
    "refunded",
    "shipping_method",
    "coupon_code",
)


def _filters(status: OrderStatus | None, email: str) -> OrderFilters:
    return OrderFilters(status=status, email=email.strip().lower() or None)


@router.get("")
async def list_orders(
    request: Request,
    session: ReadSession,
    staff: OrdersReader,
    status: Annotated[OrderStatus | None, Query()] = None,
    email: Annotated[str, Query(max_length=254)] = "",
    page: PageNumber = 1,
) -> HTMLResponse:
    result = await orders_service.list_orders(
        session, _filters(status, email), PageRequest(page, PAGE_SIZE)
    )
    return await admin_page(
        request,
        staff,
        "admin/orders.html",
        {"result": result, "status": status, "email": email, "statuses": list(OrderStatus)},
        section="orders",
    )


def _money(amount: int) -> str:
    units, cents = divmod(amount, 100)
    return f"{units}.{cents:02d}"


@router.get("/export.csv")
async def export_orders(
    request: Request,
    session: WriteSession,
    staff: OrdersReader,
    status: Annotated[OrderStatus | None, Query()] = None,
    email: Annotated[str, Query(max_length=254)] = "",
) -> Response:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(EXPORT_COLUMNS)
    filters, count = _filters(status, email), 0
    for page_number in range(1, MAX_EXPORT_ROWS // MAX_PAGE_SIZE + 1):
        page = await orders_service.list_orders(
            session, filters, PageRequest(page_number, MAX_PAGE_SIZE)
        )
        for item in page.items:
            o = item.order
            writer.writerow(
                [
                    o.number,
                    o.created_at.isoformat(),
                    o.status,
                    plain_text_cell(o.email),
                    o.currency,
                    item.item_count,
                    *(
                        _money(a)
                        for a in (
                            o.subtotal_amount,
                            o.discount_amount,
                            o.shipping_amount,
                            o.tax_amount,
                            o.total_amount,
                            o.captured_amount,
                            o.refunded_amount,
                        )
                    ),
                    plain_text_cell(o.shipping_method),
                    plain_text_cell(o.coupon_code or ""),
                ]
            )
        count += len(page.items)
        if count >= page.total or not page.items:
            break
    await record_change(
        request,
        session,
        staff,
        "orders.export",
        entity_type="order",
        after={"rows": count, "status": status, "email": email or None},
    )
    return Response(
        buffer.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": 'attachment; filename="orders.csv"',
            "Cache-Control": "no-store",
        },
    )


async def _detail(
    request: Request,
    session: AsyncSession,
    staff: OrdersReader,
    number: str,
    *,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    view = await orders_service.get_admin_order(session, number)
    allowed = orders_service.allowed_transitions(OrderStatus(view.order.status))
    return await admin_page(
        request,
        staff,
        "admin/order.html",
        {
            "view": view,
            "order": view.order,
            "buttons": [to for to in BUTTON_TRANSITIONS if to in allowed],
            "can_fulfil": view.order.status in (OrderStatus.PAID, OrderStatus.PROCESSING),
            "refundable": max(view.order.captured_amount - view.order.refunded_amount, 0),
            "errors": errors or {},
            "values": values or {},
        },
        section="orders",
        status_code=status_code,
    )


@router.get("/{number}")
async def order_detail(
    request: Request, number: Number, session: ReadSession, staff: OrdersReader
) -> HTMLResponse:
    return await _detail(request, session, staff, number)


@router.post("/{number}/transitions")
async def transition(
    request: Request,
    number: Number,
    database: DatabaseDep,
    gateways: GatewaysDep,
    staff: OrdersWriter,
    _csrf: CsrfProtected,
) -> Response:
    form = await request.form()
    reason = text_field(form, "reason", max_length=500)[:500]
    try:
        to = OrderStatus(text_field(form, "to"))
    except ValueError:
        to = None
    back = f"/admin/orders/{number}"
    if to not in BUTTON_TRANSITIONS:
        return redirect_with_flash(
            request, back, "Choose one of the offered status changes.", kind="error"
        )
    async with database.read() as session:
        before = (await orders_service.get_order(session, number)).status
    try:
        if to is OrderStatus.CANCELLED:
            await workflows.cancel_order(
                database,
                gateways,
                number,
                user_id=staff.user_id,
                staff=True,
                reason=reason or "cancelled by staff",
            )
        else:
            async with database.transaction() as session:
                order = await orders_service.lock_by_number(session, number)
                actor = await orders_service.staff_actor(session, staff.user_id)
                await orders_service.transition(session, order, to, actor=actor)
    except ShopError as error:
        return redirect_with_flash(request, back, error.message, kind="error")
    async with database.transaction() as session:
        order = await orders_service.get_order(session, number)
        await record_change(
            request,
            session,
            staff,
            "order.transition",
            entity_type="order",
            entity_id=order.number,
            before={"status": before},
            after={"status": order.status, "reason": reason},
        )
    return redirect_with_flash(request, back, f"Order {order.number} is now {order.status}.")


@router.post("/{number}/fulfil")
async def fulfil(
    request: Request,
    number: Number,
    session: WriteSession,
    staff: OrdersWriter,
    _csrf: CsrfProtected,
) -> Response:
    form = await request.form()
    values = {
        "carrier": text_field(form, "carrier", max_length=60),
        "tracking_number": text_field(form, "tracking_number", max_length=100),
    }
    try:
        data = FulfillmentCreate(**values)
    except ValidationError as error:
        return await _detail(
            request,
            session,
            staff,
            number,
            errors=field_errors(error),
            values=values,
            status_code=422,
        )
    order = await orders_service.lock_by_number(session, number)
    before = order.status
    try:
        async with session.begin_nested():
            actor = await orders_service.staff_actor(session, staff.user_id)
            await orders_service.fulfil(
                session,
                order,
                carrier=data.carrier,
                tracking_number=data.tracking_number,
                actor=actor,
            )
    except ShopError as error:
        return await _detail(
            request,
            session,
            staff,
            number,
            errors={"carrier": error.message},
            values=values,
            status_code=409,
        )
    return await audited_redirect(
        request,
        session,
        staff,
        "order.fulfil",
        entity_type="order",
        entity_id=order.number,
        before={"status": before},
        after={"status": order.status, **data.model_dump()},
        to=f"/admin/orders/{order.number}",
        message=f"Order {order.number} shipped with {data.carrier} {data.tracking_number}.",
    )


@router.post("/{number}/refund")
async def refund(
    request: Request,
    number: Number,
    database: DatabaseDep,
    gateways: GatewaysDep,
    staff: OrdersWriter,
    _csrf: CsrfProtected,
) -> Response:
    form = await request.form()
    values = {
        "amount": text_field(form, "amount", max_length=20),
        "reason": text_field(form, "reason", max_length=500),
    }
    errors: dict[str, str] = {}
    amount = dollars(values["amount"], errors, "amount", required=True)
    if amount == 0:
        errors["amount"] = "Enter an amount above 0.00"
    if not values["reason"]:
        errors["reason"] = "Say why the money goes back"
    elif len(values["reason"]) > 500:
        errors["reason"] = "At most 500 characters"
    async with database.read() as session:
        order = await orders_service.get_order(session, number)
        currency, number = order.currency, order.number  # the read's rollback expires `order`
        if errors:
            return await _detail(
                request, session, staff, number, errors=errors, values=values, status_code=422
            )
    try:
        result, _ = await workflows.refund_order(
            database,
            gateways,
            number,
            amount=amount or 0,
            currency=currency,
            reason=values["reason"],
            restock={},
            staff_user_id=staff.user_id,
        )
    except ShopError as error:
        async with database.read() as session:
            return await _detail(
                request,
                session,
                staff,
                number,
                errors={"amount": error.message},
                values=values,
                status_code=error.status,
            )
    async with database.transaction() as session:
        await record_change(
            request,
            session,
            staff,
            "order.refund",
            entity_type="order",
            entity_id=number,
            after={
                "refund_id": result.id,
                "status": result.status,
                "amount": amount,
                "reason": values["reason"],
            },
        )
    back = f"/admin/orders/{number}"
    if result.status == "failed":
        return redirect_with_flash(
            request,
            back,
            "The payment provider refused the refund; nothing was refunded.",
            kind="error",
        )
    if result.status == "pending":
        return redirect_with_flash(
            request, back, "Refund requested; the provider has not confirmed it yet.", kind="info"
        )
    return redirect_with_flash(request, back, f"Refunded {values['amount']} to the customer.")
