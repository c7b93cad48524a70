"""From creation on, a variant's on-hand equals the sum of its ledger movements, whichever way
it was created or edited (catalog API service, seeding)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from shop.catalog import admin_service
from shop.catalog.schemas import VariantUpdate
from shop.db.session import Database
from shop.inventory import service as inventory_service
from shop.models.catalog import Variant
from shop.models.inventory import InventoryMovement, MovementKind
from shop.seed import scale
from tests.builders import catalog


async def _kinds(session: AsyncSession, variant_id: int) -> list[tuple[str, int]]:
    rows = await session.execute(
        select(InventoryMovement.kind, InventoryMovement.delta)
        .where(InventoryMovement.variant_id == variant_id)
        .order_by(InventoryMovement.id)
    )
    return [(kind, delta) for kind, delta in rows]


class TestCatalogKeepsTheLedger:
    async def test_new_variant_gets_an_opening_import(self, session: AsyncSession) -> None:
        product = await catalog.create_product(
            session, variants=[catalog.variant(stock_quantity=7)]
        )
        variant_id = product.variants[0].id
        assert await _kinds(session, variant_id) == [(MovementKind.IMPORT, 7)]
        assert await inventory_service.ledger_balance(session, variant_id) == 7

    async def test_variant_without_stock_has_no_movement(self, session: AsyncSession) -> None:
        product = await catalog.create_product(
            session, variants=[catalog.variant(stock_quantity=0)]
        )
        assert await _kinds(session, product.variants[0].id) == []

    async def test_stock_edit_is_an_adjustment(self, session: AsyncSession) -> None:
        product = await catalog.create_product(
            session, variants=[catalog.variant(stock_quantity=7)]
        )
        variant_id = product.variants[0].id
        updated = await admin_service.update_variant(
            session, product.id, variant_id, VariantUpdate(stock_quantity=3), currency="USD"
        )
        assert updated.stock_quantity == 3
        assert await _kinds(session, variant_id) == [
            (MovementKind.IMPORT, 7),
            (MovementKind.ADJUSTMENT, -4),
        ]
        assert await inventory_service.ledger_balance(session, variant_id) == 3


class TestSeedKeepsTheLedger:
    async def test_every_seeded_variant_balances(self, database: Database, tmp_path: Path) -> None:
        await scale.seed_scale(database, 40, media_dir=tmp_path)
        async with database.read() as session:
            movement_sums = (
                select(
                    InventoryMovement.variant_id,
                    func.sum(InventoryMovement.delta).label("total"),
                )
                .group_by(InventoryMovement.variant_id)
                .subquery()
            )
            mismatched = await session.scalar(
                select(func.count())
                .select_from(Variant)
                .outerjoin(movement_sums, movement_sums.c.variant_id == Variant.id)
                .where(Variant.stock_quantity != func.coalesce(movement_sums.c.total, 0))
            )
            variants = await session.scalar(select(func.count()).select_from(Variant))
        assert (variants or 0) >= 40
        assert mismatched == 0
