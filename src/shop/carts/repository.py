"""Every SQL statement of carts. Reads join variants, products and images (the catalog's tables)
to price lines at read time; writes touch only carts and cart_lines."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from shop.models.carts import Cart, CartLine
from shop.models.catalog import Product, ProductImage, ProductStatus, Variant

# Ids beyond this cannot exist (BIGINT on PostgreSQL, 64-bit INTEGER on SQLite).
MAX_ID = 2**63 - 1


async def get_cart(session: AsyncSession, cart_id: int, *, for_update: bool = False) -> Cart | None:
    """The cart; `for_update` locks its row (PostgreSQL) so that changes to one cart queue up.
    SQLite needs no lock: its write transactions are serialized (BEGIN IMMEDIATE)."""
    if not 1 <= cart_id <= MAX_ID:
        return None
    statement = select(Cart).where(Cart.id == cart_id)
    if for_update:
        statement = statement.with_for_update()
    return (await session.execute(statement)).scalar_one_or_none()


async def touch_open_cart(
    session: AsyncSession,
    cart_id: int,
    *,
    token_hash: str | None,
    user_id: int | None,
    now: datetime,
) -> Cart | None:
    """Lock an open cart that this token (or this customer) may use and mark it changed now,
    in one UPDATE .. RETURNING (the row lock is the UPDATE's own). None when the cart is
    missing, checked out or not theirs: then nothing changed."""
    access = []
    if token_hash is not None:
        access.append(Cart.token_hash == token_hash)
    if user_id is not None:
        access.append(Cart.user_id == user_id)
    if not access or not 1 <= cart_id <= MAX_ID:
        return None
    statement = (
        update(Cart)
        .where(Cart.id == cart_id, Cart.converted_at.is_(None), or_(*access))
        .values(updated_at=now)
        .returning(Cart)
    )
    result = await session.scalars(
        statement, execution_options={"synchronize_session": False, "populate_existing": True}
    )
    return result.one_or_none()


async def get_cart_by_token_hash(
    session: AsyncSession, token_hash: str, *, for_update: bool = False
) -> Cart | None:
    statement = select(Cart).where(Cart.token_hash == token_hash)
    if for_update:
        statement = statement.with_for_update()
    return (await session.execute(statement)).scalar_one_or_none()


async def get_open_cart_of_user(
    session: AsyncSession, user_id: int, *, for_update: bool = False
) -> Cart | None:
    statement = select(Cart).where(Cart.user_id == user_id, Cart.converted_at.is_(None))
    if for_update:
        statement = statement.with_for_update()
    return (await session.execute(statement)).scalar_one_or_none()


async def insert_cart(session: AsyncSession, cart: Cart) -> Cart:
    session.add(cart)
    await session.flush()
    return cart


async def delete_cart(session: AsyncSession, cart_id: int) -> None:
    # The lines go with it (ON DELETE CASCADE).
    await session.execute(delete(Cart).where(Cart.id == cart_id))


async def mark_converted(session: AsyncSession, cart_id: int, *, now: datetime) -> None:
    await session.execute(
        update(Cart)
        .where(Cart.id == cart_id, Cart.converted_at.is_(None))
        .values(converted_at=now, updated_at=now)
    )


async def delete_idle_carts(session: AsyncSession, *, updated_before: datetime) -> int:
    result = await session.execute(
        delete(Cart).where(Cart.updated_at < updated_before, Cart.converted_at.is_(None))
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


# --- lines ---------------------------------------------------------------------------------


async def lines_of(session: AsyncSession, cart_id: int) -> list[CartLine]:
    result = await session.execute(
        select(CartLine).where(CartLine.cart_id == cart_id).order_by(CartLine.id)
    )
    return list(result.scalars())


async def get_line(session: AsyncSession, cart_id: int, line_id: int) -> CartLine | None:
    if not 1 <= line_id <= MAX_ID:
        return None
    result = await session.execute(
        select(CartLine).where(CartLine.id == line_id, CartLine.cart_id == cart_id)
    )
    return result.scalar_one_or_none()


async def get_line_by_variant(
    session: AsyncSession, cart_id: int, variant_id: int
) -> CartLine | None:
    result = await session.execute(
        select(CartLine).where(CartLine.cart_id == cart_id, CartLine.variant_id == variant_id)
    )
    return result.scalar_one_or_none()


async def add_to_line(
    session: AsyncSession,
    cart_id: int,
    variant_id: int,
    quantity: int,
    *,
    max_quantity: int,
    now: datetime,
) -> int | None:
    """Add `quantity` of a variant to the cart: a new line, or the variant's line grows. One
    INSERT .. ON CONFLICT (cart_id, variant_id) DO UPDATE, applied only while the line stays
    within `max_quantity`. The line's new quantity, or None when that limit refused it."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(CartLine).values(
        cart_id=cart_id, variant_id=variant_id, quantity=quantity, created_at=now, updated_at=now
    )
    grown = CartLine.quantity + statement.excluded.quantity
    upsert = statement.on_conflict_do_update(
        index_elements=["cart_id", "variant_id"],
        set_={"quantity": grown, "updated_at": now},
        where=grown <= max_quantity,
    ).returning(CartLine.quantity)
    found: int | None = (await session.execute(upsert)).scalar_one_or_none()
    return found


