"""Every SQL statement of the catalog: lookups, writes, listings with facets, full-text search
(FTS5 on SQLite, a weighted tsvector on PostgreSQL) and the set-based maintenance of the
denormalised price and search index."""

from __future__ import annotations

import functools
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    CTE,
    JSON,
    BigInteger,
    ColumnElement,
    CompoundSelect,
    Integer,
    Select,
    SQLColumnExpression,
    String,
    and_,
    bindparam,
    case,
    delete,
    exists,
    func,
    literal_column,
    or_,
    select,
    text,
    tuple_,
    type_coerce,
    union_all,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased
from sqlalchemy.sql import column, table

from shop.catalog.listing import (
    BrandCount,
    FacetCounts,
    FacetValue,
    ListingRow,
    ProductFilters,
    ProductSort,
)
from shop.catalog.product_view import BrandView, CategoryView, ProductView, VariantView
from shop.catalog.search_terms import PUNCTUATION
from shop.models.catalog import (
    AttributeType,
    Brand,
    Category,
    Product,
    ProductAttribute,
    ProductImage,
    ProductStatus,
    Variant,
)

# Ids beyond this cannot exist (BIGINT on PostgreSQL, INTEGER on SQLite); asking would overflow.
MAX_ID = 2**63 - 1
# Keeps every statement well under the bind-parameter limits (32767 for asyncpg and SQLite).
ID_CHUNK = 5_000
TS_CONFIG = "english"
# bm25 column weights: name, description, sku, brand, category (FTS5 column order).
BM25_WEIGHTS = (10.0, 1.0, 6.0, 4.0, 2.0)

_fts = table("product_search", column("rowid"))


def dialect_of(session: AsyncSession) -> str:
    return session.get_bind().dialect.name


def _chunks(ids: Sequence[int]) -> Iterator[list[int]]:
    unique = sorted(set(ids))
    for start in range(0, len(unique), ID_CHUNK):
        yield unique[start : start + ID_CHUNK]


# --- categories ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CategoryRow:
    id: int
    parent_id: int | None
    slug: str
    name: str
    description: str
    position: int


_CATEGORY_ROWS = select(
    Category.id,
    Category.parent_id,
    Category.slug,
    Category.name,
    Category.description,
    Category.position,
).order_by(Category.position, Category.name, Category.id)


async def category_rows(session: AsyncSession) -> list[CategoryRow]:
    """All categories, siblings in display order (position, name, id)."""
    result = await session.execute(_CATEGORY_ROWS)
    return [CategoryRow(*row) for row in result.all()]


async def get_category(session: AsyncSession, category_id: int) -> Category | None:
    if not 1 <= category_id <= MAX_ID:
        return None
    return await session.get(Category, category_id)


async def list_categories(session: AsyncSession) -> Sequence[Category]:
    result = await session.scalars(
        select(Category).order_by(Category.position, Category.name, Category.id)
    )
    return result.all()


def _breadcrumb_statement() -> Select[str, str]:
    up = (
        select(
            Category.id,
            Category.parent_id,
            Category.slug,
            Category.name,
            literal_column("0").label("depth"),
        )
        .where(Category.id == bindparam("category_id", type_=BigInteger))
        .cte("up", recursive=True)
    )
    parent = aliased(Category)
    up = up.union_all(
        select(parent.id, parent.parent_id, parent.slug, parent.name, up.c.depth + 1)
        .join(up, parent.id == up.c.parent_id)
        .where(up.c.depth < 64)
    )
    return select(up.c.slug, up.c.name).order_by(up.c.depth.desc())


# Built once: constructing a recursive CTE costs far more CPU than running it.
_BREADCRUMB = _breadcrumb_statement()


async def category_breadcrumb(session: AsyncSession, category_id: int) -> list[tuple[str, str]]:
    """(slug, name) from the root down to the category itself."""
    result = await session.execute(_BREADCRUMB, {"category_id": category_id})
    return [(slug, name) for slug, name in result.all()]


async def category_has_children(session: AsyncSession, category_id: int) -> bool:
    found = await session.scalar(select(exists().where(Category.parent_id == category_id)))
    return bool(found)


