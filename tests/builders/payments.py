"""Builders for payments: a bare order to hang them on, payments in any state, and signed
sandbox webhook requests. Keyword-only, safe defaults."""

from __future__ import annotations

import itertools
import json
import time
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from shop.integrations.payments.signatures import signature_header
from shop.models.orders import Order
from shop.models.payments import Payment, PaymentStatus

_numbers = itertools.count(1)
ADDRESS = {
    "name": "Ada Lovelace",
    "line1": "1 Analytical Way",
    "city": "London",
    "postal_code": "N1 1AA",
    "country": "GB",
}


async def create_order(
    session: AsyncSession, *, total: int = 5000, email: str = "buyer@example.com"
) -> Order:
    """The least an order needs (the orders feature builds real ones)."""
    order = Order(
        number=f"SW-PAY{next(_numbers):05d}",
        email=email,
        currency="USD",
        subtotal_amount=total,
        total_amount=total,
        shipping_method="standard",
        shipping_address=ADDRESS,
        billing_address=ADDRESS,
    )
    session.add(order)
    await session.flush()
    return order


async def create_payment(
    session: AsyncSession,
    *,
    order: Order | None = None,
    provider: str = "sandbox",
    amount: int = 5000,
    status: PaymentStatus = PaymentStatus.PENDING,
    reference: str | None = None,
    captured_amount: int | None = None,
) -> Payment:
    order = order or await create_order(session, total=amount)
    captured = captured_amount
    if captured is None:
        captured = amount if status is PaymentStatus.CAPTURED else 0
    payment = Payment(
        order_id=order.id,
        provider=provider,
        provider_reference=reference,
        amount=amount,
        currency="USD",
        status=status,
        captured_amount=captured,
        refunded_amount=0,
    )
    session.add(payment)
    await session.flush()
    return payment


def sandbox_event(
    *,
    event_type: str = "payment.captured",
    event_id: str | None = None,
    reference: str = "sbx_test",
    amount: int = 5000,
    captured_amount: int | None = None,
    payment_id: int | None = None,
    refund: dict[str, Any] | None = None,
    failure_code: str | None = None,
    created: int | None = None,
) -> bytes:
    """A sandbox event body, as the sandbox provider sends it."""
    metadata = {} if payment_id is None else {"payment_id": str(payment_id)}
    captured = captured_amount
    if captured is None:
        captured = amount if event_type != "payment.failed" else 0
    data: dict[str, Any] = {
        "payment": {
            "id": reference,
            "object": "payment",
            "amount": amount,
            "currency": "USD",
            "status": "declined" if event_type == "payment.failed" else "captured",
            "captured_amount": captured,
            "refunded_amount": 0,
            "failure_code": failure_code,
            "metadata": metadata,
        }
    }
    if refund is not None:
        data["refund"] = refund
    document = {
        "id": event_id or f"evt_{next(_numbers):08d}",
        "type": event_type,
        "created": created or int(time.time()),
        "data": data,
    }
    return json.dumps(document).encode()


def sandbox_headers(body: bytes, *, secret: str, timestamp: int | None = None) -> dict[str, str]:
    moment = int(time.time()) if timestamp is None else timestamp
    return {
        "content-type": "application/json",
        "sandbox-signature": signature_header(body, secret=secret, timestamp=moment),
    }
