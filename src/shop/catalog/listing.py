"""The vocabulary of product listings, shared by the repository, the service and the API."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from shop.catalog.attribute_values import AttributeMatch
from shop.catalog.search_terms import SearchTerms
from shop.models.catalog import ProductStatus


class ProductSort(StrEnum):
    RELEVANCE = "relevance"
    NEWEST = "newest"
    PRICE_ASC = "price_asc"
    PRICE_DESC = "price_desc"
    NAME = "name"


@dataclass(frozen=True, slots=True)
class ProductFilters:
    """What a listing asks for. `category_slug` includes the category's descendants. Slugs that
    name nothing select no product (a 200, not a 404), so a stale link shows an empty page with
    facets instead of an error."""

    search: SearchTerms | None = None
    category_slug: str | None = None
    brand_slug: str | None = None
    min_price: int | None = None
    max_price: int | None = None
    in_stock: bool | None = None
    featured: bool | None = None
    attributes: tuple[AttributeMatch, ...] = ()
    # None: any status (admin). Public listings pass (ACTIVE,).
    statuses: tuple[ProductStatus, ...] | None = (ProductStatus.ACTIVE,)


@dataclass(frozen=True, slots=True)
class ListingRow:
    id: int
    slug: str
    name: str
    status: ProductStatus
    featured: bool
    price_amount: int | None
    compare_at_amount: int | None
    brand_slug: str | None
    brand_name: str | None
    category_slug: str | None
    category_name: str | None
    image_url: str | None
    image_alt: str | None
    in_stock: bool


@dataclass(frozen=True, slots=True)
class FacetValue:
    slug: str
    name: str
    count: int


@dataclass(frozen=True, slots=True)
class BrandCount:
    """Products of a brand (slug None: without one) matching every filter but the brand one."""

    slug: str | None
    name: str | None
    count: int


@dataclass(frozen=True, slots=True)
class FacetCounts:
    brands: list[BrandCount]
    # Per category: products in it or its descendants, matching every filter but the category.
    categories: list[FacetValue]


@dataclass(frozen=True, slots=True)
class ProductPage:
    items: list[ListingRow]
    total: int
    page: int
    page_size: int
    category_facet: list[FacetValue] = field(default_factory=list)
    brand_facet: list[FacetValue] = field(default_factory=list)
