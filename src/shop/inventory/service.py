"""Stock: allocation for orders, releases, restocks and manual adjustments, all on one ledger.

Invariant: for every variant, `variants.stock_quantity` equals the sum of its movements. Every
change of the on-hand goes through this module and writes its movement in the same transaction.
A variant created with stock but without a movement (catalog, seed) gets its opening balance as
an `import` movement the first time its stock changes here, computed while its row is locked.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from shop.errors import InvalidInput
from shop.inventory import repository as repo
from shop.inventory.errors import (
    InsufficientStock,
    LedgerNotEmpty,
    RestockExceedsSold,
    ShortLine,
    StockWouldGoNegative,
    variant_not_found,
)
from shop.kit.clock import utcnow
from shop.kit.pagination import PageRequest
from shop.models.catalog import Variant
from shop.models.inventory import InventoryMovement, MovementKind

OPENING_BALANCE_REASON = "opening balance"


@dataclass(frozen=True, slots=True)
class StockChange:
    variant: Variant
    movement: InventoryMovement


@dataclass(frozen=True, slots=True)
class MovementPage:
    items: list[InventoryMovement]
    total: int
    page: PageRequest


def _merge(lines: Iterable[tuple[int, int]]) -> dict[int, int]:
    """Quantities per variant, in variant-id order (the lock order of concurrent writers)."""
    merged: dict[int, int] = {}
    for variant_id, quantity in lines:
        if quantity <= 0:
            raise InvalidInput(
                f"quantity must be positive, got {quantity} for variant {variant_id}",
                code="invalid_quantity",
            )
        merged[variant_id] = merged.get(variant_id, 0) + quantity
    return dict(sorted(merged.items()))


class _Ledger:
    """Collects the movements of one change and writes them, opening balances first."""

    def __init__(self, now: datetime | None) -> None:
        self.now = now or utcnow()
        self.movements: list[InventoryMovement] = []
        self.before: dict[int, int] = {}  # on-hand before this change, per touched variant

    def add(
        self,
        variant_id: int,
        *,
        kind: MovementKind,
        delta: int,
        after: int,
        reason: str = "",
        order_id: int | None = None,
        actor_user_id: int | None = None,
    ) -> InventoryMovement:
        self.before.setdefault(variant_id, after - delta)
        movement = InventoryMovement(
            variant_id=variant_id,
            kind=kind,
            delta=delta,
            reason=reason,
            order_id=order_id,
            actor_user_id=actor_user_id,
            created_at=self.now,
        )
        self.movements.append(movement)
        return movement

    async def write(self, session: AsyncSession) -> None:
        # The rows are locked by the updates above, so "no movement yet" cannot change under us.
        fresh = await repo.without_movements(session, self.before.keys())
        opening = [
            InventoryMovement(
                variant_id=variant_id,
                kind=MovementKind.IMPORT,
                delta=self.before[variant_id],
                reason=OPENING_BALANCE_REASON,
                created_at=self.now,
            )
            for variant_id in sorted(fresh)
            if self.before[variant_id] != 0
        ]
        await repo.add_movements(session, opening + self.movements)


async def allocate(
    session: AsyncSession,
    lines: Iterable[tuple[int, int]],
    *,
    order_id: int,
    now: datetime | None = None,
) -> None:
    """Take stock for an order: one conditional UPDATE per tracked variant, in variant-id order
    (so concurrent multi-line orders cannot deadlock). Untracked variants are not decremented.

    Raises InsufficientStock naming every short line; the caller's transaction must then roll
    back, which undoes the lines that did succeed, so nothing changes."""
    wanted = _merge(lines)
    ledger = _Ledger(now)
    refused: list[int] = []
    for variant_id, quantity in wanted.items():
        after = await repo.take_stock(session, variant_id, quantity)
        if after is None:
            refused.append(variant_id)
        else:
            ledger.add(
                variant_id, kind=MovementKind.SALE, delta=-quantity, after=after, order_id=order_id
            )
    if refused:
        rows = await repo.stock_rows(session, refused)
        short: list[ShortLine] = []
        for variant_id in refused:
            row = rows.get(variant_id)
            if row is not None and not row.track_inventory:
                continue  # not tracked: always available, never decremented
            short.append(
                {
                    "variant_id": variant_id,
                    "sku": row.sku if row else None,
                    "requested": wanted[variant_id],
                    "available": row.stock_quantity if row else 0,
                }
            )
        if short:
            raise InsufficientStock(short)
    await ledger.write(session)


async def holdings(session: AsyncSession, order_id: int) -> dict[int, int]:
    """Per variant, how much stock an order still holds (sold, not yet released or restocked)."""
    return await repo.order_holdings(session, order_id)


async def release(
    session: AsyncSession,
    *,
    order_id: int,
    actor_user_id: int | None = None,
    reason: str = "order cancelled",
    now: datetime | None = None,
) -> dict[int, int]:
    """Give back everything the order still holds (`cancellation` movements). Safe to call
    twice: the second call finds nothing held. Returns what was released per variant.

    The caller holds the order's row lock, so two releases of one order cannot interleave."""
    held = dict(sorted((await repo.order_holdings(session, order_id)).items()))
    ledger = _Ledger(now)
    released: dict[int, int] = {}
    for variant_id, quantity in held.items():
        if quantity <= 0:
            continue
        after = await repo.change_stock(session, variant_id, quantity, floor=None)
        if after is None:
            continue  # the variant is gone (its ledger went with it)
        ledger.add(
            variant_id,
            kind=MovementKind.CANCELLATION,
            delta=quantity,
            after=after,
            reason=reason,
            order_id=order_id,
            actor_user_id=actor_user_id,
        )
        released[variant_id] = quantity
    await ledger.write(session)
    return released