# --- brands -------------------------------------------------------------------------------


async def get_brand(session: AsyncSession, brand_id: int) -> Brand | None:
    if not 1 <= brand_id <= MAX_ID:
        return None
    return await session.get(Brand, brand_id)


async def list_brands(session: AsyncSession) -> Sequence[Brand]:
    result = await session.scalars(select(Brand).order_by(Brand.name, Brand.id))
    return result.all()


# --- slugs and SKUs -----------------------------------------------------------------------


async def slugs_like(session: AsyncSession, model: type[Any], base: str) -> set[str]:
    """Slugs equal to `base` or starting with `base-`, to pick a free generated one."""
    slug = model.slug
    pattern = base.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "-%"
    result = await session.scalars(
        select(slug).where(or_(slug == base, slug.like(pattern, escape="\\")))
    )
    return set(result.all())


async def slug_owner(session: AsyncSession, model: type[Any], slug: str) -> int | None:
    owner: int | None = await session.scalar(select(model.id).where(model.slug == slug))
    return owner


async def taken_skus(
    session: AsyncSession, skus: Sequence[str], *, except_variant_id: int | None = None
) -> set[str]:
    if not skus:
        return set()
    stmt = select(Variant.sku).where(Variant.sku.in_(list(skus)))
    if except_variant_id is not None:
        stmt = stmt.where(Variant.id != except_variant_id)
    return set((await session.scalars(stmt)).all())


# --- products -----------------------------------------------------------------------------


def _json_rows(dialect: str, model: type[Any], fields: dict[str, Any]) -> ColumnElement[Any]:
    """The product's rows of `model` as a JSON array of objects (in no particular order)."""
    args: list[Any] = []
    for key, column_ in fields.items():
        args += [literal_column(f"'{key}'"), column_]
    if dialect == "postgresql":
        rows: ColumnElement[Any] = func.json_agg(func.json_build_object(*args))
    else:
        rows = func.json_group_array(func.json_object(*args))
    found = select(rows).where(model.product_id == Product.id).correlate(Product)
    return type_coerce(found.scalar_subquery(), JSON)


@functools.lru_cache(maxsize=8)
def _product_view_statement(dialect: str, by_slug: bool) -> Select[*tuple[Any, ...]]:
    # SQLite keeps JSON as text: json() embeds the options as an object, not a string.
    options = Variant.options if dialect == "postgresql" else func.json(Variant.options)
    variants = _json_rows(
        dialect,
        Variant,
        {
            "id": Variant.id,
            "sku": Variant.sku,
            "title": Variant.title,
            "options": options,
            "price_amount": Variant.price_amount,
            "compare_at_amount": Variant.compare_at_amount,
            "stock_quantity": Variant.stock_quantity,
            "track_inventory": Variant.track_inventory,
            "low_stock_threshold": Variant.low_stock_threshold,
            "is_active": Variant.is_active,
            "position": Variant.position,
        },
    )
    images = _json_rows(
        dialect,
        ProductImage,
        {
            "id": ProductImage.id,
            "url": ProductImage.url,
            "alt": ProductImage.alt,
            "position": ProductImage.position,
        },
    )
    attributes = _json_rows(
        dialect,
        ProductAttribute,
        {
            "name": ProductAttribute.name,
            "type": ProductAttribute.type,
            "value": ProductAttribute.value,
        },
    )
    key = (
        Product.slug == bindparam("slug", type_=String)
        if by_slug
        else Product.id == bindparam("product_id", type_=BigInteger)
    )
    return (
        select(
            Product.id,
            Product.slug,
            Product.name,
            Product.description,
            Product.status,
            Product.featured,
            Product.price_amount,
            Product.created_at,
            Product.updated_at,
            Brand.id,
            Brand.slug,
            Brand.name,
            Category.id,
            Category.slug,
            Category.name,
            variants,
            images,
            attributes,
        )
        .outerjoin(Brand, Brand.id == Product.brand_id)
        .outerjoin(Category, Category.id == Product.category_id)
        .where(key)
    )


