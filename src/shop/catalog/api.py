"""Public catalog API: category tree, brands, product listing/search with facets, product detail.
Only active products (and their active variants) are visible here."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from shop.catalog import attribute_values, service
from shop.catalog.listing import ProductFilters, ProductSort
from shop.catalog.schemas import (
    MAX_AMOUNT,
    BrandRead,
    CategoryTreeRead,
    ProductListRead,
    ProductRead,
)
from shop.catalog.search_terms import MAX_QUERY_LENGTH, parse_search
from shop.catalog.service import CategoryNode
from shop.errors import InvalidInput
from shop.kit.pagination import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, PageRequest
from shop.web.dependencies import ReadSession, SettingsDep

router = APIRouter(tags=["catalog"])

ATTRIBUTE_PREFIX = "attr."
MAX_ATTRIBUTE_FILTERS = 10
MAX_PAGE = 100_000


@dataclass(frozen=True, slots=True)
class ListingQuery:
    filters: ProductFilters
    sort: ProductSort | None
    page: PageRequest


def _attribute_filters(request: Request) -> tuple[attribute_values.AttributeMatch, ...]:
    """`attr.<name>=<value>` parameters (any number, all must hold)."""
    matches = []
    for key, value in request.query_params.multi_items():
        if not key.startswith(ATTRIBUTE_PREFIX):
            continue
        name = key.removeprefix(ATTRIBUTE_PREFIX)
        if not name.strip() or len(name) > 60 or len(value) > 200:
            raise InvalidInput(
                f"'{key[:80]}': attribute filters are attr.<name>=<value> with a name of 1-60 "
                "and a value of at most 200 characters",
                code="invalid_attribute_filter",
            )
        matches.append(attribute_values.match_for(name, value))
    if len(matches) > MAX_ATTRIBUTE_FILTERS:
        raise InvalidInput(
            f"at most {MAX_ATTRIBUTE_FILTERS} attr.<name> filters per request",
            code="too_many_attribute_filters",
        )
    return tuple(matches)


def _blank_to_none(value: str | None) -> str | None:
    return value.strip() or None if value is not None else None


def listing_query(
    request: Request,
    q: Annotated[
        str | None,
        Query(
            max_length=MAX_QUERY_LENGTH, description="Full-text search; the last word is a prefix"
        ),
    ] = None,
    category: Annotated[
        str | None, Query(max_length=120, description="Category slug; includes subcategories")
    ] = None,
    brand: Annotated[str | None, Query(max_length=120, description="Brand slug")] = None,
    min_price: Annotated[int | None, Query(ge=0, le=MAX_AMOUNT, description="Minor units")] = None,
    max_price: Annotated[int | None, Query(ge=0, le=MAX_AMOUNT, description="Minor units")] = None,
    in_stock: Annotated[bool | None, Query(description="Has a variant that can ship")] = None,
    featured: bool | None = None,
    sort: Annotated[
        ProductSort | None,
        Query(description="Default: relevance when q is given, else newest"),
    ] = None,
    page: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 1,
    page_size: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = DEFAULT_PAGE_SIZE,
) -> ListingQuery:
    """Listing parameters; also `attr.<name>=<value>` (equality, several = AND). Unknown
    parameters are ignored."""
    filters = ProductFilters(
        search=parse_search(q) if q is not None else None,
        category_slug=_blank_to_none(category),
        brand_slug=_blank_to_none(brand),
        min_price=min_price,
        max_price=max_price,
        in_stock=in_stock,
        featured=featured,
        attributes=_attribute_filters(request),
    )
    return ListingQuery(filters=filters, sort=sort, page=PageRequest(page, page_size))


ListingParams = Annotated[ListingQuery, Depends(listing_query)]


def _tree(nodes: list[CategoryNode]) -> list[CategoryTreeRead]:
    return [
        CategoryTreeRead(
            id=n.id,
            slug=n.slug,
            name=n.name,
            description=n.description,
            children=_tree(n.children),
        )
        for n in nodes
    ]


@router.get("/categories", summary="The category tree")
async def list_categories(session: ReadSession) -> list[CategoryTreeRead]:
    tree = await service.category_tree(session)
    return _tree(tree.roots)


@router.get("/brands", summary="All brands, by name")
async def list_brands(session: ReadSession) -> list[BrandRead]:
    return [BrandRead.of(b) for b in await service.list_brands(session)]


@router.get("/products", summary="List and search active products, with facets")
async def list_products(
    session: ReadSession, settings: SettingsDep, query: ListingParams
) -> ProductListRead:
    page = await service.list_products(session, query.filters, sort=query.sort, page=query.page)
    return ProductListRead.of(page, settings.currency)


@router.get(
    "/products/{reference}",
    summary="An active product by id (all digits) or slug",
    responses={404: {"description": "No active product with this id or slug"}},
)
async def get_product(reference: str, session: ReadSession, settings: SettingsDep) -> ProductRead:
    detail = await service.get_public_product(session, reference)
    return ProductRead.of(detail.product, detail.breadcrumb, settings.currency)
