"""Public catalog API: category tree, brands, product listing/search with facets, product detail.
Only active products (and their active variants) are visible here.

Every route answers from the process's catalog cache when it can (shop.catalog.read_cache): the
JSON is rendered once per catalog change, not once per request. The cache key is the parsed
request, so equivalent query strings share an entry. A database session is opened only on a
miss: setting one up and rolling it back was ~40% of a cached answer's CPU."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from pydantic import TypeAdapter

from shop.catalog import service
from shop.catalog.read_cache import CatalogReadCache
from shop.catalog.request_params import ListingParams, StoreCurrency
from shop.catalog.schemas import BrandRead, CategoryTreeRead, ProductListRead, ProductRead
from shop.catalog.service import CategoryNode
from shop.observability import metrics
from shop.web.dependencies import DatabaseDep

router = APIRouter(tags=["catalog"])

_categories_json = TypeAdapter(list[CategoryTreeRead])
_brands_json = TypeAdapter(list[BrandRead])
_listing_json = TypeAdapter(ProductListRead)
_product_json = TypeAdapter(ProductRead)


async def _catalog_cache(request: Request) -> CatalogReadCache:
    cache: CatalogReadCache = request.app.state.catalog_cache
    return cache


CatalogCache = Annotated[CatalogReadCache, Depends(_catalog_cache)]


def _json(body: bytes) -> Response:
    return Response(body, media_type="application/json")


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


def _render(adapter: TypeAdapter[Any], value: object) -> bytes:
    return adapter.dump_json(value)


@router.get("/categories", summary="The category tree", response_model=list[CategoryTreeRead])
async def list_categories(database: DatabaseDep, cache: CatalogCache) -> Response:
    if (body := cache.get("categories")) is not None:
        return _json(body)
    generation = cache.generation
    async with database.read() as session:
        tree = await service.category_tree(session)
    body = _render(_categories_json, _tree(tree.roots))
    cache.put("categories", body, generation=generation)
    return _json(body)


@router.get("/brands", summary="All brands, by name", response_model=list[BrandRead])
async def list_brands(database: DatabaseDep, cache: CatalogCache) -> Response:
    if (body := cache.get("brands")) is not None:
        return _json(body)
    generation = cache.generation
    async with database.read() as session:
        brands = [BrandRead.of(b) for b in await service.list_brands(session)]
    body = _render(_brands_json, brands)
    cache.put("brands", body, generation=generation)
    return _json(body)


@router.get(
    "/products",
    summary="List and search active products, with facets",
    response_model=ProductListRead,
)
async def list_products(
    database: DatabaseDep, currency: StoreCurrency, query: ListingParams, cache: CatalogCache
) -> Response:
    key = f"products:{currency}:{query!r}"
    if (body := cache.get(key)) is not None:
        return _json(body)
    generation = cache.generation
    async with database.read() as session:
        page = await service.list_products(session, query.filters, sort=query.sort, page=query.page)
        body = _render(_listing_json, ProductListRead.of(page, currency))
    cache.put(key, body, generation=generation)
    return _json(body)


@router.get(
    "/products/{reference}",
    summary="An active product by id (all digits) or slug",
    response_model=ProductRead,
    responses={404: {"description": "No active product with this id or slug"}},
)
async def get_product(
    reference: str, database: DatabaseDep, currency: StoreCurrency, cache: CatalogCache
) -> Response:
    key = f"product:{currency}:{reference}"
    if (body := cache.get(key)) is not None:
        metrics.count_funnel_step("product_view")
        return _json(body)
    generation = cache.generation
    async with database.read() as session:
        product = await service.get_public_product(session, reference)
        body = _render(_product_json, ProductRead.of(product, currency))
    cache.put(key, body, generation=generation)
    metrics.count_funnel_step("product_view")
    return _json(body)
