"""Property tests: for a random small catalog and random filters, sorts and page sizes, walking
all pages yields every matching product exactly once, in order, and `total` and the facet counts
equal what a plain-Python model of the documented semantics computes from the same data."""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from shop.catalog import service
from shop.catalog.attribute_values import match_for
from shop.catalog.listing import FacetValue, ProductFilters, ProductSort
from shop.catalog.search_terms import parse_search
from shop.kit.pagination import PageRequest
from shop.models.catalog import Product, ProductStatus
from tests.builders import catalog as b

# Words whose Porter and Snowball stems are the words themselves, none a prefix of another.
VOCABULARY = ["oak", "desk", "lamp", "red", "steel", "chair", "wool"]
PRICES = [100, 500, 500, 900, 2500]


@dataclass
class VariantSpec:
    price: int
    stock: int
    track: bool
    active: bool


@dataclass
class ProductSpec:
    words: list[str]
    description: list[str]
    status: ProductStatus
    featured: bool
    brand: int | None
    category: int | None
    variants: list[VariantSpec]
    attributes: dict[str, str | int | bool]


@dataclass
class CatalogSpec:
    brands: int
    parents: list[int | None]  # category i's parent index
    products: list[ProductSpec]


variants = st.builds(
    VariantSpec,
    price=st.sampled_from(PRICES),
    stock=st.integers(0, 2),
    track=st.booleans(),
    active=st.booleans(),
)


@st.composite
def catalogs(draw: st.DrawFn) -> CatalogSpec:
    brands = draw(st.integers(0, 3))
    parents: list[int | None] = []
    for index in range(draw(st.integers(0, 4))):
        parents.append(draw(st.one_of(st.none(), st.integers(0, index - 1))) if index else None)
    attributes = st.fixed_dictionaries(
        {},
        optional={
            "color": st.sampled_from(["red", "blue"]),
            "size": st.integers(1, 3),
            "sale": st.booleans(),
        },
    )
    products = st.builds(
        ProductSpec,
        words=st.lists(st.sampled_from(VOCABULARY), min_size=1, max_size=2),
        description=st.lists(st.sampled_from(VOCABULARY), max_size=3),
        status=st.sampled_from(list(ProductStatus)),
        featured=st.booleans(),
        brand=st.one_of(st.none(), st.integers(0, brands - 1)) if brands else st.none(),
        category=st.one_of(st.none(), st.integers(0, len(parents) - 1)) if parents else st.none(),
        variants=st.lists(variants, max_size=3),
        attributes=attributes,
    )
    return CatalogSpec(brands, parents, draw(st.lists(products, min_size=1, max_size=8)))


@dataclass
class Query:
    words: list[str] | None
    category: int | str | None  # index, or an unknown slug
    brand: int | str | None
    min_price: int | None
    max_price: int | None
    in_stock: bool | None
    featured: bool | None
    attributes: dict[str, str]
    statuses: tuple[ProductStatus, ...] | None
    sort: ProductSort | None
    page_size: int


@st.composite
def queries(draw: st.DrawFn) -> Query:
    words = draw(
        st.one_of(st.none(), st.lists(st.sampled_from(VOCABULARY), min_size=1, max_size=2))
    )
    sorts = [s for s in ProductSort if words or s is not ProductSort.RELEVANCE]
    low = draw(st.one_of(st.none(), st.sampled_from(PRICES)))
    high = draw(
        st.one_of(st.none(), st.sampled_from([p for p in PRICES if low is None or p >= low]))
    )
    return Query(
        words=words,
        category=draw(st.one_of(st.none(), st.integers(0, 3), st.just("nope"))),
        brand=draw(st.one_of(st.none(), st.integers(0, 2), st.just("nope"))),
        min_price=low,
        max_price=high,
        in_stock=draw(st.one_of(st.none(), st.booleans())),
        featured=draw(st.one_of(st.none(), st.booleans())),
        attributes=draw(
            st.fixed_dictionaries(
                {},
                optional={
                    "color": st.sampled_from(["red", "blue"]),
                    "size": st.sampled_from(["1", "2.0", "3"]),
                    "sale": st.sampled_from(["true", "FALSE"]),
                },
            )
        ),
        statuses=draw(st.sampled_from([(ProductStatus.ACTIVE,), None, (ProductStatus.DRAFT,)])),
        sort=draw(st.one_of(st.none(), st.sampled_from(sorts))),
        page_size=draw(st.integers(1, 5)),
    )


