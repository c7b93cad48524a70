"""Carts: anonymous (secret token) or a customer's (one open cart each), priced at read time.

Access: the cart token opens any cart; the owner's access token opens a customer's cart. Anyone
else gets `cart_not_found`, exactly as for a cart that does not exist. Never commits."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from shop.auth import service as auth_service
from shop.auth.tokens import AccessClaims
from shop.carts import errors
from shop.carts import repository as repo
from shop.carts.errors import MAX_LINE_QUANTITY
from shop.carts.repository import PricedLineRow
from shop.kit.clock import utcnow
from shop.models.carts import Cart, CartLine
from shop.models.catalog import ProductStatus
from shop.pricing import service as pricing_service


class LineIssue(StrEnum):
    UNAVAILABLE = "unavailable"  # the product is not active or the variant is inactive
    OUT_OF_STOCK = "out_of_stock"
    INSUFFICIENT_STOCK = "insufficient_stock"  # some, but fewer than the line's quantity


class CartStatus(StrEnum):
    OPEN = "open"
    CONVERTED = "converted"


def new_cart_token() -> str:
    return secrets.token_urlsafe(32)


def hash_cart_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# --- views ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CartLineView:
    row: PricedLineRow
    issues: list[LineIssue]
    available_quantity: int | None  # None: the variant's stock is not tracked

    @property
    def line_total(self) -> int:
        return self.row.unit_price * self.row.quantity


@dataclass(frozen=True, slots=True)
class CartView:
    id: int
    user_id: int | None
    currency: str
    coupon_code: str | None
    status: CartStatus
    created_at: datetime
    updated_at: datetime
    lines: list[CartLineView]

    @property
    def subtotal(self) -> int:
        """Current prices of every line, flagged ones included."""
        return sum(line.line_total for line in self.lines)

    @property
    def item_count(self) -> int:
        return sum(line.row.quantity for line in self.lines)

    @property
    def has_issues(self) -> bool:
        return any(line.issues for line in self.lines)


@dataclass(frozen=True, slots=True)
class CreatedCart:
    cart: CartView
    token: str | None  # shown once: None when the customer's existing cart is returned
    created: bool


def _line_view(row: PricedLineRow) -> CartLineView:
    if row.product_status != ProductStatus.ACTIVE or not row.variant_is_active:
        return CartLineView(row=row, issues=[LineIssue.UNAVAILABLE], available_quantity=0)
    if not row.track_inventory:
        return CartLineView(row=row, issues=[], available_quantity=None)
    stock = max(row.stock_quantity, 0)
    issues: list[LineIssue] = []
    if stock == 0:
        issues.append(LineIssue.OUT_OF_STOCK)
    elif stock < row.quantity:
        issues.append(LineIssue.INSUFFICIENT_STOCK)
    return CartLineView(row=row, issues=issues, available_quantity=stock)


async def _view(session: AsyncSession, cart: Cart) -> CartView:
    rows = await repo.priced_lines(session, cart.id)
    return CartView(
        id=cart.id,
        user_id=cart.user_id,
        currency=cart.currency,
        coupon_code=cart.coupon_code,
        status=CartStatus.OPEN if cart.converted_at is None else CartStatus.CONVERTED,
        created_at=cart.created_at,
        updated_at=cart.updated_at,
        lines=[_line_view(row) for row in rows],
    )


def _empty_view(cart: Cart) -> CartView:
    """A cart that was just created: no lines yet, so no query to price them."""
    return CartView(
        id=cart.id,
        user_id=cart.user_id,
        currency=cart.currency,
        coupon_code=cart.coupon_code,
        status=CartStatus.OPEN,
        created_at=cart.created_at,
        updated_at=cart.updated_at,
        lines=[],
    )


# --- access --------------------------------------------------------------------------------


def _may_use(cart: Cart, *, claims: AccessClaims | None, cart_token: str | None) -> bool:
    if cart_token is not None and hmac.compare_digest(cart.token_hash, hash_cart_token(cart_token)):
        return True
    return cart.user_id is not None and claims is not None and claims.user_id == cart.user_id


async def _usable_cart(
    session: AsyncSession,
    cart_id: int,
    *,
    claims: AccessClaims | None,
    cart_token: str | None,
    for_update: bool = False,
) -> Cart:
    cart = await repo.get_cart(session, cart_id, for_update=for_update)
    if cart is None or not _may_use(cart, claims=claims, cart_token=cart_token):
        raise errors.cart_not_found(cart_id)
    return cart


async def _open_cart_for_change(
    session: AsyncSession, cart_id: int, *, claims: AccessClaims | None, cart_token: str | None
) -> Cart:
    """The cart, locked for the change and touched (idle carts are judged by updated_at)."""
    cart = await repo.touch_open_cart(
        session,
        cart_id,
        token_hash=hash_cart_token(cart_token) if cart_token is not None else None,
        user_id=claims.user_id if claims is not None else None,
        now=utcnow(),
    )
    if cart is not None:
        return cart  # the usual case: one statement
    # Nothing was touched: find out why (unknown or not theirs: 404; checked out: 409).
    cart = await _usable_cart(
        session, cart_id, claims=claims, cart_token=cart_token, for_update=True
    )
    if cart.converted_at is not None:
        raise errors.cart_converted(cart_id)
    cart.updated_at = utcnow()
    return cart


# --- the API's use cases -------------------------------------------------------------------


async def create_cart(session: AsyncSession, *, user_id: int | None, currency: str) -> CreatedCart:
    """A new cart; for a customer who already has an open cart, that cart (no token)."""
    if user_id is not None:
        existing = await repo.get_open_cart_of_user(session, user_id)
        if existing is not None:
            return CreatedCart(cart=await _view(session, existing), token=None, created=False)
    token = new_cart_token()
    cart = Cart(token_hash=hash_cart_token(token), user_id=user_id, currency=currency)
    if user_id is None:
        # Only a customer's cart can meet a unique index (one open cart each): an anonymous
        # cart needs no savepoint. A new cart has no lines, so there is nothing to price.
        await repo.insert_cart(session, cart)
        return CreatedCart(cart=_empty_view(cart), token=token, created=True)
    try:
        async with session.begin_nested():
            await repo.insert_cart(session, cart)
    except IntegrityError:
        # A concurrent request of the same customer created their open cart first.
        existing = await repo.get_open_cart_of_user(session, user_id)
        if existing is None:
            raise
        return CreatedCart(cart=await _view(session, existing), token=None, created=False)
    return CreatedCart(cart=_empty_view(cart), token=token, created=True)


async def get_cart(
    session: AsyncSession, *, cart_id: int, claims: AccessClaims | None, cart_token: str | None
) -> CartView:
    cart = await _usable_cart(session, cart_id, claims=claims, cart_token=cart_token)
    return await _view(session, cart)


async def get_customer_cart(session: AsyncSession, *, user_id: int) -> CartView | None:
    """The customer's open cart, if they have one (pages find a signed-in shopper's cart)."""
    cart = await repo.get_open_cart_of_user(session, user_id)
    return None if cart is None else await _view(session, cart)


async def delete_cart(
    session: AsyncSession, *, cart_id: int, claims: AccessClaims | None, cart_token: str | None
) -> None:
    await _open_cart_for_change(session, cart_id, claims=claims, cart_token=cart_token)
    await repo.delete_cart(session, cart_id)


async def add_item(
    session: AsyncSession,
    *,
    cart_id: int,
    claims: AccessClaims | None,
    cart_token: str | None,
    variant_id: int,
    quantity: int,
) -> CartView:
    """Add `quantity` of a variant; a line of the same variant grows (at most 99 in all)."""
    cart = await _open_cart_for_change(session, cart_id, claims=claims, cart_token=cart_token)
    variant = await repo.variant_for_sale(session, variant_id)
    if variant is None:
        raise errors.unknown_variant(variant_id)
    if not variant.for_sale:
        raise errors.variant_unavailable(variant_id)
    added = None
    if quantity <= MAX_LINE_QUANTITY:
        added = await repo.add_to_line(
            session, cart.id, variant_id, quantity, max_quantity=MAX_LINE_QUANTITY, now=utcnow()
        )
    if added is None:
        line = await repo.get_line_by_variant(session, cart.id, variant_id)
        in_cart = line.quantity if line is not None else 0
        raise errors.quantity_limit_exceeded(in_cart=in_cart, adding=quantity)
    return await _view(session, cart)


async def update_item(
    session: AsyncSession,
    *,
    cart_id: int,
    claims: AccessClaims | None,
    cart_token: str | None,
    item_id: int,
    quantity: int,
) -> CartView:
    cart = await _open_cart_for_change(session, cart_id, claims=claims, cart_token=cart_token)
    line = await repo.get_line(session, cart.id, item_id)
    if line is None:
        raise errors.cart_item_not_found(cart_id, item_id)
    line.quantity = quantity
    await session.flush()
    return await _view(session, cart)


async def remove_item(
    session: AsyncSession,
    *,
    cart_id: int,
    claims: AccessClaims | None,
    cart_token: str | None,
    item_id: int,
) -> CartView:
    cart = await _open_cart_for_change(session, cart_id, claims=claims, cart_token=cart_token)
    line = await repo.get_line(session, cart.id, item_id)
    if line is None:
        raise errors.cart_item_not_found(cart_id, item_id)
    await repo.delete_line(session, line)
    return await _view(session, cart)


async def apply_coupon(
    session: AsyncSession,
    *,
    cart_id: int,
    claims: AccessClaims | None,
    cart_token: str | None,
    code: str,
    now: datetime | None = None,
) -> CartView:
    """Validate the coupon against the cart as it is now and keep it (replacing any other).
    Checkout validates it again: dates, limits and the subtotal may change in between."""
    cart = await _open_cart_for_change(session, cart_id, claims=claims, cart_token=cart_token)
    view = await _view(session, cart)
    email: str | None = None
    if cart.user_id is not None:
        email = (await auth_service.get_active_user(session, cart.user_id)).email
    coupon = await pricing_service.check_coupon(
        session, code, subtotal=view.subtotal, email=email, user_id=cart.user_id, now=now
    )
    cart.coupon_code = coupon.code
    await session.flush()
    return await _view(session, cart)


async def remove_coupon(
    session: AsyncSession, *, cart_id: int, claims: AccessClaims | None, cart_token: str | None
) -> CartView:
    cart = await _open_cart_for_change(session, cart_id, claims=claims, cart_token=cart_token)
    cart.coupon_code = None
    await session.flush()
    return await _view(session, cart)


# --- login, checkout and background work ---------------------------------------------------


async def merge_into_customer_cart(session: AsyncSession, *, user_id: int, cart_token: str) -> None:
    """At login with an `X-Cart-Token`: the anonymous cart's lines join the customer's open cart
    (quantities summed, at most 99 a line) and the anonymous cart is deleted; without an open
    cart the anonymous cart simply becomes the customer's. The customer's coupon wins; an
    anonymous cart's coupon is kept when the customer had none.

    A token that opens nothing mergeable (unknown, already checked out, another customer's cart)
    is ignored: a stale cart token must never make a login fail."""
    anonymous = await repo.get_cart_by_token_hash(
        session, hash_cart_token(cart_token), for_update=True
    )
    if anonymous is None or anonymous.converted_at is not None or anonymous.user_id is not None:
        return
    now = utcnow()
    target = await repo.get_open_cart_of_user(session, user_id, for_update=True)
    if target is None:
        try:
            async with session.begin_nested():
                anonymous.user_id = user_id
                anonymous.updated_at = now
                await session.flush()
            return
        except IntegrityError:
            # The customer's open cart was created concurrently: merge into it instead.
            await session.refresh(anonymous)
            target = await repo.get_open_cart_of_user(session, user_id, for_update=True)
            if target is None:
                raise
    existing = {line.variant_id: line for line in await repo.lines_of(session, target.id)}
    for line in await repo.lines_of(session, anonymous.id):
        kept = existing.get(line.variant_id)
        if kept is None:
            await repo.insert_line(
                session,
                CartLine(cart_id=target.id, variant_id=line.variant_id, quantity=line.quantity),
            )
        else:
            kept.quantity = min(kept.quantity + line.quantity, MAX_LINE_QUANTITY)
    if target.coupon_code is None:
        target.coupon_code = anonymous.coupon_code
    target.updated_at = now
    await session.flush()
    await repo.delete_cart(session, anonymous.id)


@dataclass(frozen=True, slots=True)
class CheckoutLine:
    variant_id: int
    product_id: int
    product_name: str
    variant_title: str
    sku: str
    unit_price: int  # minor units of the cart's currency, the variant's current price
    quantity: int
    track_inventory: bool


@dataclass(frozen=True, slots=True)
class CartForCheckout:
    id: int
    user_id: int | None
    currency: str
    coupon_code: str | None
    lines: list[CheckoutLine]


async def load_for_checkout(
    session: AsyncSession,
    *,
    cart_id: int,
    claims: AccessClaims | None,
    cart_token: str | None,
    lock: bool = False,
) -> CartForCheckout:
    """The cart at current prices, for placing an order; `lock` takes the cart's row lock in
    the same statement (PostgreSQL), so that checkouts of one cart queue up.

    Raises `cart_not_found` (404) when the caller may not use it, `cart_converted` (409) when it
    was already checked out, `cart_empty` (422) without lines, `cart_has_unavailable_items` (422,
    member `lines`) when a product was archived or a variant deactivated. Stock is NOT checked
    here: the allocation's conditional update is the one place that decides it."""
    cart = await _usable_cart(
        session, cart_id, claims=claims, cart_token=cart_token, for_update=lock
    )
    if cart.converted_at is not None:
        raise errors.cart_converted(cart_id)
    view = await _view(session, cart)
    if not view.lines:
        raise errors.cart_empty(cart_id)
    unavailable = [
        {"variant_id": line.row.variant_id, "sku": line.row.sku, "issue": LineIssue.UNAVAILABLE}
        for line in view.lines
        if LineIssue.UNAVAILABLE in line.issues
    ]
    if unavailable:
        raise errors.unavailable_items(cart_id, unavailable)
    return CartForCheckout(
        id=cart.id,
        user_id=cart.user_id,
        currency=cart.currency,
        coupon_code=cart.coupon_code,
        lines=[
            CheckoutLine(
                variant_id=line.row.variant_id,
                product_id=line.row.product_id,
                product_name=line.row.product_name,
                variant_title=line.row.variant_title,
                sku=line.row.sku,
                unit_price=line.row.unit_price,
                quantity=line.row.quantity,
                track_inventory=line.row.track_inventory,
            )
            for line in view.lines
        ],
    )


async def mark_converted(
    session: AsyncSession, cart_id: int, *, now: datetime | None = None
) -> None:
    """The order was placed: the cart is closed (idempotent). A customer's next POST /carts
    opens a new one."""
    await repo.mark_converted(session, cart_id, now=now or utcnow())


async def remove_idle_carts(
    session: AsyncSession, *, older_than: timedelta, now: datetime | None = None
) -> int:
    """Delete open carts not changed for `older_than` (settings.cart_idle_days); returns how many.
    Checked-out carts stay: orders refer to them."""
    return await repo.delete_idle_carts(session, updated_before=(now or utcnow()) - older_than)


async def merge_on_login(session: AsyncSession, *, user_id: int, cart_token: str | None) -> None:
    """The sign-in hook (see shop.auth.hooks) that main.py registers."""
    if cart_token:
        await merge_into_customer_cart(session, user_id=user_id, cart_token=cart_token)