async def product_view(
    session: AsyncSession, *, product_id: int | None = None, slug: str | None = None
) -> ProductView | None:
    """A product with brand, category (and its breadcrumb), variants, images and attributes:
    one statement, plus one for the breadcrumb when the product has a category."""
    params: dict[str, Any] = {"slug": slug} if product_id is None else {"product_id": product_id}
    if product_id is not None and not 1 <= product_id <= MAX_ID:
        return None
    statement = _product_view_statement(dialect_of(session), product_id is None)
    row = (await session.execute(statement, params)).first()
    if row is None:
        return None
    (pid, pslug, name, description, status, featured, price, created, updated) = row[:9]
    brand_id, brand_slug, brand_name, category_id, category_slug, category_name = row[9:15]
    variants, images, attributes = (value or [] for value in row[15:18])
    category = None
    if category_id is not None:
        path = await category_breadcrumb(session, category_id)
        category = CategoryView(category_id, category_slug, category_name, path)
    return ProductView(
        id=pid,
        slug=pslug,
        name=name,
        description=description,
        status=ProductStatus(status),
        featured=bool(featured),
        price_amount=price,
        created_at=created,
        updated_at=updated,
        brand=None if brand_id is None else BrandView(brand_id, brand_slug, brand_name),
        category=category,
        variants=[
            VariantView(
                id=v["id"],
                sku=v["sku"],
                title=v["title"],
                options=v["options"] or {},
                price_amount=v["price_amount"],
                compare_at_amount=v["compare_at_amount"],
                stock_quantity=v["stock_quantity"],
                track_inventory=bool(v["track_inventory"]),
                low_stock_threshold=v["low_stock_threshold"],
                is_active=bool(v["is_active"]),
                position=v["position"],
            )
            for v in sorted(variants, key=lambda v: (v["position"], v["id"]))
        ],
        images=[
            (i["url"], i["alt"]) for i in sorted(images, key=lambda i: (i["position"], i["id"]))
        ],
        attributes=[
            (a["name"], AttributeType(a["type"]), a["value"])
            for a in sorted(attributes, key=lambda a: a["name"])
        ],
    )


async def get_product(session: AsyncSession, product_id: int) -> Product | None:
    if not 1 <= product_id <= MAX_ID:
        return None
    return await session.get(Product, product_id)


async def get_variant(session: AsyncSession, product_id: int, variant_id: int) -> Variant | None:
    if not 1 <= variant_id <= MAX_ID:
        return None
    variant = await session.get(Variant, variant_id)
    return variant if variant is not None and variant.product_id == product_id else None


async def count_products(
    session: AsyncSession, *, brand_id: int | None = None, category_id: int | None = None
) -> int:
    stmt = select(func.count()).select_from(Product)
    if brand_id is not None:
        stmt = stmt.where(Product.brand_id == brand_id)
    if category_id is not None:
        stmt = stmt.where(Product.category_id == category_id)
    return int(await session.scalar(stmt) or 0)


async def product_ids(
    session: AsyncSession,
    *,
    brand_id: int | None = None,
    category_ids: Sequence[int] | None = None,
) -> list[int]:
    """Ids of the products of a brand and/or in some categories."""
    stmt = select(Product.id)
    if brand_id is not None:
        stmt = stmt.where(Product.brand_id == brand_id)
    if category_ids is not None:
        stmt = stmt.where(Product.category_id.in_(list(category_ids)))
    return list((await session.scalars(stmt)).all())


async def add(session: AsyncSession, *rows: object) -> None:
    session.add_all(rows)
    await session.flush()


async def delete_row(session: AsyncSession, row: object) -> None:
    await session.delete(row)
    await session.flush()


async def delete_images(session: AsyncSession, product_id: int) -> None:
    await session.execute(delete(ProductImage).where(ProductImage.product_id == product_id))


async def delete_attributes(session: AsyncSession, product_id: int) -> None:
    await session.execute(delete(ProductAttribute).where(ProductAttribute.product_id == product_id))


# --- maintenance: price and search index --------------------------------------------------


