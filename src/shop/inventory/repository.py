"""Every SQL statement of the inventory: conditional stock updates and the movements ledger."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, exists, func, insert, literal, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from shop.db.base import UTCDateTime
from shop.db.catalog_flags import SELF_FLAGGED, mark_catalog_changed
from shop.models.catalog import Product, ProductStatus, Variant
from shop.models.inventory import InventoryMovement, MovementKind

# Movements that move stock because of an order: what the order still holds is -(their sum).
ORDER_KINDS = (MovementKind.SALE, MovementKind.CANCELLATION, MovementKind.RESTOCK_ON_REFUND)


@dataclass(frozen=True, slots=True)
class StockRow:
    id: int
    sku: str
    stock_quantity: int
    track_inventory: bool


def stock_change_shown(*, before: int, after: int, threshold: int, tracked: bool) -> bool:
    """Whether shoppers can see a stock move: "In stock" while above the low-stock threshold,
    "Only N left" at or below it, "Out of stock" at zero (the storefront's stock_state; the
    API's in_stock flips at zero, which is below any threshold). Most moves of a stocked
    variant are invisible and must not empty every catalog cache, as each order would."""
    return tracked and min(before, after) <= threshold


async def _move_stock(
    session: AsyncSession, variant_id: int, delta: int, *conditions: ColumnElement[bool]
) -> int | None:
    """The conditional UPDATE of the on-hand by `delta`; the new on-hand, or None when no row
    matched. Flags a catalog change only when shoppers can see it (stock_change_shown)."""
    statement = (
        update(Variant)
        .where(Variant.id == variant_id, *conditions)
        .values(stock_quantity=Variant.stock_quantity + delta)
        .returning(Variant.stock_quantity, Variant.low_stock_threshold, Variant.track_inventory)
        .execution_options(**{SELF_FLAGGED: True})
    )
    row = (await session.execute(statement)).one_or_none()
    if row is None:
        return None
    after, threshold, tracked = row
    if stock_change_shown(before=after - delta, after=after, threshold=threshold, tracked=tracked):
        mark_catalog_changed(session)
    return int(after)


async def take_stock(session: AsyncSession, variant_id: int, quantity: int) -> int | None:
    """Decrement a tracked variant if it has enough; the new on-hand, or None when refused.

    One conditional UPDATE: on PostgreSQL the row lock makes a concurrent taker wait and
    re-check the condition; on SQLite writers are serialized by BEGIN IMMEDIATE."""
    return await _move_stock(
        session,
        variant_id,
        -quantity,
        Variant.track_inventory.is_(True),
        Variant.stock_quantity >= quantity,
    )


async def change_stock(
    session: AsyncSession, variant_id: int, delta: int, *, floor: int | None = 0
) -> int | None:
    """Add `delta` (may be negative) unless the result would be below `floor`; the new on-hand,
    or None when the variant is missing or the floor refused it."""
    if floor is None:
        return await _move_stock(session, variant_id, delta)
    return await _move_stock(session, variant_id, delta, Variant.stock_quantity + delta >= floor)


async def set_stock(session: AsyncSession, variant_id: int, quantity: int) -> int | None:
    """Set the on-hand; the previous value, or None when the variant is missing. The row is
    locked first (PostgreSQL) so that the difference written to the ledger is exact."""
    previous = (
        await session.execute(
            select(Variant.stock_quantity).where(Variant.id == variant_id).with_for_update()
        )
    ).scalar_one_or_none()
    if previous is None:
        return None
    await session.execute(
        update(Variant).where(Variant.id == variant_id).values(stock_quantity=quantity)
    )
    return previous


async def stock_rows(session: AsyncSession, variant_ids: Collection[int]) -> dict[int, StockRow]:
    rows = await session.execute(
        select(Variant.id, Variant.sku, Variant.stock_quantity, Variant.track_inventory).where(
            Variant.id.in_(variant_ids)
        )
    )
    return {
        row.id: StockRow(row.id, row.sku, row.stock_quantity, row.track_inventory) for row in rows
    }


async def get_variant(session: AsyncSession, variant_id: int) -> Variant | None:
    return await session.get(Variant, variant_id, populate_existing=True)


async def without_movements(session: AsyncSession, variant_ids: Collection[int]) -> set[int]:
    """The variants among `variant_ids` whose ledger is still empty."""
    if not variant_ids:
        return set()
    has_movement = exists().where(InventoryMovement.variant_id == Variant.id)
    rows = await session.execute(
        select(Variant.id).where(Variant.id.in_(variant_ids), ~has_movement)
    )
    return set(rows.scalars())


async def insert_opening_balances(
    session: AsyncSession, variant_ids: Collection[int] | None, *, reason: str, now: datetime
) -> int:
    """One `import` movement per variant that has stock and no movement yet, set-based (the
    seed creates thousands of variants at once)."""
    no_movement = ~exists().where(InventoryMovement.variant_id == Variant.id)
    source = select(
        Variant.id,
        literal(MovementKind.IMPORT.value),
        Variant.stock_quantity,
        literal(reason),
        literal(now, UTCDateTime()),
    ).where(Variant.stock_quantity > 0, no_movement)
    if variant_ids is not None:
        source = source.where(Variant.id.in_(variant_ids))
    result = await session.execute(
        insert(InventoryMovement).from_select(
            ["variant_id", "kind", "delta", "reason", "created_at"], source
        )
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


async def add_movements(session: AsyncSession, movements: Sequence[InventoryMovement]) -> None:
    if movements:
        session.add_all(movements)
        await session.flush()


async def order_holdings(session: AsyncSession, order_id: int) -> dict[int, int]:
    """What an order still holds per variant: sold minus already released or restocked."""
    rows = await session.execute(
        select(InventoryMovement.variant_id, func.sum(InventoryMovement.delta))
        .where(InventoryMovement.order_id == order_id, InventoryMovement.kind.in_(ORDER_KINDS))
        .group_by(InventoryMovement.variant_id)
    )
    return {variant_id: -int(total) for variant_id, total in rows if total}


async def ledger_balance(session: AsyncSession, variant_id: int) -> int:
    total = (
        await session.execute(
            select(func.coalesce(func.sum(InventoryMovement.delta), 0)).where(
                InventoryMovement.variant_id == variant_id
            )
        )
    ).scalar_one()
    return int(total)


async def list_movements(
    session: AsyncSession, variant_id: int, *, offset: int, limit: int
) -> tuple[list[InventoryMovement], int]:
    """Newest first."""
    total = (
        await session.execute(
            select(func.count())
            .select_from(InventoryMovement)
            .where(InventoryMovement.variant_id == variant_id)
        )
    ).scalar_one()
    rows = await session.execute(
        select(InventoryMovement)
        .where(InventoryMovement.variant_id == variant_id)
        .order_by(InventoryMovement.id.desc())
        .offset(offset)
        .limit(limit)
    )
    return list(rows.scalars()), int(total)


async def count_low_stock(session: AsyncSession) -> int:
    """Active, tracked variants of active products at or below their low-stock threshold."""
    statement = (
        select(func.count())
        .select_from(Variant)
        .join(Product, Product.id == Variant.product_id)
        .where(
            Variant.is_active,
            Variant.track_inventory,
            Variant.stock_quantity <= Variant.low_stock_threshold,
            Product.status == ProductStatus.ACTIVE,
        )
    )
    return int(await session.scalar(statement) or 0)
