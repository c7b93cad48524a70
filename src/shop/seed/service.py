"""What demo and scale seeding share: the category tree and brands, and turning product plans into
rows. Never commits; the caller owns the transaction."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from shop.catalog import service as catalog_service
from shop.inventory import service as inventory_service
from shop.seed import repository
from shop.seed.generator import LOW_STOCK_THRESHOLD, ProductPlan
from shop.seed.taxonomy import BRANDS, LEAF_CATEGORIES, TOP_CATEGORIES

# (url, alt) of each image of a product, in display order.
ImagesOf = Callable[[ProductPlan], Sequence[tuple[str, str]]]


@dataclass(frozen=True, slots=True)
class TaxonomyIds:
    categories: dict[str, int]
    brands: dict[str, int]
    created_categories: int
    created_brands: int


async def ensure_taxonomy(session: AsyncSession, *, now: datetime) -> TaxonomyIds:
    """Create the demo categories and brands that are missing (matched by slug); keep the rest
    as they are, so a shop that renamed "Apparel" keeps its name."""
    stamps = {"created_at": now, "updated_at": now}
    categories = await repository.category_ids(session)
    before = len(categories)
    categories |= await repository.insert_categories(
        session,
        [
            {
                "slug": top.slug,
                "name": top.name,
                "description": top.description,
                "parent_id": None,
                "position": position,
                **stamps,
            }
            for position, top in enumerate(TOP_CATEGORIES)
            if top.slug not in categories
        ],
    )
    leaf_positions: dict[str, int] = {}
    leaf_rows: list[dict[str, Any]] = []
    for leaf in LEAF_CATEGORIES:
        position = leaf_positions[leaf.parent] = leaf_positions.get(leaf.parent, -1) + 1
        if leaf.slug not in categories:
            leaf_rows.append(
                {
                    "slug": leaf.slug,
                    "name": leaf.name,
                    "description": leaf.description,
                    "parent_id": categories[leaf.parent],
                    "position": position,
                    **stamps,
                }
            )
    categories |= await repository.insert_categories(session, leaf_rows)

    brands = await repository.brand_ids(session)
    brands_before = len(brands)
    brands |= await repository.insert_brands(
        session,
        [{"slug": b.slug, "name": b.name, **stamps} for b in BRANDS if b.slug not in brands],
    )
    return TaxonomyIds(
        categories=categories,
        brands=brands,
        created_categories=len(categories) - before,
        created_brands=len(brands) - brands_before,
    )


@dataclass(frozen=True, slots=True)
class InsertedRows:
    product_ids: list[int]
    variants: int
    images: int
    attributes: int


async def insert_plans(
    session: AsyncSession,
    plans: Sequence[ProductPlan],
    *,
    taxonomy: TaxonomyIds,
    images_of: ImagesOf,
    now: datetime,
) -> InsertedRows:
    """Insert products with their variants, images and attributes in a few bulk statements."""
    product_ids = await repository.insert_products(
        session,
        [
            {
                "slug": plan.slug,
                "name": plan.name,
                "description": plan.description,
                "status": plan.status.value,
                "featured": plan.featured,
                "brand_id": taxonomy.brands[plan.brand_slug],
                "category_id": taxonomy.categories[plan.category_slug],
                # Set by refresh_prices; written here too so rows are never briefly unpriced.
                "price_amount": min(v.price_amount for v in plan.variants),
                "created_at": plan.created_at or now,
                "updated_at": plan.created_at or now,
            }
            for plan in plans
        ],
    )
    variant_rows: list[dict[str, Any]] = []
    image_rows: list[dict[str, Any]] = []
    attribute_rows: list[dict[str, Any]] = []
    for plan in plans:
        product_id = product_ids[plan.slug]
        stamp = plan.created_at or now
        variant_rows.extend(
            {
                "product_id": product_id,
                "sku": v.sku,
                "title": v.title,
                "options": v.options,
                "price_amount": v.price_amount,
                "compare_at_amount": v.compare_at_amount,
                "stock_quantity": v.stock_quantity,
                "track_inventory": v.track_inventory,
                "low_stock_threshold": LOW_STOCK_THRESHOLD,
                "is_active": True,
                "position": v.position,
                "created_at": stamp,
                "updated_at": stamp,
            }
            for v in plan.variants
        )
        image_rows.extend(
            {"product_id": product_id, "url": url, "alt": alt, "position": position}
            for position, (url, alt) in enumerate(images_of(plan))
        )
        attribute_rows.extend(
            {"product_id": product_id, "name": a.name, "type": a.type.value, "value": a.value}
            for a in plan.attributes
        )
    await repository.insert_variants(session, variant_rows)
    await repository.insert_images(session, image_rows)
    await repository.insert_attributes(session, attribute_rows)
    return InsertedRows(
        product_ids=[product_ids[plan.slug] for plan in plans],
        variants=len(variant_rows),
        images=len(image_rows),
        attributes=len(attribute_rows),
    )


async def refresh_catalog(session: AsyncSession, product_ids: list[int] | None) -> None:
    """Let the catalog derive what it owns (lowest prices, the search index) in set-based
    statements; `None` means every product."""
    await catalog_service.refresh_prices(session, product_ids=product_ids)
    await catalog_service.reindex_search(session, product_ids=product_ids)
    # Every seeded variant's stock enters the ledger as one opening `import` movement.
    await inventory_service.record_opening_balances(session, reason="seed")
