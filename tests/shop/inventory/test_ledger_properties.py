"""Property: after any sequence of allocations, cancellations, adjustments and restocks, the
on-hand of a variant equals the sum of its movements and is never negative."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.ext.asyncio import AsyncSession

from shop.errors import ShopError
from shop.inventory import service as inventory_service
from tests.builders.orders import create_variant, ledger_sum, on_hand
from tests.builders.pricing import create_order_row

Operation = tuple[str, int, int]

operations = st.lists(
    st.one_of(
        st.tuples(st.just("allocate"), st.integers(1, 6), st.just(0)),
        st.tuples(st.just("cancel"), st.integers(0, 9), st.just(0)),
        st.tuples(st.just("adjust"), st.integers(-8, 8).filter(bool), st.just(0)),
        st.tuples(st.just("restock"), st.integers(0, 9), st.integers(1, 3)),
    ),
    max_size=12,
)


class TestLedgerInvariant:
    @settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(initial=st.integers(0, 12), steps=operations)
    async def test_on_hand_equals_sum_of_movements(
        self, session: AsyncSession, initial: int, steps: list[Operation]
    ) -> None:
        # Created as the catalog will once it records initial stock through the ledger.
        variant = await create_variant(session, stock=0)
        variant_id = variant.id
        await inventory_service.record_initial_stock(session, variant_id, initial)
        assert await ledger_sum(session, variant_id) == await on_hand(session, variant_id)
        orders: list[int] = []
        expected = initial
        for kind, value, extra in steps:
            try:
                async with session.begin_nested():
                    expected += await _apply(session, variant_id, orders, kind, value, extra)
            except ShopError:
                pass  # refused (not enough stock, below zero, more than sold): nothing changed
            stock = await on_hand(session, variant_id)
            assert stock == expected
            assert stock >= 0
            assert await ledger_sum(session, variant_id) == stock


async def _apply(
    session: AsyncSession, variant_id: int, orders: list[int], kind: str, value: int, extra: int
) -> int:
    """Run one operation; the change of the on-hand it must cause if it is accepted."""
    if kind == "allocate":
        order = await create_order_row(session)
        await inventory_service.allocate(session, [(variant_id, value)], order_id=order.id)
        orders.append(order.id)
        return -value
    if kind == "adjust":
        await inventory_service.adjust(session, variant_id, value, reason="property test")
        return value
    if not orders:
        return 0
    order_id = orders[value % len(orders)]
    if kind == "cancel":
        released = await inventory_service.release(session, order_id=order_id)
        return released.get(variant_id, 0)
    await inventory_service.restock_on_refund(session, [(variant_id, extra)], order_id=order_id)
    return extra
