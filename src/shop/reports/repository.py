"""Every SQL statement of the dashboard: aggregates over orders, carts and variants."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Date, cast, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from shop.models.carts import Cart
from shop.models.catalog import Product, ProductStatus, Variant
from shop.models.orders import Order, OrderStatus

# Orders whose money was taken: revenue counts these.
PAID_STATUSES = (
    OrderStatus.PAID,
    OrderStatus.PROCESSING,
    OrderStatus.SHIPPED,
    OrderStatus.DELIVERED,
)


@dataclass(frozen=True, slots=True)
class LowStockRow:
    variant_id: int
    product_id: int
    product_name: str
    sku: str
    title: str
    stock: int
    threshold: int


def _utc_day(session: AsyncSession) -> ColumnElement[date | str]:
    if session.get_bind().dialect.name == "sqlite":
        # SQLite keeps UTC timestamps as text; date() cuts the day off it.
        return func.date(Order.created_at)
    return cast(func.timezone("UTC", Order.created_at), Date)


async def order_totals(session: AsyncSession, start: datetime, end: datetime) -> tuple[int, int]:
    """(orders placed in [start, end) and not cancelled, revenue of the paid ones)."""
    paid = Order.status.in_([str(s) for s in PAID_STATUSES])
    row = (
        await session.execute(
            select(
                func.count(),
                func.coalesce(func.sum(Order.total_amount).filter(paid), 0),
            ).where(
                Order.created_at >= start,
                Order.created_at < end,
                Order.status != str(OrderStatus.CANCELLED),
            )
        )
    ).one()
    return int(row[0]), int(row[1])


async def carts_created(session: AsyncSession, start: datetime, end: datetime) -> int:
    count = await session.scalar(
        select(func.count())
        .select_from(Cart)
        .where(Cart.created_at >= start, Cart.created_at < end)
    )
    return int(count or 0)


async def sales_by_day(
    session: AsyncSession, start: datetime, end: datetime
) -> dict[date, tuple[int, int]]:
    """Per UTC day: (paid orders, revenue)."""
    day = _utc_day(session).label("day")
    rows = await session.execute(
        select(day, func.count(), func.sum(Order.total_amount))
        .where(
            Order.created_at >= start,
            Order.created_at < end,
            Order.status.in_([str(s) for s in PAID_STATUSES]),
        )
        .group_by(day)
    )
    result: dict[date, tuple[int, int]] = {}
    for bucket, count, revenue in rows.all():
        key = bucket if isinstance(bucket, date) else date.fromisoformat(str(bucket))
        result[key] = (int(count), int(revenue or 0))
    return result


async def low_stock(session: AsyncSession, *, limit: int) -> list[LowStockRow]:
    """Tracked, active variants of live products at or under their threshold, emptiest first."""
    rows = await session.execute(
        select(
            Variant.id,
            Product.id,
            Product.name,
            Variant.sku,
            Variant.title,
            Variant.stock_quantity,
            Variant.low_stock_threshold,
        )
        .join(Product, Product.id == Variant.product_id)
        .where(
            Variant.track_inventory.is_(True),
            Variant.is_active.is_(True),
            Variant.stock_quantity <= Variant.low_stock_threshold,
            Product.status != str(ProductStatus.ARCHIVED),
        )
        .order_by(Variant.stock_quantity, Variant.id)
        .limit(limit)
    )
    return [LowStockRow(*row) for row in rows.all()]


async def stock_rows(session: AsyncSession, *, q: str | None, limit: int) -> list[LowStockRow]:
    """Variants by SKU or product name (part of either, any case), emptiest first."""
    stmt = select(
        Variant.id,
        Product.id,
        Product.name,
        Variant.sku,
        Variant.title,
        Variant.stock_quantity,
        Variant.low_stock_threshold,
    ).join(Product, Product.id == Variant.product_id)
    if q:
        pattern = f"%{q.lower()}%"
        stmt = stmt.where(
            func.lower(Variant.sku).like(pattern, escape="\\")
            | func.lower(Product.name).like(pattern, escape="\\")
        )
    rows = await session.execute(stmt.order_by(Variant.stock_quantity, Variant.id).limit(limit))
    return [LowStockRow(*row) for row in rows.all()]