async def refresh_prices(session: AsyncSession, ids: Sequence[int] | None) -> None:
    """products.price_amount = the lowest active variant price (NULL without one). Rows whose
    price is already right are not written (their updated_at stays)."""
    lowest = (
        select(func.min(Variant.price_amount))
        .where(Variant.product_id == Product.id, Variant.is_active.is_(True))
        .correlate(Product)
        .scalar_subquery()
    )
    stmt = (
        update(Product)
        .where(Product.price_amount.is_distinct_from(lowest))
        .values(price_amount=lowest)
        .execution_options(synchronize_session=False)
    )
    if ids is None:
        await session.execute(stmt)
        return
    for chunk in _chunks(ids):
        await session.execute(stmt.where(Product.id.in_(chunk)))


_CATEGORY_PATH_CTE = """
    category_path(id, path, depth) AS (
        SELECT id, CAST(name AS TEXT), 0 FROM categories WHERE parent_id IS NULL
        UNION ALL
        SELECT c.id, cp.path || ' ' || c.name, cp.depth + 1
        FROM categories c JOIN category_path cp ON c.parent_id = cp.id
        WHERE cp.depth < 64
    )"""

# SKUs are joined in variant order; the category column holds the names from the root down,
# so searching "clothing" finds products of its subcategories too.
_SQLITE_REINDEX = """
WITH RECURSIVE {category_path},
skus AS (
    SELECT product_id, group_concat(sku, ' ') AS skus
    FROM (SELECT product_id, sku FROM variants {variant_filter}
          ORDER BY product_id, position, id)
    GROUP BY product_id
)
INSERT INTO product_search (rowid, name, description, sku, brand, category)
SELECT p.id, p.name, p.description, coalesce(s.skus, ''), coalesce(b.name, ''),
       coalesce(cp.path, '')
FROM products p
LEFT JOIN brands b ON b.id = p.brand_id
LEFT JOIN category_path cp ON cp.id = p.category_id
LEFT JOIN skus s ON s.product_id = p.id
{product_filter}
"""

# ASCII punctuation becomes spaces so that PostgreSQL's parser splits "TSH-001" into the same
# words as FTS5 and the query builder do (it would otherwise read "-001" as a signed number).
_PG_REINDEX = """
WITH RECURSIVE {category_path},
skus AS (
    SELECT product_id, string_agg(sku, ' ' ORDER BY position, id) AS skus
    FROM variants {variant_filter}
    GROUP BY product_id
)
UPDATE products AS p SET search_vector =
    setweight(to_tsvector('{config}', translate(src.name, :punct, :blank)), 'A')
    || setweight(to_tsvector('{config}', translate(
        coalesce(s.skus, '') || ' ' || coalesce(b.name, ''), :punct, :blank)), 'B')
    || setweight(to_tsvector('{config}', translate(coalesce(cp.path, ''), :punct, :blank)), 'C')
    || setweight(to_tsvector('{config}', translate(src.description, :punct, :blank)), 'D')
FROM products AS src
LEFT JOIN brands b ON b.id = src.brand_id
LEFT JOIN category_path cp ON cp.id = src.category_id
LEFT JOIN skus s ON s.product_id = src.id
WHERE p.id = src.id {product_filter}
"""


async def reindex_search(session: AsyncSession, ids: Sequence[int] | None) -> None:
    """Rebuild the search rows of these products (all when None) with a few set-based
    statements."""
    chunks: list[list[int] | None] = [None] if ids is None else list(_chunks(ids))
    for chunk in chunks:
        if dialect_of(session) == "sqlite":
            await _reindex_sqlite(session, chunk)
        else:
            await _reindex_postgres(session, chunk)


async def _reindex_sqlite(session: AsyncSession, chunk: list[int] | None) -> None:
    params: dict[str, Any] = {}
    if chunk is None:
        await session.execute(text("DELETE FROM product_search"))
        variant_filter = product_filter = ""
    else:
        params["ids"] = chunk
        await session.execute(
            text("DELETE FROM product_search WHERE rowid IN :ids").bindparams(
                bindparam("ids", expanding=True)
            ),
            params,
        )
        variant_filter, product_filter = "WHERE product_id IN :ids", "WHERE p.id IN :ids"
    sql = _SQLITE_REINDEX.format(
        category_path=_CATEGORY_PATH_CTE,
        variant_filter=variant_filter,
        product_filter=product_filter,
    )
    stmt = text(sql)
    if chunk is not None:
        stmt = stmt.bindparams(bindparam("ids", expanding=True))
    await session.execute(stmt, params)


