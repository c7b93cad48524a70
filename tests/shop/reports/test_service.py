"""Dashboard numbers on both databases, at a fixed moment far from any other test's data."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from shop.models.carts import Cart
from shop.models.catalog import Product, ProductStatus, Variant
from shop.models.orders import Order, OrderStatus
from shop.reports import service as reports_service
from tests.builders.orders import change_variant, create_cart, create_variant, place_order

NOW = datetime(2031, 3, 15, 12, 0, tzinfo=UTC)
TODAY = NOW.date()


async def _order(
    session: AsyncSession, variant: Variant, at: datetime, status: OrderStatus
) -> Order:
    order = await place_order(
        session, lines=[(variant, 1)], status=status, shipping=0, tax_basis_points=0
    )
    order.created_at = at
    await session.flush()
    return order


async def _cart(session: AsyncSession, at: datetime) -> Cart:
    cart, _ = await create_cart(session)
    cart.created_at = at
    await session.flush()
    return cart


class TestDashboard:
    async def test_today_counts_orders_revenue_and_conversion(self, session: AsyncSession) -> None:
        variant = await create_variant(session, price=2500, stock=100)
        await _order(session, variant, NOW - timedelta(hours=3), OrderStatus.PAID)
        await _order(session, variant, NOW - timedelta(hours=2), OrderStatus.SHIPPED)
        await _order(session, variant, NOW - timedelta(hours=1), OrderStatus.PENDING)
        await _order(session, variant, NOW - timedelta(minutes=5), OrderStatus.CANCELLED)
        await _order(session, variant, NOW - timedelta(days=1), OrderStatus.PAID)  # yesterday
        for hours in (1, 2, 3, 4, 5, 6):
            await _cart(session, NOW - timedelta(hours=hours))
        await _cart(session, NOW - timedelta(days=2))

        board = await reports_service.dashboard(session, now=NOW)
        assert board.today == TODAY
        # Placed today and not cancelled: paid, shipped, pending.
        assert board.orders_today == 3
        # Only orders whose money was taken.
        assert board.revenue_today == 2 * 2500
        assert board.carts_today == 6
        assert board.conversion == 0.5

    async def test_conversion_without_carts_is_unknown(self, session: AsyncSession) -> None:
        board = await reports_service.dashboard(session, now=NOW + timedelta(days=400))
        assert (board.orders_today, board.carts_today, board.conversion) == (0, 0, None)

    async def test_recent_orders_newest_first(self, session: AsyncSession) -> None:
        variant = await create_variant(session, stock=50)
        placed = [await place_order(session, lines=[(variant, 1)]) for _ in range(3)]
        board = await reports_service.dashboard(session, now=NOW, recent_limit=2)
        assert [s.order.number for s in board.recent_orders] == [
            placed[2].number,
            placed[1].number,
        ]

    async def test_low_stock_lists_tracked_active_variants_at_threshold(
        self, session: AsyncSession
    ) -> None:
        empty = await create_variant(session, stock=0)
        low = await create_variant(session, stock=3)
        at_threshold = await create_variant(session, stock=5)
        plenty = await create_variant(session, stock=6)
        untracked = await create_variant(session, stock=0, track_inventory=False)
        inactive = await create_variant(session, stock=1)
        await change_variant(session, inactive.id, is_active=False)
        archived = await create_variant(session, stock=1)
        owner = await session.get(Product, archived.product_id)
        assert owner is not None
        owner.status = ProductStatus.ARCHIVED
        await session.flush()

        board = await reports_service.dashboard(session, now=NOW, low_stock_limit=100)
        mine = {
            empty.id,
            low.id,
            at_threshold.id,
            plenty.id,
            untracked.id,
            inactive.id,
            archived.id,
        }
        listed = [row for row in board.low_stock if row.variant_id in mine]
        assert [(row.variant_id, row.stock, row.threshold) for row in listed] == [
            (empty.id, 0, 5),
            (low.id, 3, 5),
            (at_threshold.id, 5, 5),
        ]
        assert listed[0].sku == empty.sku


class TestSalesPerDay:
    async def test_thirty_days_zero_filled_paid_orders_only(self, session: AsyncSession) -> None:
        variant = await create_variant(session, price=1000, stock=100)
        # Just after midnight UTC and just before: two different days.
        midnight = datetime(2031, 3, 10, tzinfo=UTC)
        await _order(session, variant, midnight + timedelta(seconds=1), OrderStatus.PAID)
        await _order(session, variant, midnight + timedelta(hours=23), OrderStatus.DELIVERED)
        await _order(session, variant, midnight - timedelta(seconds=1), OrderStatus.PROCESSING)
        await _order(session, variant, midnight + timedelta(hours=1), OrderStatus.PENDING)
        await _order(session, variant, midnight + timedelta(hours=2), OrderStatus.CANCELLED)
        await _order(session, variant, NOW - timedelta(days=30), OrderStatus.PAID)  # too old

        sales = await reports_service.sales_per_day(session, now=NOW)
        assert len(sales) == 30
        assert (sales[0].day, sales[-1].day) == (TODAY - timedelta(days=29), TODAY)
        by_day = {s.day: (s.orders, s.revenue) for s in sales if s.orders}
        assert by_day == {date(2031, 3, 9): (1, 1000), date(2031, 3, 10): (2, 2000)}
