"""The query string of listing pages (category, search), read leniently: a value that makes no
sense is dropped with a message next to the filters, never a 4xx page."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import InvalidOperation
from urllib.parse import urlencode

from starlette.datastructures import QueryParams

from shop.catalog.listing import ProductFilters, ProductSort
from shop.catalog.search_terms import MAX_QUERY_LENGTH, parse_search
from shop.kit.money import MAX_AMOUNT, parse_major
from shop.kit.pagination import PageRequest

PAGE_SIZE = 24
MAX_PAGE = 10_000
SORT_CHOICES = (
    ("relevance", "Relevance"),
    ("newest", "Newest"),
    ("price_asc", "Price: low to high"),
    ("price_desc", "Price: high to low"),
)
_SORTS = {value for value, _ in SORT_CHOICES}
KEPT = ("q", "category", "brand", "min_price", "max_price", "in_stock", "sort")


@dataclass(slots=True)
class ListingParams:
    q: str = ""
    category: str = ""  # /search only: a category page's category is in its path
    brand: str = ""
    min_price: str = ""  # dollars, as typed
    max_price: str = ""
    in_stock: bool = False
    sort: str = ""
    page: int = 1
    errors: list[str] = field(default_factory=list)
    min_amount: int | None = None
    max_amount: int | None = None

    def filters(self, *, category_slug: str | None) -> ProductFilters:
        return ProductFilters(
            search=parse_search(self.q) if self.q else None,
            category_slug=category_slug,
            brand_slug=self.brand or None,
            min_price=self.min_amount,
            max_price=self.max_amount,
            in_stock=True if self.in_stock else None,
        )

    def product_sort(self) -> ProductSort | None:
        """Relevance ranks search results only; without a query it means the default order."""
        if not self.sort or (self.sort == "relevance" and not self.q):
            return None
        return ProductSort(self.sort)

    def page_request(self) -> PageRequest:
        return PageRequest(self.page, PAGE_SIZE)

    def query(self, **changes: str | int | None) -> str:
        """This listing's query string with `changes` (None removes a parameter); the page
        goes back to 1 unless it is changed explicitly."""
        values: dict[str, str] = {}
        for name in KEPT:
            value = getattr(self, name)
            if value:
                values[name] = "1" if value is True else str(value)
        for name, change in changes.items():
            if change is None or change == "":
                values.pop(name, None)
            else:
                values[name] = str(change)
        if "page" in values and values["page"] == "1":
            values.pop("page")
        return urlencode(values)


def _price(text: str, label: str, errors: list[str]) -> int | None:
    if not text:
        return None
    try:
        amount = parse_major(text.replace("$", "").replace(",", ""))
    except (InvalidOperation, ValueError, OverflowError):
        errors.append(f"{label} must be an amount in dollars, like 25 or 19.99.")
        return None
    if not 0 <= amount <= MAX_AMOUNT:
        errors.append(f"{label} must be between 0 and {MAX_AMOUNT // 100:,} dollars.")
        return None
    return amount


def read_listing_params(query: QueryParams) -> ListingParams:
    params = ListingParams(
        q=query.get("q", "").strip()[:MAX_QUERY_LENGTH],
        category=query.get("category", "").strip()[:120],
        brand=query.get("brand", "").strip()[:120],
        min_price=query.get("min_price", "").strip()[:20],
        max_price=query.get("max_price", "").strip()[:20],
        in_stock=query.get("in_stock", "") in ("1", "true", "on", "yes"),
    )
    sort = query.get("sort", "")
    if sort in _SORTS:
        params.sort = sort
    elif sort:
        params.errors.append("Unknown sort order; showing the default order.")
    page = query.get("page", "1")
    valid = page.isascii() and page.isdigit() and 1 <= int(page) <= MAX_PAGE
    params.page = int(page) if valid else 1
    params.min_amount = _price(params.min_price, "Minimum price", params.errors)
    params.max_amount = _price(params.max_price, "Maximum price", params.errors)
    if (
        params.min_amount is not None
        and params.max_amount is not None
        and params.min_amount > params.max_amount
    ):
        params.errors.append("The minimum price is above the maximum; the prices were swapped.")
        params.min_amount, params.max_amount = params.max_amount, params.min_amount
        params.min_price, params.max_price = params.max_price, params.min_price
    return params