async def _reindex_postgres(session: AsyncSession, chunk: list[int] | None) -> None:
    params: dict[str, Any] = {"punct": PUNCTUATION, "blank": " " * len(PUNCTUATION)}
    variant_filter = product_filter = ""
    if chunk is not None:
        params["ids"] = chunk
        variant_filter, product_filter = "WHERE product_id IN :ids", "AND src.id IN :ids"
    sql = _PG_REINDEX.format(
        category_path=_CATEGORY_PATH_CTE,
        config=TS_CONFIG,
        variant_filter=variant_filter,
        product_filter=product_filter,
    )
    stmt = text(sql)
    if chunk is not None:
        stmt = stmt.bindparams(bindparam("ids", expanding=True))
    await session.execute(stmt, params)


# --- listings -----------------------------------------------------------------------------
# A listing's statements are built once per shape (which filters are present, the sort, the
# dialect) with bind parameters for the values, and then reused: building a statement and its
# cache key costs more CPU than PostgreSQL needs to run it.


@dataclass(frozen=True, slots=True)
class _Shape:
    dialect: str
    statuses: bool
    search: bool
    min_price: bool
    max_price: bool
    featured: bool | None
    in_stock: bool | None
    attributes: tuple[tuple[str, ...], ...]  # the candidate types of each attribute filter
    category: bool
    brand: bool


def _shape(filters: ProductFilters, dialect: str) -> _Shape:
    return _Shape(
        dialect=dialect,
        statuses=filters.statuses is not None,
        search=filters.search is not None,
        min_price=filters.min_price is not None,
        max_price=filters.max_price is not None,
        featured=filters.featured,
        in_stock=filters.in_stock,
        attributes=tuple(
            tuple(kind.value for kind, _ in match.candidates) for match in filters.attributes
        ),
        category=filters.category_slug is not None,
        brand=filters.brand_slug is not None,
    )


def _parameters(filters: ProductFilters, shape: _Shape) -> dict[str, Any]:
    params: dict[str, Any] = {}
    if filters.statuses is not None:
        params["statuses"] = [status.value for status in filters.statuses]
    terms = filters.search
    if terms is not None:
        if shape.dialect == "sqlite":
            params["fts"] = terms.fts5_query()
        else:
            params["tsq"] = terms.tsquery()
    if filters.min_price is not None:
        params["min_price"] = filters.min_price
    if filters.max_price is not None:
        params["max_price"] = filters.max_price
    for index, match in enumerate(filters.attributes):
        params[f"attr{index}"] = match.name
        for kind, value in match.candidates:
            params[f"attr{index}_{kind.value}"] = value
    if filters.category_slug is not None:
        params["category_slug"] = filters.category_slug
    if filters.brand_slug is not None:
        params["brand_slug"] = filters.brand_slug
    return params


def _search_vector() -> ColumnElement[Any]:
    return literal_column("products.search_vector")


def _tsquery() -> ColumnElement[Any]:
    return func.to_tsquery(literal_column(f"'{TS_CONFIG}'"), bindparam("tsq", type_=String))


def _fts_match() -> ColumnElement[bool]:
    return literal_column("product_search").op("MATCH")(bindparam("fts", type_=String))


def _in_stock_condition() -> ColumnElement[bool]:
    return (
        exists()
        .where(
            Variant.product_id == Product.id,
            Variant.is_active.is_(True),
            or_(Variant.stock_quantity > 0, Variant.track_inventory.is_(False)),
        )
        .correlate(Product)
    )


