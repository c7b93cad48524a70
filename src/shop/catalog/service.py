"""Catalog reads (category tree, brands, listings with facets and search, product detail) and
the upkeep of the denormalised price and the search index, used by the admin service and the
seeding code."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession

from shop.catalog import changes, repository
from shop.catalog.errors import product_not_found
from shop.catalog.listing import (
    FacetValue,
    ListingRow,
    ProductFilters,
    ProductPage,
    ProductSort,
)
from shop.catalog.product_view import ProductView
from shop.catalog.repository import CategoryRow
from shop.errors import InvalidInput
from shop.kit.pagination import PageRequest
from shop.models.catalog import Brand, ProductStatus

# --- index maintenance (also called by src/shop/seed) -------------------------------------


async def refresh_prices(session: AsyncSession, product_ids: Sequence[int] | None = None) -> None:
    """Recompute products.price_amount (lowest active variant price, NULL without one) for these
    products, or all when None. One UPDATE per 5,000 ids; ORM copies of those products in the
    session keep the old value until reloaded."""
    await session.flush()
    if product_ids is not None and not product_ids:
        return
    changes.mark_changed(session)  # raw SQL: the change detector cannot see it
    await repository.refresh_prices(session, product_ids)


async def reindex_search(session: AsyncSession, product_ids: Sequence[int] | None = None) -> None:
    """Rebuild the full-text rows (name, description, SKUs, brand, category path) of these
    products, or of all when None, with set-based statements."""
    await session.flush()
    if product_ids is not None and not product_ids:
        return
    changes.mark_changed(session)  # raw SQL: the change detector cannot see it
    await repository.reindex_search(session, product_ids)


# --- categories and brands ----------------------------------------------------------------


@dataclass(slots=True)
class CategoryNode:
    id: int
    parent_id: int | None
    slug: str
    name: str
    description: str
    children: list[CategoryNode] = field(default_factory=list)


class CategoryTree:
    """The whole category tree (small: loaded in one query), for the public tree and for
    checking category moves."""

    def __init__(self, rows: Iterable[CategoryRow]) -> None:
        self.nodes = {
            r.id: CategoryNode(r.id, r.parent_id, r.slug, r.name, r.description) for r in rows
        }
        self.roots: list[CategoryNode] = []
        for node in self.nodes.values():  # rows come in display order; children keep it
            parent = self.nodes.get(node.parent_id) if node.parent_id is not None else None
            (parent.children if parent is not None else self.roots).append(node)

    def subtree_ids(self, category_id: int) -> set[int]:
        """The category and all its descendants."""
        found: set[int] = set()
        pending = [self.nodes[category_id]] if category_id in self.nodes else []
        while pending:
            node = pending.pop()
            if node.id not in found:
                found.add(node.id)
                pending.extend(node.children)
        return found


async def category_tree(session: AsyncSession) -> CategoryTree:
    return CategoryTree(await repository.category_rows(session))


async def list_brands(session: AsyncSession) -> Sequence[Brand]:
    return await repository.list_brands(session)


# --- listings -----------------------------------------------------------------------------


async def list_products(
    session: AsyncSession,
    filters: ProductFilters,
    *,
    sort: ProductSort | None = None,
    page: PageRequest | None = None,
) -> ProductPage:
    """One page of products matching every filter, with the total and the facets.

    Sorting: `relevance` (the default when searching; needs a search), else `newest` by
    default; `price_asc`, `price_desc` (products without a price last) and `name`. Every order
    ends with the product id, so walking the pages returns each product exactly once.

    Facets are *disjunctive*: each one is counted over the products that match every filter of
    the request except its own, so a count is exactly the `total` that choosing that value
    instead of the current one would give (other filters kept; page and sort play no part).

    - `category`: for each category, the number of matching products (the `category` filter
      set aside) whose category is that category or one of its descendants. Counts of a parent
      therefore include its subcategories; products without a category count nowhere.
    - `brand`: for each brand, the number of matching products (the `brand` filter set aside)
      of that brand; products without a brand count nowhere.

    Values with a zero count are left out; each facet is ordered by count (highest first), then
    name, then slug. An unknown `category` or `brand` slug matches no product (total 0) while
    the facets still show where products are.
    """
    page = page or PageRequest()
    search = filters.search
    if sort is None:
        sort = ProductSort.RELEVANCE if search is not None else ProductSort.NEWEST
    if sort is ProductSort.RELEVANCE and search is None:
        raise InvalidInput(
            "sort=relevance ranks search results; give a search query q, or sort by "
            "newest, price_asc, price_desc or name",
            code="relevance_needs_query",
        )
    if (
        filters.min_price is not None
        and filters.max_price is not None
        and filters.min_price > filters.max_price
    ):
        raise InvalidInput(
            "min_price is above max_price; swap them or leave one out",
            code="invalid_price_range",
        )
    empty = ProductPage(items=[], total=0, page=page.page, page_size=page.page_size)
    if search is not None and search.matches_nothing:
        return empty

    counts = await repository.facet_counts(session, filters)
    brand_slug = filters.brand_slug
    # Brand counts already apply the category filter: the chosen brand's count (or, without a
    # brand filter, the sum over all brands and "no brand") is the total.
    total = sum(c.count for c in counts.brands if brand_slug is None or c.slug == brand_slug)
    brand_facet = [
        FacetValue(c.slug, c.name or "", c.count) for c in counts.brands if c.slug is not None
    ]
    items: list[ListingRow] = []
    if page.offset < total:
        items = await repository.listing_page(
            session, filters, sort, limit=page.limit, offset=page.offset
        )
    return ProductPage(
        items=items,
        total=total,
        page=page.page,
        page_size=page.page_size,
        category_facet=_ordered(counts.categories),
        brand_facet=_ordered(brand_facet),
    )


def _ordered(values: list[FacetValue]) -> list[FacetValue]:
    return sorted((v for v in values if v.count > 0), key=lambda v: (-v.count, v.name, v.slug))


# --- product detail -----------------------------------------------------------------------


def _as_id(reference: str) -> int | None:
    """All ASCII digits -> an id (0, which is never one, when too long); else a slug: None."""
    if reference.isascii() and reference.isdigit():
        return int(reference) if len(reference) <= 19 else 0
    return None


async def get_public_product(session: AsyncSession, reference: str) -> ProductView:
    """An active product by id (all digits) or slug; anything else is not found."""
    product_id = _as_id(reference)
    if product_id is not None:
        product = await repository.product_view(session, product_id=product_id)
    elif len(reference) <= 140:
        product = await repository.product_view(session, slug=reference)
    else:
        product = None
    if product is None or product.status != ProductStatus.ACTIVE:
        raise product_not_found(f"'{reference[:140]}'")
    return product
