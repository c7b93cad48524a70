from __future__ import annotations

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from shop.db.catalog_flags import CATALOG_CHANGED
from shop.errors import InvalidInput
from shop.inventory import service as inventory_service
from shop.inventory.errors import (
    InsufficientStock,
    LedgerNotEmpty,
    RestockExceedsSold,
    StockWouldGoNegative,
)
from shop.inventory.repository import stock_change_shown
from shop.models.orders import OrderStatus
from tests.builders.orders import (
    change_variant,
    create_variant,
    ledger_sum,
    movements,
    on_hand,
    place_order,
)
from tests.builders.pricing import create_order_row


class TestAllocate:
    async def test_takes_stock_and_writes_sale_movements(self, session: AsyncSession) -> None:
        a = await create_variant(session, stock=10)
        b = await create_variant(session, stock=3)
        order = await create_order_row(session)

        await inventory_service.allocate(session, [(b.id, 3), (a.id, 4)], order_id=order.id)

        assert await on_hand(session, a.id) == 6
        assert await on_hand(session, b.id) == 0
        # The catalog wrote no movement: the opening balance is recorded first.
        assert await movements(session, a.id) == [("import", 10), ("sale", -4)]
        assert await movements(session, b.id) == [("import", 3), ("sale", -3)]

    async def test_merges_lines_of_one_variant(self, session: AsyncSession) -> None:
        variant = await create_variant(session, stock=5)
        order = await create_order_row(session)

        await inventory_service.allocate(
            session, [(variant.id, 2), (variant.id, 3)], order_id=order.id
        )

        assert await on_hand(session, variant.id) == 0
        assert await movements(session, variant.id) == [("import", 5), ("sale", -5)]

    async def test_untracked_variant_is_not_decremented(self, session: AsyncSession) -> None:
        variant = await create_variant(session, stock=0, track_inventory=False)
        order = await create_order_row(session)

        await inventory_service.allocate(session, [(variant.id, 7)], order_id=order.id)

        assert await on_hand(session, variant.id) == 0
        assert await movements(session, variant.id) == []

    async def test_short_lines_are_all_named_and_nothing_changes(
        self, session: AsyncSession
    ) -> None:
        enough = await create_variant(session, stock=10)
        short = await create_variant(session, stock=2)
        empty = await create_variant(session, stock=0)
        order = await create_order_row(session)
        ids = [enough.id, short.id, empty.id]
        skus = [enough.sku, short.sku, empty.sku]

        with pytest.raises(InsufficientStock) as caught:
            async with session.begin_nested():  # the caller's rollback
                await inventory_service.allocate(
                    session, [(ids[0], 1), (ids[1], 3), (ids[2], 1)], order_id=order.id
                )

        assert caught.value.status == 409
        assert caught.value.code == "insufficient_stock"
        assert caught.value.extra["lines"] == [
            {"variant_id": ids[1], "sku": skus[1], "requested": 3, "available": 2},
            {"variant_id": ids[2], "sku": skus[2], "requested": 1, "available": 0},
        ]
        assert [await on_hand(session, variant_id) for variant_id in ids] == [10, 2, 0]
        assert await movements(session, ids[0]) == []

    async def test_unknown_variant_is_short(self, session: AsyncSession) -> None:
        order = await create_order_row(session)

        with pytest.raises(InsufficientStock) as caught:
            await inventory_service.allocate(session, [(987654, 1)], order_id=order.id)

        assert caught.value.extra["lines"] == [
            {"variant_id": 987654, "sku": None, "requested": 1, "available": 0}
        ]

    async def test_zero_quantity_is_refused(self, session: AsyncSession) -> None:
        variant = await create_variant(session, stock=5)
        order = await create_order_row(session)

        with pytest.raises(InvalidInput):
            await inventory_service.allocate(session, [(variant.id, 0)], order_id=order.id)

        assert await on_hand(session, variant.id) == 5


class TestRelease:
    async def test_gives_back_what_the_order_holds_once(self, session: AsyncSession) -> None:
        variant = await create_variant(session, stock=10)
        order = await place_order(session, lines=[(variant, 4)])

        released = await inventory_service.release(session, order_id=order.id)
        again = await inventory_service.release(session, order_id=order.id)

        assert released == {variant.id: 4}
        assert again == {}
        assert await on_hand(session, variant.id) == 10
        assert await movements(session, variant.id) == [
            ("import", 10),
            ("sale", -4),
            ("cancellation", 4),
        ]

    async def test_after_a_partial_restock_releases_the_rest(self, session: AsyncSession) -> None:
        variant = await create_variant(session, stock=10)
        order = await place_order(session, lines=[(variant, 4)], status=OrderStatus.PAID)
        await inventory_service.restock_on_refund(session, [(variant.id, 1)], order_id=order.id)

        released = await inventory_service.release(session, order_id=order.id)

        assert released == {variant.id: 3}
        assert await on_hand(session, variant.id) == 10
        assert await ledger_sum(session, variant.id) == 10