def _conditions(shape: _Shape, *, search: bool = True) -> list[ColumnElement[bool]]:
    """WHERE clauses of every filter but brand and category (see _brand_condition and
    _category_condition). `search=False` leaves the full-text match to a join (SQLite
    relevance ranking)."""
    where: list[ColumnElement[bool]] = []
    if shape.statuses:
        where.append(Product.status.in_(bindparam("statuses", expanding=True)))
    if search and shape.search:
        if shape.dialect == "sqlite":
            where.append(Product.id.in_(select(_fts.c.rowid).where(_fts_match())))
        else:
            where.append(_search_vector().op("@@")(_tsquery()))
    if shape.min_price:
        where.append(Product.price_amount >= bindparam("min_price", type_=Integer))
    if shape.max_price:
        where.append(Product.price_amount <= bindparam("max_price", type_=Integer))
    if shape.featured is not None:
        where.append(Product.featured.is_(shape.featured))
    if shape.in_stock is not None:
        in_stock = _in_stock_condition()
        where.append(in_stock if shape.in_stock else ~in_stock)
    for index, kinds in enumerate(shape.attributes):
        values = or_(
            *(
                and_(
                    ProductAttribute.type == kind,
                    ProductAttribute.value == bindparam(f"attr{index}_{kind}", type_=String),
                )
                for kind in kinds
            )
        )
        where.append(
            Product.id.in_(
                select(ProductAttribute.product_id).where(
                    ProductAttribute.name == bindparam(f"attr{index}", type_=String), values
                )
            )
        )
    return where


def _category_closure() -> CTE:
    """(ancestor, descendant) pairs of the category tree, each category its own ancestor.
    UNION (not UNION ALL) ends the recursion even if the data ever held a cycle."""
    closure = select(Category.id.label("ancestor"), Category.id.label("descendant")).cte(
        "category_closure", recursive=True
    )
    child = aliased(Category)
    return closure.union(
        select(closure.c.ancestor, child.id).join(child, child.parent_id == closure.c.descendant)
    )


def _category_condition(shape: _Shape) -> ColumnElement[bool] | None:
    """In the category named by the slug or one of its descendants."""
    if not shape.category:
        return None
    subtree = (
        select(Category.id)
        .where(Category.slug == bindparam("category_slug", type_=String))
        .cte("category_subtree", recursive=True)
    )
    child = aliased(Category)
    subtree = subtree.union(select(child.id).join(subtree, child.parent_id == subtree.c.id))
    return Product.category_id.in_(select(subtree.c.id))


def _brand_condition(shape: _Shape) -> ColumnElement[bool] | None:
    if not shape.brand:
        return None
    brand_id = select(Brand.id).where(Brand.slug == bindparam("brand_slug", type_=String))
    return Product.brand_id == brand_id.scalar_subquery()


def _counted_where(condition: ColumnElement[bool] | None) -> ColumnElement[int]:
    count = func.count()
    return count if condition is None else count.filter(condition)


@functools.lru_cache(maxsize=512)
def _facet_statement(shape: _Shape) -> CompoundSelect[*tuple[Any, ...]]:
    """Rows (is_category, slug, name, count): per brand (slug NULL for products without one)
    and per category rolled up to its ancestors."""
    where = _conditions(shape)
    per_brand = _counted_where(_category_condition(shape))
    per_category = _counted_where(_brand_condition(shape))
    zero: ColumnElement[Any] = literal_column("0")
    if shape.dialect == "postgresql":
        grouped = (
            select(
                func.grouping(Product.brand_id).label("by_category"),
                Product.brand_id,
                Product.category_id,
                per_brand.label("brand_n"),
                per_category.label("category_n"),
            )
            .where(*where)
            .group_by(func.grouping_sets(tuple_(Product.brand_id), tuple_(Product.category_id)))
            .cte("grouped")
        )
    else:
        nothing: ColumnElement[Any] = literal_column("NULL")
        grouped = union_all(
            select(
                zero.label("by_category"),
                Product.brand_id.label("brand_id"),
                nothing.label("category_id"),
                per_brand.label("brand_n"),
                zero.label("category_n"),
            )
            .where(*where)
            .group_by(Product.brand_id),
            select(literal_column("1"), nothing, Product.category_id, zero, per_category)
            .where(*where)
            .group_by(Product.category_id),
        ).cte("grouped")
    closure = _category_closure()
    brands: Select[*tuple[Any, ...]] = (
        select(zero, Brand.slug, Brand.name, grouped.c.brand_n)
        .outerjoin_from(grouped, Brand, Brand.id == grouped.c.brand_id)
        .where(grouped.c.by_category == 0)
    )
    categories: Select[*tuple[Any, ...]] = (
        select(literal_column("1"), Category.slug, Category.name, func.sum(grouped.c.category_n))
        .select_from(grouped)
        .join(closure, closure.c.descendant == grouped.c.category_id)
        .join(Category, Category.id == closure.c.ancestor)
        .where(grouped.c.by_category == 1)
        .group_by(Category.id, Category.slug, Category.name)
    )
    return union_all(brands, categories)


