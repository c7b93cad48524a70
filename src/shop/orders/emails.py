"""Emails about an order, queued in the caller's transaction (outbox) and sent after commit."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from shop.mail import service as mail_service
from shop.models.orders import Order, OrderLine
from shop.orders import repository as repo


async def enqueue_mail(
    session: AsyncSession,
    order: Order,
    template: str,
    *,
    key: str,
    extra: Mapping[str, Any] | None = None,
    lines: Sequence[OrderLine] | None = None,
) -> None:
    """An email about the order, sent by the worker after commit: never lost, and one message
    id per `key`, so a repeated job is recognised as the same message. `lines`: the order's
    lines when the caller has them loaded already (else they are read)."""

    def money(amount: int) -> dict[str, Any]:
        return {"amount": amount, "currency": order.currency}

    address = order.shipping_address
    context: dict[str, Any] = {
        "order_number": order.number,
        "customer_name": address.get("name"),
        "shipping_address": address,
    }
    if template == "order_confirmation":
        if lines is None:
            lines = await repo.lines_of(session, order.id)
        context |= {
            "lines": [
                {
                    "name": line.product_name,
                    "variant": line.variant_title,
                    "sku": line.sku,
                    "quantity": line.quantity,
                    "unit_price": money(line.unit_price_amount),
                    "total": money(line.unit_price_amount * line.quantity),
                }
                for line in lines
            ],
            "totals": {
                "subtotal": money(order.subtotal_amount),
                "discount": money(order.discount_amount),
                "shipping": money(order.shipping_amount),
                "tax": money(order.tax_amount),
                "total": money(order.total_amount),
            },
            "shipping_method": order.shipping_method,
        }
    context |= dict(extra or {})
    await mail_service.enqueue_mail(
        session,
        to=order.email,
        template=template,
        context=context,
        message_id=f"order-{order.number}-{key}",
    )