class TestRestockOnRefund:
    async def test_never_more_than_the_order_still_holds(self, session: AsyncSession) -> None:
        variant = await create_variant(session, stock=10)
        order = await place_order(session, lines=[(variant, 2)], status=OrderStatus.DELIVERED)
        await inventory_service.restock_on_refund(session, [(variant.id, 1)], order_id=order.id)

        with pytest.raises(RestockExceedsSold) as caught:
            await inventory_service.restock_on_refund(session, [(variant.id, 2)], order_id=order.id)

        assert caught.value.extra == {"variant_id": variant.id, "returnable": 1}
        assert await on_hand(session, variant.id) == 9
        assert await movements(session, variant.id) == [
            ("import", 10),
            ("sale", -2),
            ("restock_on_refund", 1),
        ]


class TestAdjust:
    async def test_adds_and_records_the_reason(self, session: AsyncSession) -> None:
        variant = await create_variant(session, stock=3)

        change = await inventory_service.adjust(
            session, variant.id, -2, reason="  damaged in storage ", actor_user_id=None
        )

        assert change.variant.stock_quantity == 1
        assert change.movement.kind == "adjustment"
        assert change.movement.delta == -2
        assert change.movement.reason == "damaged in storage"
        assert await movements(session, variant.id) == [("import", 3), ("adjustment", -2)]

    async def test_never_below_zero(self, session: AsyncSession) -> None:
        variant = await create_variant(session, stock=3)

        with pytest.raises(StockWouldGoNegative) as caught:
            await inventory_service.adjust(session, variant.id, -4, reason="count")

        assert caught.value.extra == {"variant_id": variant.id, "on_hand": 3}
        assert await on_hand(session, variant.id) == 3
        assert await movements(session, variant.id) == []

    async def test_needs_a_reason(self, session: AsyncSession) -> None:
        variant = await create_variant(session, stock=3)

        with pytest.raises(InvalidInput) as caught:
            await inventory_service.adjust(session, variant.id, 1, reason="   ")

        assert caught.value.code == "reason_required"
        assert await on_hand(session, variant.id) == 3


class TestRecordInitialStock:
    async def test_sets_the_on_hand_and_writes_an_import(self, session: AsyncSession) -> None:
        variant = await create_variant(session, stock=0)

        await inventory_service.record_initial_stock(session, variant.id, 25)

        assert await on_hand(session, variant.id) == 25
        assert await movements(session, variant.id) == [("import", 25)]

    async def test_refused_once_the_ledger_has_movements(self, session: AsyncSession) -> None:
        variant = await create_variant(session, stock=0)
        await inventory_service.adjust(session, variant.id, 5, reason="delivery")

        with pytest.raises(LedgerNotEmpty):
            await inventory_service.record_initial_stock(session, variant.id, 25)

        assert await on_hand(session, variant.id) == 5


class TestSetOnHand:
    async def test_records_the_difference(self, session: AsyncSession) -> None:
        variant = await create_variant(session, stock=8)
        await inventory_service.adjust(session, variant.id, 2, reason="delivery")
        await change_variant(session, variant.id, low_stock_threshold=1)

        await inventory_service.set_on_hand(session, variant.id, 4, reason="stock count")

        assert await on_hand(session, variant.id) == 4
        assert await movements(session, variant.id) == [
            ("import", 8),
            ("adjustment", 2),
            ("adjustment", -6),
        ]


class TestCatalogChangeOnlyWhenShoppersSeeIt:
    """A stock move empties the catalog caches only when it changes what is shown: "In stock"
    above the low-stock threshold (5 by default), "Only N left" at or below it, out at 0."""

    @pytest.mark.parametrize(
        ("stock", "take", "shown"),
        [(100, 1, False), (7, 2, True), (7, 1, False), (3, 1, True), (1, 1, True)],
    )
    async def test_a_sale(self, session: AsyncSession, stock: int, take: int, shown: bool) -> None:
        variant = await create_variant(session, stock=stock)
        order = await create_order_row(session)
        session.info.pop(CATALOG_CHANGED, None)

        await inventory_service.allocate(session, [(variant.id, take)], order_id=order.id)

        assert bool(session.info.get(CATALOG_CHANGED)) is shown

    async def test_a_cancellation_back_above_the_threshold_is_shown(
        self, session: AsyncSession
    ) -> None:
        variant = await create_variant(session, stock=6)
        order = await create_order_row(session)
        await inventory_service.allocate(session, [(variant.id, 2)], order_id=order.id)
        session.info.pop(CATALOG_CHANGED, None)

        await inventory_service.release(session, order_id=order.id)  # 4 -> 6: "In stock" again

        assert session.info.get(CATALOG_CHANGED)

    async def test_untracked_stock_is_never_shown(self, session: AsyncSession) -> None:
        variant = await create_variant(session, stock=0, track_inventory=False)
        session.info.pop(CATALOG_CHANGED, None)

        await inventory_service.adjust(session, variant.id, 1, reason="count")

        assert not session.info.get(CATALOG_CHANGED)


@pytest.mark.parametrize(
    ("before", "after", "threshold", "tracked", "shown"),
    [
        (50, 49, 5, True, False),
        (6, 5, 5, True, True),
        (5, 6, 5, True, True),
        (1, 0, 0, True, True),
        (2, 1, 0, True, False),
        (1, 0, 5, False, False),
    ],
)
def test_stock_change_shown(
    before: int, after: int, threshold: int, tracked: bool, shown: bool
) -> None:
    assert (
        stock_change_shown(before=before, after=after, threshold=threshold, tracked=tracked)
        is shown
    )
