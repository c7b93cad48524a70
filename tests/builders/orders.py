"""Builders for orders (placed through the orders and inventory services, as checkout does),
their payments, and checkout request bodies. Keyword-only, safe defaults."""

from __future__ import annotations

import itertools
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import httpx
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from shop.carts import service as carts_service
from shop.db.session import Database
from shop.inventory import service as inventory_service
from shop.kit.clock import utcnow
from shop.models.accounts import Role, User
from shop.models.carts import Cart, CartLine
from shop.models.catalog import Product, ProductStatus, Variant
from shop.models.inventory import InventoryMovement
from shop.models.jobs import OutboxJob
from shop.models.orders import Order, OrderStatus
from shop.models.payments import Payment, PaymentStatus
from shop.models.pricing import Coupon
from shop.orders import money as orders_money
from shop.orders import service as orders_service
from shop.orders.service import Actor, NewOrder, NewOrderLine
from tests.builders.accounts import bearer, create_user
from tests.conftest import TEST_SECRET

_sequence = itertools.count(1)


# --- catalog rows, carts and customers: tiny ORM builders, so that these tests do not depend on
# the catalog's admin service (which maintains listings and search, not needed here) ------------


async def create_variant(
    session: AsyncSession,
    *,
    price: int = 1000,
    stock: int = 10,
    track_inventory: bool = True,
    name: str | None = None,
) -> Variant:
    """An active product with this one active variant. Its stock has no movement yet, as the
    catalog creates it today: the ledger records the opening balance on the first change."""
    number = next(_sequence)
    product = Product(
        slug=f"order-test-product-{number}-{secrets.token_hex(3)}",
        name=name or f"Product {number}",
        status=ProductStatus.ACTIVE,
        price_amount=price,
    )
    session.add(product)
    await session.flush()
    variant = Variant(
        product_id=product.id,
        sku=f"ORD-{number:05d}-{secrets.token_hex(2).upper()}",
        title="",
        options={},
        price_amount=price,
        stock_quantity=stock,
        track_inventory=track_inventory,
    )
    session.add(variant)
    await session.flush()
    return variant


async def change_variant(session: AsyncSession, variant_id: int, **values: Any) -> None:
    """Change a variant behind the ledger's back (to arrange a test)."""
    await session.execute(update(Variant).where(Variant.id == variant_id).values(**values))


async def create_cart(
    session: AsyncSession,
    *,
    lines: Sequence[tuple[Variant, int]] = (),
    user: User | None = None,
    coupon_code: str | None = None,
) -> tuple[Cart, str]:
    """A cart and its secret token."""
    token = carts_service.new_cart_token()
    cart = Cart(
        token_hash=carts_service.hash_cart_token(token),
        user_id=user.id if user is not None else None,
        currency="USD",
        coupon_code=coupon_code,
    )
    session.add(cart)
    await session.flush()
    session.add_all(
        CartLine(cart_id=cart.id, variant_id=variant.id, quantity=quantity)
        for variant, quantity in lines
    )
    await session.flush()
    return cart, token


@dataclass(frozen=True, slots=True)
class Customer:
    user: User
    headers: dict[str, str]  # Authorization: Bearer <access token>


async def create_customer(session: AsyncSession, *, role: Role = Role.CUSTOMER) -> Customer:
    user = await create_user(session, role=role)
    return Customer(user=user, headers=bearer(user, secret=TEST_SECRET))


# --- orders ------------------------------------------------------------------------------

ADDRESS: dict[str, Any] = {
    "name": "Ada Buyer",
    "line1": "1 Main Street",
    "line2": None,
    "city": "Springfield",
    "region": "IL",
    "postal_code": "62701",
    "country": "US",
}


def address(**changes: Any) -> dict[str, Any]:
    return {**ADDRESS, **changes}


async def place_order(
    session: AsyncSession,
    *,
    lines: Sequence[tuple[Variant, int]],
    email: str | None = None,
    user_id: int | None = None,
    shipping: int = 999,
    tax_basis_points: int = 800,
    status: OrderStatus = OrderStatus.PENDING,
    captured: bool | None = None,
    provider: str = "sandbox",
) -> Order:
    """An order of `lines` at their variants' prices, stock allocated, with a payment: captured
    (and the order paid) unless `status` is pending or `captured` says otherwise. `status`
    beyond paid is set directly (processing, shipped, delivered)."""
    new_lines = []
    for variant, quantity in lines:
        amount = variant.price_amount * quantity
        tax = amount * tax_basis_points // 10_000
        new_lines.append(
            NewOrderLine(
                variant_id=variant.id,
                product_id=variant.product_id,
                product_name=f"Product of {variant.sku}",
                variant_title=variant.title,
                sku=variant.sku,
                unit_price=variant.price_amount,
                quantity=quantity,
                discount=0,
                tax=tax,
                total=amount + tax,
            )
        )
    subtotal = sum(line.unit_price * line.quantity for line in new_lines)
    tax_total = sum(line.tax for line in new_lines)
    order = await orders_service.create_order(
        session,
        NewOrder(
            user_id=user_id,
            email=email or f"buyer{next(_sequence)}@example.com",
            currency="USD",
            subtotal=subtotal,
            discount=0,
            shipping=shipping,
            tax=tax_total,
            total=subtotal + shipping + tax_total,
            shipping_method="standard",
            coupon_code=None,
            shipping_address=address(),
            billing_address=address(),
            cart_id=None,
            lines=new_lines,
        ),
        actor=Actor.customer(user_id),
    )
    await inventory_service.allocate(
        session, [(variant.id, quantity) for variant, quantity in lines], order_id=order.id
    )
    is_captured = status is not OrderStatus.PENDING if captured is None else captured
    payment = Payment(
        order_id=order.id,
        provider=provider,
        provider_reference=f"sbx_test_{order.number}",
        status=PaymentStatus.CAPTURED if is_captured else PaymentStatus.PENDING,
        amount=order.total_amount,
        currency="USD",
        captured_amount=order.total_amount if is_captured else 0,
    )
    session.add(payment)
    await session.flush()
    if is_captured:
        await orders_money.record_capture(
            session, order, amount=order.total_amount, actor=Actor.system()
        )
    if status not in (OrderStatus.PENDING, OrderStatus.PAID):
        order.status = status
        order.updated_at = utcnow()
    await session.flush()
    return order


