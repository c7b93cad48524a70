"""Builders for coupons, shipping methods, tax rates, and the bare order row a coupon redemption
refers to. Keyword-only, safe defaults."""

from __future__ import annotations

import itertools
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from shop.models.orders import Order
from shop.models.pricing import Coupon, CouponKind, ShippingMethod, TaxRate

_sequence = itertools.count(1)


async def create_coupon(
    session: AsyncSession,
    *,
    code: str | None = None,
    kind: CouponKind = CouponKind.PERCENTAGE,
    value: int = 10,
    min_spend_amount: int = 0,
    starts_at: datetime | None = None,
    ends_at: datetime | None = None,
    usage_limit: int | None = None,
    per_customer_limit: int | None = None,
    times_used: int = 0,
    is_active: bool = True,
) -> Coupon:
    coupon = Coupon(
        code=code or f"SAVE{next(_sequence)}",
        kind=kind,
        value=0 if kind is CouponKind.FREE_SHIPPING else value,
        min_spend_amount=min_spend_amount,
        starts_at=starts_at,
        ends_at=ends_at,
        usage_limit=usage_limit,
        per_customer_limit=per_customer_limit,
        times_used=times_used,
        is_active=is_active,
    )
    session.add(coupon)
    await session.flush()
    return coupon


async def create_shipping_method(
    session: AsyncSession,
    *,
    code: str | None = None,
    name: str = "Test shipping",
    price_amount: int = 500,
    free_over_amount: int | None = None,
    is_active: bool = True,
    position: int = 10,
) -> ShippingMethod:
    method = ShippingMethod(
        code=code or f"method-{next(_sequence)}",
        name=name,
        price_amount=price_amount,
        free_over_amount=free_over_amount,
        is_active=is_active,
        position=position,
    )
    session.add(method)
    await session.flush()
    return method


async def create_tax_rate(
    session: AsyncSession,
    *,
    country: str = "US",
    region: str = "",
    basis_points: int = 800,
    applies_to_shipping: bool = False,
    name: str = "",
) -> TaxRate:
    rate = TaxRate(
        country=country,
        region=region,
        name=name,
        basis_points=basis_points,
        applies_to_shipping=applies_to_shipping,
    )
    session.add(rate)
    await session.flush()
    return rate


async def create_order_row(
    session: AsyncSession,
    *,
    email: str = "buyer@example.com",
    user_id: int | None = None,
    shipping_method: str = "standard",
    coupon_code: str | None = None,
) -> Order:
    """A bare order (no lines) for what only needs an order id: redemptions, method usage."""
    number = next(_sequence)
    address = {
        "name": "Test Buyer",
        "line1": "1 Main St",
        "city": "Springfield",
        "postal_code": "12345",
        "country": "US",
    }
    order = Order(
        number=f"T{number:08d}",
        email=email,
        user_id=user_id,
        currency="USD",
        subtotal_amount=1000,
        total_amount=1000,
        shipping_method=shipping_method,
        coupon_code=coupon_code,
        shipping_address=address,
        billing_address=address,
    )
    session.add(order)
    await session.flush()
    return order
