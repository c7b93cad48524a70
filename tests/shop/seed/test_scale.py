from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from shop.db.session import Database
from shop.errors import InvalidInput
from shop.models.catalog import Brand, Category, Product, ProductImage, Variant
from shop.seed.demo import seed_demo
from shop.seed.scale import seed_scale, shared_image_files
from tests.shop.seed.checks import product_files, search_rows


async def count(session: AsyncSession, entity: Any) -> int:
    return int(await session.scalar(select(func.count()).select_from(entity)) or 0)


class TestSeedScale:
    async def test_creates_n_priced_searchable_products(
        self, database: Database, media_dir: Path
    ) -> None:
        assert await seed_scale(database, 300, media_dir=media_dir) == 300

        async with database.read() as session:
            assert await count(session, Product) == 300
            assert await count(session, Category) == 22
            assert await count(session, Brand) == 15
            statuses = (await session.scalars(select(Product.status).distinct())).all()
            assert statuses == ["active"]
            unpriced = await session.scalar(
                select(func.count()).select_from(Product).where(Product.price_amount.is_(None))
            )
            assert unpriced == 0
            per_product = Counter(
                (await session.scalars(select(Variant.product_id))).all()
            ).values()
            assert set(per_product) <= {1, 2, 3}
            assert await search_rows(session) == 300
            skus = (await session.scalars(select(Variant.sku).order_by(Variant.sku))).all()
        assert skus[0].startswith("SC-0000001-")
        assert skus[-1].startswith("SC-0000300-")

    async def test_images_point_at_a_few_shared_files(
        self, database: Database, media_dir: Path
    ) -> None:
        await seed_scale(database, 300, media_dir=media_dir)

        async with database.read() as session:
            urls = set((await session.scalars(select(ProductImage.url))).all())
            assert await count(session, ProductImage) == 300
        written = {f"/media/products/{name}" for name in product_files(media_dir)}
        assert len(written) == len(shared_image_files()) == 48
        assert urls <= written

    async def test_second_run_continues_the_numbering(
        self, database: Database, media_dir: Path
    ) -> None:
        await seed_scale(database, 30, media_dir=media_dir)

        assert await seed_scale(database, 20, media_dir=media_dir) == 20

        async with database.read() as session:
            assert await count(session, Product) == 50
            assert await count(session, Category) == 22
            assert await search_rows(session) == 50
            highest = await session.scalar(select(func.max(Variant.sku)))
        assert highest is not None
        assert highest.startswith("SC-0000050-")

    async def test_after_the_demo_reuses_its_categories(
        self, database: Database, media_dir: Path
    ) -> None:
        await seed_demo(database, media_dir=media_dir)

        await seed_scale(database, 40, media_dir=media_dir)

        async with database.read() as session:
            assert await count(session, Product) == 234 + 40
            assert await count(session, Category) == 22
            assert await count(session, Brand) == 15
            assert await search_rows(session) == 234 + 40

    @pytest.mark.parametrize("wanted", [0, 50_001])
    async def test_rejects_a_count_out_of_range(
        self, database: Database, media_dir: Path, wanted: int
    ) -> None:
        with pytest.raises(InvalidInput) as raised:
            await seed_scale(database, wanted, media_dir=media_dir)

        assert raised.value.code == "invalid_scale_count"
        assert raised.value.message == (
            f"the number of products must be between 1 and 50,000, not {wanted}"
        )
        async with database.read() as session:
            assert await count(session, Category) == 0
        assert product_files(media_dir) == set()