async def ledger_sum(session: AsyncSession, variant_id: int) -> int:
    total = await session.scalar(
        select(func.coalesce(func.sum(InventoryMovement.delta), 0)).where(
            InventoryMovement.variant_id == variant_id
        )
    )
    return int(total or 0)


async def on_hand(session: AsyncSession, variant_id: int) -> int:
    stock = await session.scalar(select(Variant.stock_quantity).where(Variant.id == variant_id))
    assert stock is not None
    return int(stock)


async def movements(session: AsyncSession, variant_id: int) -> list[tuple[str, int]]:
    rows = await session.execute(
        select(InventoryMovement.kind, InventoryMovement.delta)
        .where(InventoryMovement.variant_id == variant_id)
        .order_by(InventoryMovement.id)
    )
    return [(str(kind), int(delta)) for kind, delta in rows]


def checkout_body(
    cart_id: int,
    *,
    email: str = "buyer@example.com",
    token: str = "tok_visa",  # noqa: S107 (a sandbox card token)
    shipping_method: str = "standard",
    billing_address: dict[str, Any] | None = None,
    **changes: Any,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "cart_id": cart_id,
        "email": email,
        "shipping_address": address(),
        "shipping_method": shipping_method,
        "payment": {"provider": "sandbox", "token": token},
    }
    if billing_address is not None:
        body["billing_address"] = billing_address
    body.update(changes)
    return body


async def shop_state(
    session: AsyncSession,
    *,
    variant_ids: Sequence[int] = (),
    cart_id: int | None = None,
    coupon_id: int | None = None,
) -> dict[str, Any]:
    """What a checkout may change, to compare before and after a refused one."""
    state: dict[str, Any] = {
        "stock": [await on_hand(session, variant_id) for variant_id in variant_ids],
        "ledger": [await ledger_sum(session, variant_id) for variant_id in variant_ids],
        "orders": await count_rows(session, Order),
        "paid_orders": await count_rows(session, Order, Order.status == OrderStatus.PAID),
        "payments": await count_rows(session, Payment),
        "mails": await count_rows(session, OutboxJob),
    }
    if cart_id is not None:
        cart = await session.get(Cart, cart_id, populate_existing=True)
        lines = await session.execute(
            select(CartLine.variant_id, CartLine.quantity)
            .where(CartLine.cart_id == cart_id)
            .order_by(CartLine.id)
        )
        state["cart"] = {
            "converted": cart is not None and cart.converted_at is not None,
            "lines": [tuple(row) for row in lines],
        }
    if coupon_id is not None:
        coupon = await session.get(Coupon, coupon_id, populate_existing=True)
        state["coupon_used"] = coupon.times_used if coupon else None
    return state


async def count_rows(session: AsyncSession, model: type[Any], *conditions: Any) -> int:
    total = await session.scalar(select(func.count()).select_from(model).where(*conditions))
    return int(total or 0)


async def buy(
    client: httpx.AsyncClient,
    database: Database,
    *,
    price: int = 2000,
    quantity: int = 1,
    stock: int = 10,
    user: User | None = None,
    user_headers: dict[str, str] | None = None,
    email: str = "buyer@example.com",
    token: str = "tok_visa",  # noqa: S107 (a sandbox card token)
    coupon_code: str | None = None,
) -> tuple[dict[str, Any], int]:
    """An order placed through POST /api/v1/checkout (the real flow, the sandbox provider):
    the 201 body and the variant id."""
    async with database.transaction() as session:
        variant = await create_variant(session, price=price, stock=stock)
        cart, cart_token = await create_cart(
            session, user=user, lines=[(variant, quantity)], coupon_code=coupon_code
        )
        variant_id = variant.id
    request_headers = {"Idempotency-Key": f"buy-{next(_sequence)}", **(user_headers or {})}
    if user is None:
        request_headers["X-Cart-Token"] = cart_token
    response = await client.post(
        "/api/v1/checkout",
        json=checkout_body(cart.id, email=email, token=token),
        headers=request_headers,
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body, variant_id