async def facet_counts(session: AsyncSession, filters: ProductFilters) -> FacetCounts:
    """Products per brand (the brand filter set aside) and per category, descendants included
    (the category filter set aside), both over the other filters: one scan with GROUPING SETS
    on PostgreSQL, two grouped scans in one statement on SQLite."""
    shape = _shape(filters, dialect_of(session))
    result = await session.execute(_facet_statement(shape), _parameters(filters, shape))
    counts = FacetCounts(brands=[], categories=[])
    for is_category, slug, name, count in result.all():
        if is_category:
            counts.categories.append(FacetValue(slug, name, int(count)))
        else:
            counts.brands.append(BrandCount(slug, name, int(count)))
    return counts


@dataclass(frozen=True, slots=True)
class _SortKey:
    expression: SQLColumnExpression[Any]
    descending: bool = False
    nulls_last: bool = False

    def order(self, expression: SQLColumnExpression[Any]) -> ColumnElement[Any]:
        ordered = expression.desc() if self.descending else expression.asc()
        return ordered.nulls_last() if self.nulls_last else ordered


def _sort_keys(sort: ProductSort, dialect: str) -> list[_SortKey]:
    """Total orders (the last key is the id) so that pages never repeat or skip a product."""
    if sort is ProductSort.NEWEST:
        return [_SortKey(Product.created_at, True), _SortKey(Product.id, True)]
    if sort is ProductSort.PRICE_ASC:
        return [_SortKey(Product.price_amount, nulls_last=True), _SortKey(Product.id)]
    if sort is ProductSort.PRICE_DESC:
        return [_SortKey(Product.price_amount, True, nulls_last=True), _SortKey(Product.id)]
    if sort is ProductSort.NAME:
        return [_SortKey(func.lower(Product.name)), _SortKey(Product.id)]
    # A SKU typed exactly puts its product first, whatever the text ranking says.
    exact_sku = select(Variant.product_id).where(
        Variant.sku.in_(bindparam("sku_exact", expanding=True))
    )
    sku_hit = case((Product.id.in_(exact_sku), 0), else_=1)
    if dialect == "sqlite":
        rank: ColumnElement[Any] = func.bm25(literal_column("product_search"), *BM25_WEIGHTS)
        return [_SortKey(sku_hit), _SortKey(rank), _SortKey(Product.id)]
    rank = func.ts_rank_cd(_search_vector(), _tsquery())
    return [_SortKey(sku_hit), _SortKey(rank, True), _SortKey(Product.id)]


def _first_image(column: Any) -> ColumnElement[Any]:
    return (
        select(column)
        .where(ProductImage.product_id == Product.id)
        .order_by(ProductImage.position, ProductImage.id)
        .limit(1)
        .correlate(Product)
        .scalar_subquery()
    )


