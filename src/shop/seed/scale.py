"""`shop seed --scale N`: N generated products for load tests, inserted in bulk.

Products land in the demo categories and brands (created when missing), have 1-3 variants and
share a small set of generated images instead of writing a file per product. Every run numbers
its products after the previous runs (SKUs `SC-<7 digits>-...`), so runs can be repeated.
"""

from __future__ import annotations

import asyncio
import random
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

from shop.db.session import Database
from shop.errors import InvalidInput
from shop.kit.clock import utcnow
from shop.seed import repository, service
from shop.seed.generator import ProductFactory, ProductPlan
from shop.seed.images import MEDIA_URL_PREFIX, SvgFile, product_card, write_svgs
from shop.seed.taxonomy import COLOR_HEX, LEAF_CATEGORIES, LeafCategory

MAX_PRODUCTS = 50_000
MAX_VARIANTS = 3
CHUNK_PRODUCTS = 2_000
SHARED_IMAGES_PER_CATEGORY = 3
_LAST_NUMBER = 9_999_999  # SKUs carry seven digits
_FEATURED_PERCENT = 2


def _shared_image_name(category_slug: str, n: int) -> str:
    return f"stock-{category_slug}-{n}.svg"


def _card_color(leaf: LeafCategory, n: int) -> str:
    colors = list(leaf.palette) or [
        COLOR_HEX[value.label]
        for axis in leaf.axes
        for value in axis.values
        if value.label in COLOR_HEX
    ]
    return colors[(n - 1) % len(colors)] if colors else "#3b3f46"


def shared_image_files() -> list[SvgFile]:
    return [
        SvgFile(
            _shared_image_name(leaf.slug, n),
            product_card(name=leaf.name, caption="Shopwright", color=_card_color(leaf, n), index=n),
        )
        for leaf in LEAF_CATEGORIES
        for n in range(1, SHARED_IMAGES_PER_CATEGORY + 1)
    ]


def _images_of(plan: ProductPlan) -> list[tuple[str, str]]:
    # Spread products over the category's shared images, deterministically per product.
    n = sum(map(ord, plan.slug)) % SHARED_IMAGES_PER_CATEGORY + 1
    return [(f"{MEDIA_URL_PREFIX}/{_shared_image_name(plan.category_slug, n)}", plan.name)]


async def seed_scale(database: Database, count: int, *, media_dir: Path) -> int:
    """Create `count` active products in one transaction; returns how many were created."""
    if not 1 <= count <= MAX_PRODUCTS:
        raise InvalidInput(
            f"the number of products must be between 1 and {MAX_PRODUCTS:,}, not {count}",
            code="invalid_scale_count",
        )
    now = utcnow()
    async with database.transaction() as session:
        await repository.lock_seeding(session)
        taxonomy = await service.ensure_taxonomy(session, now=now)
        first = await repository.last_scale_number(session) + 1
        if first + count - 1 > _LAST_NUMBER:
            raise InvalidInput(
                "earlier scale runs used up the SKU numbers; start from an empty database",
                code="scale_numbers_exhausted",
            )
        rng = random.Random(first)  # noqa: S311 (test data, not secrets)
        factory = ProductFactory(rng, unique_names=False)
        for start in range(0, count, CHUNK_PRODUCTS):
            plans = []
            for offset in range(start, min(start + CHUNK_PRODUCTS, count)):
                number = first + offset
                plan = factory.product(
                    rng.choice(LEAF_CATEGORIES),
                    sku_stem=f"{repository.SCALE_SKU_PREFIX}{number:07d}",
                    slug_suffix=str(number),
                    max_variants=MAX_VARIANTS,
                )
                # Distinct timestamps keep "newest first" a stable order.
                created = now - timedelta(seconds=count - offset)
                featured = rng.randrange(100) < _FEATURED_PERCENT
                plans.append(replace(plan, created_at=created, featured=featured))
            await service.insert_plans(
                session, plans, taxonomy=taxonomy, images_of=_images_of, now=now
            )
        # All products, not the new ids: one set-based pass, and no huge IN (...) list.
        await service.refresh_catalog(session, None)
        await asyncio.to_thread(write_svgs, media_dir, shared_image_files())
    return count
