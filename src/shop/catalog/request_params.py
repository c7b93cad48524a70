"""Request parameters shared by the public and the admin catalog routers: listing query
strings and the store currency. All are `async def`: FastAPI runs plain `def` dependencies in
its thread pool, which costs more than the work they do."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Query, Request

from shop.catalog import attribute_values
from shop.catalog.listing import ProductFilters, ProductSort
from shop.catalog.search_terms import MAX_QUERY_LENGTH, parse_search
from shop.errors import InvalidInput
from shop.kit.money import MAX_AMOUNT
from shop.kit.pagination import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, PageRequest
from shop.models.catalog import ProductStatus

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


async def listing_query(
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


async def admin_listing_query(
    query: ListingParams, status: ProductStatus | None = None
) -> ListingQuery:
    """The public listing parameters plus `status`; without it every status is listed."""
    statuses = None if status is None else (status,)
    filters = dataclasses.replace(query.filters, statuses=statuses)
    return dataclasses.replace(query, filters=filters)


AdminListingParams = Annotated[ListingQuery, Depends(admin_listing_query)]


async def store_currency(request: Request) -> str:
    """The store's currency (settings.currency), for money in responses."""
    currency: str = request.app.state.settings.currency
    return currency


StoreCurrency = Annotated[str, Depends(store_currency)]