@functools.lru_cache(maxsize=512)
def _page_statement(shape: _Shape, sort: ProductSort) -> Select[*tuple[Any, ...]]:
    keys = _sort_keys(sort, shape.dialect)
    fts_join = sort is ProductSort.RELEVANCE and shape.dialect == "sqlite"
    where = _conditions(shape, search=not fts_join)
    for condition in (_category_condition(shape), _brand_condition(shape)):
        if condition is not None:
            where.append(condition)
    inner: Select[*tuple[Any, ...]] = select(
        Product.id, *(k.expression.label(f"k{i}") for i, k in enumerate(keys))
    )
    if fts_join:
        inner = inner.select_from(_fts.join(Product, Product.id == _fts.c.rowid)).where(
            _fts_match()
        )
    page = (
        inner.where(*where)
        .order_by(*(k.order(k.expression) for k in keys))
        .limit(bindparam("limit", type_=Integer))
        .offset(bindparam("offset", type_=Integer))
        .subquery("page")
    )
    # The former price shown is the one of the variant that sets the product's price.
    compare_at = (
        select(Variant.compare_at_amount)
        .where(Variant.product_id == Product.id, Variant.is_active.is_(True))
        .order_by(Variant.price_amount, Variant.position, Variant.id)
        .limit(1)
        .correlate(Product)
        .scalar_subquery()
    )
    # Subqueries in the select list run only for the page's rows.
    return (
        select(
            Product.id,
            Product.slug,
            Product.name,
            Product.status,
            Product.featured,
            Product.price_amount,
            compare_at,
            Brand.slug,
            Brand.name,
            Category.slug,
            Category.name,
            _first_image(ProductImage.url),
            _first_image(ProductImage.alt),
            _in_stock_condition().label("in_stock"),
        )
        .select_from(page)
        .join(Product, Product.id == page.c.id)
        .outerjoin(Brand, Brand.id == Product.brand_id)
        .outerjoin(Category, Category.id == Product.category_id)
        .order_by(*(k.order(page.c[f"k{i}"]) for i, k in enumerate(keys)))
    )


async def listing_page(
    session: AsyncSession,
    filters: ProductFilters,
    sort: ProductSort,
    *,
    limit: int,
    offset: int,
) -> list[ListingRow]:
    """One page of listing rows. The inner query picks the page's ids; only for those does the
    outer one look up brand, category, first image, former price and stock."""
    shape = _shape(filters, dialect_of(session))
    params = _parameters(filters, shape)
    params.update(limit=limit, offset=offset)
    terms = filters.search
    if sort is ProductSort.RELEVANCE:
        if terms is None or terms.matches_nothing:
            raise ValueError("relevance needs search words")  # the service never asks this
        params["sku_exact"] = sorted({terms.text, terms.text.upper()})
    result = await session.execute(_page_statement(shape, sort), params)
    return [
        ListingRow(
            id=row[0],
            slug=row[1],
            name=row[2],
            status=ProductStatus(row[3]),
            featured=bool(row[4]),
            price_amount=row[5],
            compare_at_amount=row[6],
            brand_slug=row[7],
            brand_name=row[8],
            category_slug=row[9],
            category_name=row[10],
            image_url=row[11],
            image_alt=row[12],
            in_stock=bool(row[13]),
        )
        for row in result.all()
    ]


# --- CSV transfer (shop.catalog.csv_transfer) -----------------------------------------------


async def export_rows(
    session: AsyncSession,
) -> list[tuple[Product, Variant | None, str | None, str | None]]:
    """Every product (any status) with each of its variants, and its category and brand slugs;
    a product without variants appears once with None. Products by id, variants in order."""
    stmt = (
        select(Product, Variant, Category.slug, Brand.slug)
        .outerjoin(Variant, Variant.product_id == Product.id)
        .outerjoin(Category, Category.id == Product.category_id)
        .outerjoin(Brand, Brand.id == Product.brand_id)
        .order_by(Product.id, Variant.position, Variant.id)
    )
    return [(p, v, c, b) for p, v, c, b in (await session.execute(stmt)).all()]


async def products_by_slug(session: AsyncSession, slugs: Sequence[str]) -> dict[str, Product]:
    found: dict[str, Product] = {}
    unique = sorted(set(slugs))
    for start in range(0, len(unique), ID_CHUNK):
        rows = await session.scalars(
            select(Product).where(Product.slug.in_(unique[start : start + ID_CHUNK]))
        )
        found.update({row.slug: row for row in rows})
    return found


async def variants_by_sku(session: AsyncSession, skus: Sequence[str]) -> dict[str, Variant]:
    found: dict[str, Variant] = {}
    unique = sorted(set(skus))
    for start in range(0, len(unique), ID_CHUNK):
        rows = await session.scalars(
            select(Variant).where(Variant.sku.in_(unique[start : start + ID_CHUNK]))
        )
        found.update({row.sku: row for row in rows})
    return found
