"""Builders for carts, reviews and wishlists (and the variants, coupons and delivered orders they
need). Keyword-only, safe defaults. Products go through the catalog builders."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from shop.carts.service import hash_cart_token, new_cart_token
from shop.catalog.product_view import ProductView
from shop.models.accounts import Role, User
from shop.models.carts import Cart, CartLine
from shop.models.catalog import Product, ProductStatus, Variant
from shop.models.engagement import Review, ReviewStatus
from shop.models.orders import Order, OrderLine, OrderStatus
from shop.models.pricing import Coupon, CouponKind
from tests.builders import catalog
from tests.builders.accounts import bearer, create_user
from tests.conftest import TEST_SECRET

_sequence = itertools.count(1)


@dataclass(frozen=True, slots=True)
class Customer:
    user: User
    headers: dict[str, str]  # Authorization: Bearer <access token>


async def create_customer(session: AsyncSession, *, role: Role = Role.CUSTOMER) -> Customer:
    user = await create_user(session, role=role)
    return Customer(user=user, headers=bearer(user, secret=TEST_SECRET))


async def create_variant(
    session: AsyncSession,
    *,
    price: int = 1000,
    stock: int = 10,
    track_inventory: bool = True,
    is_active: bool = True,
    product_status: ProductStatus = ProductStatus.ACTIVE,
    name: str | None = None,
    title: str | None = None,
    images: Sequence[tuple[str, str]] = (),
) -> Variant:
    """A product with this one variant; `variant.product` is loaded."""
    product = await catalog.create_product(
        session,
        name=name,
        status=product_status,
        images=images,
        variants=[
            catalog.variant(
                price=price,
                stock_quantity=stock,
                track_inventory=track_inventory,
                is_active=is_active,
                title=title,
            )
        ],
    )
    return await variant_of(session, product)


async def variant_of(session: AsyncSession, product: Product | ProductView) -> Variant:
    """The product's first variant, with `variant.product` loaded (as an ORM row)."""
    result = await session.execute(
        select(Variant)
        .where(Variant.product_id == product.id)
        .order_by(Variant.id)
        .limit(1)
        .execution_options(populate_existing=True)
    )
    variant = result.scalar_one()
    row = product if isinstance(product, Product) else await session.get(Product, product.id)
    assert row is not None
    variant.product = row
    return variant


async def change_variant(session: AsyncSession, variant_id: int, **values: Any) -> None:
    """Change a variant behind the catalog's back (stock, price, is_active ...)."""
    await session.execute(update(Variant).where(Variant.id == variant_id).values(**values))


async def change_product(session: AsyncSession, product_id: int, **values: Any) -> None:
    await session.execute(update(Product).where(Product.id == product_id).values(**values))


async def create_cart(
    session: AsyncSession,
    *,
    user: User | None = None,
    lines: Sequence[tuple[Variant, int]] = (),
    coupon_code: str | None = None,
    updated_at: datetime | None = None,
    converted_at: datetime | None = None,
    currency: str = "USD",
) -> tuple[Cart, str]:
    """A cart and its secret token."""
    token = new_cart_token()
    cart = Cart(
        token_hash=hash_cart_token(token),
        user_id=user.id if user is not None else None,
        currency=currency,
        coupon_code=coupon_code,
        converted_at=converted_at,
    )
    session.add(cart)
    await session.flush()
    for variant, quantity in lines:
        session.add(CartLine(cart_id=cart.id, variant_id=variant.id, quantity=quantity))
    await session.flush()
    if updated_at is not None:
        await session.execute(update(Cart).where(Cart.id == cart.id).values(updated_at=updated_at))
        cart.updated_at = updated_at
    return cart, token


async def create_coupon(
    session: AsyncSession,
    *,
    code: str | None = None,
    kind: CouponKind = CouponKind.PERCENTAGE,
    value: int = 10,
    min_spend: int = 0,
    starts_at: datetime | None = None,
    ends_at: datetime | None = None,
    is_active: bool = True,
) -> Coupon:
    coupon = Coupon(
        code=code or f"SAVE{next(_sequence)}",
        kind=kind,
        value=value,
        min_spend_amount=min_spend,
        starts_at=starts_at,
        ends_at=ends_at,
        is_active=is_active,
    )
    session.add(coupon)
    await session.flush()
    return coupon


async def create_order_of(
    session: AsyncSession,
    *,
    user: User,
    variant: Variant,
    status: OrderStatus = OrderStatus.DELIVERED,
) -> Order:
    """A minimal order of one variant (for the verified-purchase flag)."""
    number = next(_sequence)
    order = Order(
        number=f"SW-T{number:07d}",
        user_id=user.id,
        email=user.email,
        status=status,
        currency="USD",
        subtotal_amount=variant.price_amount,
        total_amount=variant.price_amount,
        shipping_method="standard",
        shipping_address={},
        billing_address={},
    )
    session.add(order)
    await session.flush()
    session.add(
        OrderLine(
            order_id=order.id,
            variant_id=variant.id,
            product_id=variant.product_id,
            product_name="Snapshot",
            sku=variant.sku,
            unit_price_amount=variant.price_amount,
            quantity=1,
            total_amount=variant.price_amount,
        )
    )
    await session.flush()
    return order


async def create_review(
    session: AsyncSession,
    *,
    user: User,
    product_id: int,
    rating: int = 4,
    title: str = "Good",
    body: str = "",
) -> Review:
    """A pending review, written directly (moderate it through the service or the API)."""
    review = Review(
        product_id=product_id,
        user_id=user.id,
        rating=rating,
        title=title,
        body=body,
        status=ReviewStatus.PENDING,
        verified_purchase=False,
    )
    session.add(review)
    await session.flush()
    return review