async def restock_on_refund(
    session: AsyncSession,
    lines: Iterable[tuple[int, int]],
    *,
    order_id: int,
    actor_user_id: int | None = None,
    reason: str = "",
    now: datetime | None = None,
) -> None:
    """Put returned goods back on the shelf; never more than the order still holds. The caller
    holds the order's row lock."""
    wanted = _merge(lines)
    held = await repo.order_holdings(session, order_id)
    for variant_id, quantity in wanted.items():
        if quantity > held.get(variant_id, 0):
            raise RestockExceedsSold(variant_id, quantity, held.get(variant_id, 0))
    ledger = _Ledger(now)
    for variant_id, quantity in wanted.items():
        after = await repo.change_stock(session, variant_id, quantity, floor=None)
        if after is None:
            raise variant_not_found(variant_id)
        ledger.add(
            variant_id,
            kind=MovementKind.RESTOCK_ON_REFUND,
            delta=quantity,
            after=after,
            reason=reason,
            order_id=order_id,
            actor_user_id=actor_user_id,
        )
    await ledger.write(session)


async def adjust(
    session: AsyncSession,
    variant_id: int,
    delta: int,
    *,
    reason: str,
    actor_user_id: int | None = None,
    kind: MovementKind = MovementKind.ADJUSTMENT,
    now: datetime | None = None,
) -> StockChange:
    """A manual correction (count, damage, delivery). The on-hand never goes below zero."""
    reason = reason.strip()
    if not reason:
        raise InvalidInput("say why the stock changes in `reason`", code="reason_required")
    if delta == 0:
        raise InvalidInput("an adjustment of 0 changes nothing", code="invalid_delta")
    after = await repo.change_stock(session, variant_id, delta)
    if after is None:
        variant = await repo.get_variant(session, variant_id)
        if variant is None:
            raise variant_not_found(variant_id)
        raise StockWouldGoNegative(variant_id, variant.stock_quantity, delta)
    ledger = _Ledger(now)
    movement = ledger.add(
        variant_id, kind=kind, delta=delta, after=after, reason=reason, actor_user_id=actor_user_id
    )
    await ledger.write(session)
    return StockChange(await get_stock(session, variant_id), movement)


async def record_initial_stock(
    session: AsyncSession,
    variant_id: int,
    quantity: int,
    *,
    reason: str = "import",
    now: datetime | None = None,
) -> None:
    """The first movement of a new variant: its on-hand becomes `quantity`, recorded as an
    `import`. The catalog and the seed call this right after creating a variant."""
    if quantity < 0:
        raise InvalidInput("initial stock cannot be negative", code="invalid_quantity")
    if not await repo.without_movements(session, [variant_id]):
        if await repo.get_variant(session, variant_id) is None:
            raise variant_not_found(variant_id)
        raise LedgerNotEmpty(variant_id)
    if await repo.set_stock(session, variant_id, quantity) is None:
        raise variant_not_found(variant_id)
    if quantity:
        movement = InventoryMovement(
            variant_id=variant_id,
            kind=MovementKind.IMPORT,
            delta=quantity,
            reason=reason,
            created_at=now or utcnow(),
        )
        await repo.add_movements(session, [movement])


async def record_opening_balances(
    session: AsyncSession,
    variant_ids: Collection[int] | None = None,
    *,
    reason: str = "import",
    now: datetime | None = None,
) -> int:
    """Give every new variant (of `variant_ids`, or all) that has stock but no movement its
    opening `import` movement, so on-hand == sum of movements from creation on. Returns how
    many movements were written. The catalog calls it for new variants, the seed in bulk."""
    return await repo.insert_opening_balances(
        session, variant_ids, reason=reason, now=now or utcnow()
    )


async def set_on_hand(
    session: AsyncSession,
    variant_id: int,
    quantity: int,
    *,
    reason: str,
    actor_user_id: int | None = None,
    now: datetime | None = None,
) -> None:
    """Set the on-hand to a counted value (an edit form, a CSV import) and record the
    difference as an adjustment. For the catalog's variant updates."""
    if quantity < 0:
        raise InvalidInput("stock cannot be negative", code="invalid_quantity")
    previous = await repo.set_stock(session, variant_id, quantity)
    if previous is None:
        raise variant_not_found(variant_id)
    if previous != quantity:
        ledger = _Ledger(now)
        ledger.add(
            variant_id,
            kind=MovementKind.ADJUSTMENT,
            delta=quantity - previous,
            after=quantity,
            reason=reason,
            actor_user_id=actor_user_id,
        )
        await ledger.write(session)


async def ledger_balance(session: AsyncSession, variant_id: int) -> int:
    return await repo.ledger_balance(session, variant_id)


async def get_stock(session: AsyncSession, variant_id: int) -> Variant:
    variant = await repo.get_variant(session, variant_id)
    if variant is None:
        raise variant_not_found(variant_id)
    return variant


async def list_movements(session: AsyncSession, variant_id: int, page: PageRequest) -> MovementPage:
    await get_stock(session, variant_id)
    items, total = await repo.list_movements(
        session, variant_id, offset=page.offset, limit=page.limit
    )
    return MovementPage(items, total, page)


def is_low(variant: Variant) -> bool:
    return variant.track_inventory and variant.stock_quantity <= variant.low_stock_threshold


async def low_stock_count(session: AsyncSession) -> int:
    """How many sellable variants are at or below their low-stock threshold (for the gauge)."""
    return await repo.count_low_stock(session)
