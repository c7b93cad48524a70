"""The dashboard's numbers, for one moment: today's orders and revenue, conversion, low stock,
recent orders and sales per day.

Days are UTC days. "Orders" are those placed and not cancelled; "revenue" sums the totals of
those whose payment was taken (paid, processing, shipped, delivered). Conversion is today's
orders over the carts created today (None without carts).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from shop.kit.clock import utcnow
from shop.kit.pagination import PageRequest
from shop.orders import service as orders_service
from shop.orders.repository import OrderFilters
from shop.orders.service import OrderSummary
from shop.reports import repository as repo
from shop.reports.repository import LowStockRow

SALES_DAYS = 30


@dataclass(frozen=True, slots=True)
class DaySales:
    day: date
    orders: int
    revenue: int


@dataclass(frozen=True, slots=True)
class Dashboard:
    today: date
    orders_today: int
    revenue_today: int
    carts_today: int
    low_stock: list[LowStockRow]
    recent_orders: list[OrderSummary]
    sales: list[DaySales]  # oldest first, one per day, today last

    @property
    def conversion(self) -> float | None:
        return None if self.carts_today == 0 else self.orders_today / self.carts_today

    @property
    def sales_total(self) -> int:
        return sum(day.revenue for day in self.sales)


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


async def sales_per_day(
    session: AsyncSession, *, days: int = SALES_DAYS, now: datetime | None = None
) -> list[DaySales]:
    """The last `days` UTC days including today, days without sales as zeros."""
    today = (now or utcnow()).astimezone(UTC).date()
    first = today - timedelta(days=days - 1)
    found = await repo.sales_by_day(session, _start_of(first), _start_of(today + timedelta(1)))
    return [
        DaySales(day, *found.get(day, (0, 0)))
        for day in (first + timedelta(days=offset) for offset in range(days))
    ]


async def dashboard(
    session: AsyncSession,
    *,
    now: datetime | None = None,
    low_stock_limit: int = 10,
    recent_limit: int = 10,
) -> Dashboard:
    moment = (now or utcnow()).astimezone(UTC)
    today = moment.date()
    start, end = _start_of(today), _start_of(today + timedelta(days=1))
    orders, revenue = await repo.order_totals(session, start, end)
    recent = await orders_service.list_orders(session, OrderFilters(), PageRequest(1, recent_limit))
    return Dashboard(
        today=today,
        orders_today=orders,
        revenue_today=revenue,
        carts_today=await repo.carts_created(session, start, end),
        low_stock=await repo.low_stock(session, limit=low_stock_limit),
        recent_orders=recent.items,
        sales=await sales_per_day(session, now=moment),
    )


async def stock_overview(
    session: AsyncSession, *, q: str | None = None, limit: int = 50
) -> list[LowStockRow]:
    """Variants matching `q` (part of a SKU or product name), emptiest first."""
    query = (q or "").strip()[:100]
    escaped = query.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return await repo.stock_rows(session, q=escaped or None, limit=limit)