@dataclass
class Model:
    """The catalog as stored, and the documented listing semantics in plain Python."""

    brand_slugs: list[str]
    brand_names: list[str]
    category_slugs: list[str]
    category_names: list[str]
    parents: list[int | None]
    products: list[ProductSpec]
    ids: list[int]
    skus: list[list[str]]
    created: dict[int, datetime] = field(default_factory=dict)

    def price(self, spec: ProductSpec) -> int | None:
        return min((v.price for v in spec.variants if v.active), default=None)

    def lineage(self, category: int) -> list[int]:
        chain: list[int] = []
        current: int | None = category
        while current is not None:
            chain.append(current)
            current = self.parents[current]
        return chain

    def words_of(self, index: int) -> set[str]:
        spec = self.products[index]
        text = [*spec.words, *spec.description, *self.skus[index]]
        if spec.brand is not None:
            text.append(self.brand_names[spec.brand])
        if spec.category is not None:
            text += [self.category_names[c] for c in self.lineage(spec.category)]
        found = parse_search(" ".join(text))
        return set(found.words) if found else set()

    def matches(self, index: int, query: Query, *, brand: bool, category: bool) -> bool:
        spec = self.products[index]
        if query.statuses is not None and spec.status not in query.statuses:
            return False
        if query.words is not None:
            words = self.words_of(index)
            *whole, last = query.words
            if not all(w in words for w in whole) or not any(w.startswith(last) for w in words):
                return False
        price = self.price(spec)
        if query.min_price is not None and (price is None or price < query.min_price):
            return False
        if query.max_price is not None and (price is None or price > query.max_price):
            return False
        if query.in_stock is not None:
            stocked = any(v.active and (not v.track or v.stock > 0) for v in spec.variants)
            if stocked != query.in_stock:
                return False
        if query.featured is not None and spec.featured != query.featured:
            return False
        for name, raw in query.attributes.items():
            value = spec.attributes.get(name)
            if name == "size" and value != int(float(raw)):
                return False
            if name == "sale" and value != (raw.lower() == "true"):
                return False
            if name == "color" and value != raw:
                return False
        if brand and query.brand is not None:
            if not isinstance(query.brand, int) or spec.brand != query.brand:
                return False
        if category and query.category is not None:
            if not isinstance(query.category, int) or query.category >= len(self.parents):
                return False
            if spec.category is None or query.category not in self.lineage(spec.category):
                return False
        return True

    def expected_ids(self, query: Query) -> list[int]:
        found = [
            i
            for i in range(len(self.products))
            if self.matches(i, query, brand=True, category=True)
        ]
        sort = query.sort or (ProductSort.RELEVANCE if query.words else ProductSort.NEWEST)

        def key(i: int) -> tuple[object, ...]:
            price, pid = self.price(self.products[i]), self.ids[i]
            if sort is ProductSort.NEWEST:
                return (-self.created[pid].timestamp(), -pid)
            if sort is ProductSort.PRICE_ASC:
                return (price is None, price or 0, pid)
            if sort is ProductSort.PRICE_DESC:
                return (price is None, -(price or 0), pid)
            return (pid,)  # name and relevance orders are checked as sets only

        return [self.ids[i] for i in sorted(found, key=key)]

    def facets(self, query: Query) -> tuple[list[FacetValue], list[FacetValue]]:
        brands: Counter[int] = Counter()
        categories: Counter[int] = Counter()
        for i, spec in enumerate(self.products):
            if spec.brand is not None and self.matches(i, query, brand=False, category=True):
                brands[spec.brand] += 1
            if spec.category is not None and self.matches(i, query, brand=True, category=False):
                categories.update(self.lineage(spec.category))

        def ordered(values: list[FacetValue]) -> list[FacetValue]:
            return sorted(values, key=lambda v: (-v.count, v.name, v.slug))

        return (
            ordered(
                [
                    FacetValue(self.category_slugs[c], self.category_names[c], n)
                    for c, n in categories.items()
                ]
            ),
            ordered(
                [FacetValue(self.brand_slugs[c], self.brand_names[c], n) for c, n in brands.items()]
            ),
        )

    def filters(self, query: Query) -> ProductFilters:
        def slug(choice: int | str | None, slugs: list[str]) -> str | None:
            if isinstance(choice, int):
                return slugs[choice] if choice < len(slugs) else f"missing-{choice}"
            return choice

        return ProductFilters(
            search=parse_search(" ".join(query.words)) if query.words else None,
            category_slug=slug(query.category, self.category_slugs),
            brand_slug=slug(query.brand, self.brand_slugs),
            min_price=query.min_price,
            max_price=query.max_price,
            in_stock=query.in_stock,
            featured=query.featured,
            attributes=tuple(match_for(k, v) for k, v in query.attributes.items()),
            statuses=query.statuses,
        )


