"""Staff changes to the catalog: products with their variants, images and attributes;
categories; brands. Everything is checked before the first write, so a refused request changes
nothing; the request boundary commits."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from shop.catalog import attribute_values, repository, service
from shop.catalog.errors import (
    brand_not_found,
    category_not_found,
    compare_at_not_above_price,
    currency_mismatch,
    product_not_found,
    sku_taken,
    slug_taken,
    unknown_brand,
    unknown_category,
    variant_not_found,
)
from shop.catalog.product_view import ProductView
from shop.catalog.schemas import (
    BrandCreate,
    BrandUpdate,
    CategoryCreate,
    CategoryUpdate,
    ImageIn,
    ProductCreate,
    ProductUpdate,
    VariantCreate,
    VariantUpdate,
)
from shop.errors import Conflict
from shop.inventory import service as inventory_service
from shop.kit.money import MoneyIn
from shop.kit.slugs import slugify
from shop.models.catalog import (
    Brand,
    Category,
    Product,
    ProductAttribute,
    ProductImage,
    ProductStatus,
    Variant,
)

# --- shared checks ------------------------------------------------------------------------


async def _free_slug(
    session: AsyncSession, model: type[Product | Category | Brand], name: str, max_length: int
) -> str:
    """A slug from the name, suffixed -2, -3 ... until unused. Digits-only product slugs would
    read as ids, so they get a prefix; names without ASCII letters fall back to the kind."""
    fallback = model.__name__.lower()
    base = slugify(name, max_length=max_length - 8) or fallback
    if model is Product and base.isdigit():
        base = f"{fallback}-{base}"
    taken = await repository.slugs_like(session, model, base)
    slug, suffix = base, 2
    while slug in taken:
        slug, suffix = f"{base}-{suffix}", suffix + 1
    return slug


async def _check_slug(
    session: AsyncSession, model: type[Product | Category | Brand], slug: str, own_id: int | None
) -> None:
    owner = await repository.slug_owner(session, model, slug)
    if owner is not None and owner != own_id:
        raise slug_taken(slug, model.__name__.lower())


async def _check_brand(session: AsyncSession, brand_id: int | None) -> None:
    if brand_id is not None and await repository.get_brand(session, brand_id) is None:
        raise unknown_brand(brand_id)


async def _check_category(
    session: AsyncSession, category_id: int | None, *, field: str = "category_id"
) -> None:
    if category_id is not None and await repository.get_category(session, category_id) is None:
        raise unknown_category(category_id, field=field)


def _amount(money: MoneyIn, currency: str, field: str) -> int:
    if money.currency != currency:
        raise currency_mismatch(field, money.currency, currency)
    return money.amount


def _check_compare_at(sku: str, price: int, compare_at: int | None) -> None:
    if compare_at is not None and compare_at <= price:
        raise compare_at_not_above_price(sku)


async def _check_skus(
    session: AsyncSession, skus: Sequence[str], *, except_variant_id: int | None = None
) -> None:
    seen: set[str] = set()
    for sku in skus:
        if sku in seen:
            raise sku_taken(sku)
        seen.add(sku)
    taken = await repository.taken_skus(session, skus, except_variant_id=except_variant_id)
    if taken:
        raise sku_taken(min(taken))


def _variant_title(title: str | None, options: dict[str, str]) -> str:
    return title if title is not None else " / ".join(options.values())


def _new_variant(data: VariantCreate, currency: str, position: int) -> Variant:
    price = _amount(data.price, currency, "price")
    compare_at = (
        None
        if data.compare_at_price is None
        else _amount(data.compare_at_price, currency, "compare_at_price")
    )
    _check_compare_at(data.sku, price, compare_at)
    return Variant(
        sku=data.sku,
        title=_variant_title(data.title, data.options),
        options=dict(data.options),
        price_amount=price,
        compare_at_amount=compare_at,
        stock_quantity=data.stock_quantity,
        track_inventory=data.track_inventory,
        low_stock_threshold=data.low_stock_threshold,
        is_active=data.is_active,
        position=data.position if data.position is not None else position,
    )


def _images(product_id: int, images: Sequence[ImageIn]) -> list[ProductImage]:
    return [
        ProductImage(product_id=product_id, url=image.url, alt=image.alt, position=index)
        for index, image in enumerate(images)
    ]


def _attributes(product_id: int, values: dict[str, Any]) -> list[ProductAttribute]:
    rows = []
    for name, value in sorted(values.items()):
        kind, text = attribute_values.canonical(value)
        rows.append(ProductAttribute(product_id=product_id, name=name, type=kind, value=text))
    return rows


async def _reload(session: AsyncSession, product_id: int) -> ProductView:
    await session.flush()
    product = await repository.product_view(session, product_id=product_id)
    if product is None:
        raise product_not_found(product_id)
    return product


async def _maintain(session: AsyncSession, product_ids: Sequence[int], *, search: bool) -> None:
    await service.refresh_prices(session, product_ids)
    if search:
        await service.reindex_search(session, product_ids)


# --- products -----------------------------------------------------------------------------


async def get_product(session: AsyncSession, product_id: int) -> ProductView:
    """Any product (any status, all variants)."""
    return await _reload(session, product_id)


async def create_product(
    session: AsyncSession, data: ProductCreate, *, currency: str
) -> ProductView:
    """A product with its variants, images and attributes, all or nothing. The price and the
    search index are brought up to date in the same transaction."""
    variants = [_new_variant(v, currency, index) for index, v in enumerate(data.variants)]
    await _check_skus(session, [v.sku for v in variants])
    await _check_brand(session, data.brand_id)
    await _check_category(session, data.category_id)
    if data.slug is not None:
        await _check_slug(session, Product, data.slug, None)
        slug = data.slug
    else:
        slug = await _free_slug(session, Product, data.name, 140)

    product = Product(
        slug=slug,
        name=data.name,
        description=data.description,
        status=data.status,
        featured=data.featured,
        brand_id=data.brand_id,
        category_id=data.category_id,
    )
    await repository.add(session, product)
    for variant in variants:
        variant.product_id = product.id
    await repository.add(
        session,
        *variants,
        *_images(product.id, data.images),
        *_attributes(product.id, data.attributes),
    )
    await inventory_service.record_opening_balances(
        session, [v.id for v in variants], reason="catalog: new variant"
    )
    await _maintain(session, [product.id], search=True)
    return await _reload(session, product.id)


_SEARCHED_FIELDS = frozenset({"name", "description", "brand_id", "category_id"})


async def update_product(
    session: AsyncSession, product_id: int, data: ProductUpdate
) -> ProductView:
    """Change the given members; images and attributes, when given, replace the current ones."""
    product = await repository.get_product(session, product_id)
    if product is None:
        raise product_not_found(product_id)
    changes = data.model_dump(include=data.model_fields_set - {"images", "attributes"})
    if data.slug is not None and data.slug != product.slug:
        await _check_slug(session, Product, data.slug, product.id)
    if "brand_id" in changes:
        await _check_brand(session, data.brand_id)
    if "category_id" in changes:
        await _check_category(session, data.category_id)

    for name, value in changes.items():
        setattr(product, name, value)
    if data.images is not None:
        await repository.delete_images(session, product.id)
        await repository.add(session, *_images(product.id, data.images))
    if data.attributes is not None:
        await repository.delete_attributes(session, product.id)
        await repository.add(session, *_attributes(product.id, data.attributes))
    await repository.add(session, product)
    if _SEARCHED_FIELDS & changes.keys():
        await service.reindex_search(session, [product.id])
    return await _reload(session, product.id)


async def archive_product(session: AsyncSession, product_id: int) -> None:
    """Hide a product from the shop for good (orders may still point at it). Idempotent."""
    product = await repository.get_product(session, product_id)
    if product is None:
        raise product_not_found(product_id)
    if product.status != ProductStatus.ARCHIVED:
        product.status = ProductStatus.ARCHIVED
        await repository.add(session, product)


async def add_variant(
    session: AsyncSession, product_id: int, data: VariantCreate, *, currency: str
) -> Variant:
    product = await repository.get_product(session, product_id)
    if product is None:
        raise product_not_found(product_id)
    variant = _new_variant(data, currency, 0)
    await _check_skus(session, [variant.sku])
    variant.product_id = product.id
    await repository.add(session, variant)
    await inventory_service.record_opening_balances(
        session, [variant.id], reason="catalog: new variant"
    )
    await _maintain(session, [product.id], search=True)
    return variant


async def update_variant(
    session: AsyncSession, product_id: int, variant_id: int, data: VariantUpdate, *, currency: str
) -> Variant:
    if await repository.get_product(session, product_id) is None:
        raise product_not_found(product_id)
    variant = await repository.get_variant(session, product_id, variant_id)
    if variant is None:
        raise variant_not_found(product_id, variant_id)
    fields = data.model_fields_set
    price = variant.price_amount
    if data.price is not None:
        price = _amount(data.price, currency, "price")
    compare_at = variant.compare_at_amount
    if "compare_at_price" in fields:
        compare_at = (
            None
            if data.compare_at_price is None
            else _amount(data.compare_at_price, currency, "compare_at_price")
        )
    sku = data.sku if data.sku is not None else variant.sku
    _check_compare_at(sku, price, compare_at)
    if sku != variant.sku:
        await _check_skus(session, [sku], except_variant_id=variant.id)

    variant.sku = sku
    variant.price_amount = price
    variant.compare_at_amount = compare_at
    if data.options is not None:
        variant.options = dict(data.options)
    if "title" in fields or data.options is not None:
        variant.title = _variant_title(
            data.title if "title" in fields else variant.title, variant.options
        )
    for name in ("track_inventory", "low_stock_threshold", "is_active"):
        if name in fields:
            setattr(variant, name, getattr(data, name))
    if data.position is not None:
        variant.position = data.position
    await repository.add(session, variant)
    if "stock_quantity" in fields and data.stock_quantity is not None:
        # Through the ledger, so that on-hand stays the sum of movements.
        await inventory_service.set_on_hand(
            session, variant.id, data.stock_quantity, reason="catalog: stock edited"
        )
        await session.refresh(variant, ["stock_quantity"])
    await _maintain(session, [product_id], search="sku" in fields)
    return variant


# --- categories ---------------------------------------------------------------------------


async def list_categories(session: AsyncSession) -> Sequence[Category]:
    return await repository.list_categories(session)


async def get_category(session: AsyncSession, category_id: int) -> Category:
    category = await repository.get_category(session, category_id)
    if category is None:
        raise category_not_found(category_id)
    return category


async def create_category(session: AsyncSession, data: CategoryCreate) -> Category:
    await _check_category(session, data.parent_id, field="parent_id")
    if data.slug is not None:
        await _check_slug(session, Category, data.slug, None)
        slug = data.slug
    else:
        slug = await _free_slug(session, Category, data.name, 120)
    category = Category(
        parent_id=data.parent_id,
        slug=slug,
        name=data.name,
        description=data.description,
        position=data.position,
    )
    await repository.add(session, category)
    return category


async def update_category(
    session: AsyncSession, category_id: int, data: CategoryUpdate
) -> Category:
    """A new parent may not be the category itself or one of its descendants."""
    category = await get_category(session, category_id)
    changes = data.model_dump(include=data.model_fields_set)
    if data.slug is not None and data.slug != category.slug:
        await _check_slug(session, Category, data.slug, category.id)
    tree = await service.category_tree(session)
    subtree = tree.subtree_ids(category.id)
    if data.parent_id is not None:
        await _check_category(session, data.parent_id, field="parent_id")
        if data.parent_id in subtree:
            raise Conflict(
                f"category {data.parent_id} is {category.slug!r} itself or inside it; "
                "a category cannot be moved under its own subtree",
                code="category_cycle",
                field="parent_id",
            )
    renamed = "name" in changes and changes["name"] != category.name
    moved = "parent_id" in changes and changes["parent_id"] != category.parent_id
    for name, value in changes.items():
        setattr(category, name, value)
    await repository.add(session, category)
    if renamed or moved:
        # The search index holds each product's category path.
        ids = await repository.product_ids(session, category_ids=sorted(subtree))
        await service.reindex_search(session, ids)
    return category


async def delete_category(session: AsyncSession, category_id: int) -> None:
    """Only an empty leaf can go: no subcategories and no products (of any status)."""
    category = await get_category(session, category_id)
    if await repository.category_has_children(session, category.id):
        raise Conflict(
            f"category {category.slug!r} has subcategories; move or delete them first",
            code="category_has_children",
        )
    count = await repository.count_products(session, category_id=category.id)
    if count:
        raise Conflict(
            f"category {category.slug!r} still holds {count} product(s), archived ones "
            "included; move them to another category first",
            code="category_in_use",
            product_count=count,
        )
    await repository.delete_row(session, category)


# --- brands -------------------------------------------------------------------------------


async def list_brands(session: AsyncSession) -> Sequence[Brand]:
    return await repository.list_brands(session)


async def get_brand(session: AsyncSession, brand_id: int) -> Brand:
    brand = await repository.get_brand(session, brand_id)
    if brand is None:
        raise brand_not_found(brand_id)
    return brand


async def create_brand(session: AsyncSession, data: BrandCreate) -> Brand:
    if data.slug is not None:
        await _check_slug(session, Brand, data.slug, None)
        slug = data.slug
    else:
        slug = await _free_slug(session, Brand, data.name, 120)
    brand = Brand(slug=slug, name=data.name)
    await repository.add(session, brand)
    return brand


async def update_brand(session: AsyncSession, brand_id: int, data: BrandUpdate) -> Brand:
    brand = await get_brand(session, brand_id)
    if data.slug is not None and data.slug != brand.slug:
        await _check_slug(session, Brand, data.slug, brand.id)
    renamed = data.name is not None and data.name != brand.name
    if data.name is not None:
        brand.name = data.name
    if data.slug is not None:
        brand.slug = data.slug
    await repository.add(session, brand)
    if renamed:
        await service.reindex_search(
            session, await repository.product_ids(session, brand_id=brand.id)
        )
    return brand


async def delete_brand(session: AsyncSession, brand_id: int) -> None:
    """Refused while any product (archived ones included) uses the brand."""
    brand = await get_brand(session, brand_id)
    count = await repository.count_products(session, brand_id=brand.id)
    if count:
        raise Conflict(
            f"brand {brand.slug!r} is used by {count} product(s), archived ones included; "
            "give them another brand (or none) first",
            code="brand_in_use",
            product_count=count,
        )
    await repository.delete_row(session, brand)