async def insert_line(session: AsyncSession, line: CartLine) -> CartLine:
    session.add(line)
    await session.flush()
    return line


async def delete_line(session: AsyncSession, line: CartLine) -> None:
    await session.delete(line)
    await session.flush()


@dataclass(frozen=True, slots=True)
class VariantForSale:
    id: int
    product_id: int
    is_active: bool
    product_status: ProductStatus

    @property
    def for_sale(self) -> bool:
        return self.is_active and self.product_status == ProductStatus.ACTIVE


async def variant_for_sale(session: AsyncSession, variant_id: int) -> VariantForSale | None:
    if not 1 <= variant_id <= MAX_ID:
        return None
    row = (
        await session.execute(
            select(Variant.id, Variant.product_id, Variant.is_active, Product.status)
            .join(Product, Product.id == Variant.product_id)
            .where(Variant.id == variant_id)
        )
    ).one_or_none()
    if row is None:
        return None
    return VariantForSale(
        id=row.id,
        product_id=row.product_id,
        is_active=row.is_active,
        product_status=ProductStatus(row.status),
    )


@dataclass(frozen=True, slots=True)
class PricedLineRow:
    """A cart line with its variant and product as they are now."""

    id: int
    variant_id: int
    quantity: int
    product_id: int
    product_name: str
    product_slug: str
    product_status: ProductStatus
    variant_title: str
    sku: str
    unit_price: int
    variant_is_active: bool
    track_inventory: bool
    stock_quantity: int
    image_url: str | None


async def priced_lines(session: AsyncSession, cart_id: int) -> list[PricedLineRow]:
    """The cart's lines at current prices, in the order they were added: one statement."""
    first_image = (
        select(ProductImage.url)
        .where(ProductImage.product_id == Product.id)
        .order_by(ProductImage.position, ProductImage.id)
        .limit(1)
        .correlate(Product)
        .scalar_subquery()
    )
    result = await session.execute(
        select(
            CartLine.id,
            CartLine.variant_id,
            CartLine.quantity,
            Product.id.label("product_id"),
            Product.name,
            Product.slug,
            Product.status,
            Variant.title,
            Variant.sku,
            Variant.price_amount,
            Variant.is_active,
            Variant.track_inventory,
            Variant.stock_quantity,
            first_image.label("image_url"),
        )
        .join(Variant, Variant.id == CartLine.variant_id)
        .join(Product, Product.id == Variant.product_id)
        .where(CartLine.cart_id == cart_id)
        .order_by(CartLine.id)
    )
    return [
        PricedLineRow(
            id=row.id,
            variant_id=row.variant_id,
            quantity=row.quantity,
            product_id=row.product_id,
            product_name=row.name,
            product_slug=row.slug,
            product_status=ProductStatus(row.status),
            variant_title=row.title,
            sku=row.sku,
            unit_price=row.price_amount,
            variant_is_active=row.is_active,
            track_inventory=row.track_inventory,
            stock_quantity=row.stock_quantity,
            image_url=row.image_url,
        )
        for row in result
    ]