async def build(session: AsyncSession, spec: CatalogSpec) -> Model:
    brands = [await b.create_brand(session, name=f"Brand b{i}") for i in range(spec.brands)]
    categories = []
    for index, parent in enumerate(spec.parents):
        categories.append(
            await b.create_category(
                session,
                name=f"Category c{index}",
                parent=categories[parent] if parent is not None else None,
            )
        )
    ids, skus = [], []
    for product in spec.products:
        product_variants = [
            b.variant(
                price=v.price, stock_quantity=v.stock, track_inventory=v.track, is_active=v.active
            )
            for v in product.variants
        ]
        created = await b.create_product(
            session,
            name=" ".join(product.words),
            description=" ".join(product.description),
            status=product.status,
            featured=product.featured,
            brand=brands[product.brand] if product.brand is not None else None,
            category=categories[product.category] if product.category is not None else None,
            variants=product_variants,
            attributes=dict(product.attributes),
        )
        ids.append(created.id)
        skus.append([v.sku for v in product_variants])
    model = Model(
        brand_slugs=[x.slug for x in brands],
        brand_names=[x.name for x in brands],
        category_slugs=[x.slug for x in categories],
        category_names=[x.name for x in categories],
        parents=spec.parents,
        products=spec.products,
        ids=ids,
        skus=skus,
    )
    rows = await session.execute(select(Product.id, Product.created_at).where(Product.id.in_(ids)))
    model.created = {pid: created_at for pid, created_at in rows.all()}
    return model


class TestListProductsProperties:
    @settings(suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
    @given(catalog=catalogs(), query_list=st.lists(queries(), min_size=1, max_size=4))
    async def test_pages_totals_and_facets_match_the_model(
        self, catalog_session: AsyncSession, catalog: CatalogSpec, query_list: list[Query]
    ) -> None:
        async with catalog_session.begin_nested() as example:
            model = await build(catalog_session, catalog)
            for query in query_list:
                filters = model.filters(query)
                expected = model.expected_ids(query)
                walked: list[int] = []
                pages = max(1, math.ceil(len(expected) / query.page_size))
                for number in range(1, pages + 2):  # one page past the end, which is empty
                    page = await service.list_products(
                        catalog_session,
                        filters,
                        sort=query.sort,
                        page=PageRequest(page=number, page_size=query.page_size),
                    )
                    assert page.total == len(expected)
                    assert (page.category_facet, page.brand_facet) == model.facets(query)
                    assert len(page.items) <= query.page_size
                    walked += [item.id for item in page.items]
                assert len(walked) == len(set(walked))
                if query.sort in (ProductSort.NAME, ProductSort.RELEVANCE) or (
                    query.sort is None and query.words
                ):
                    assert sorted(walked) == sorted(expected)
                else:
                    assert walked == expected
            await example.rollback()
