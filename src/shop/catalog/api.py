"""Public catalog API: category tree, brands, product listing/search with facets, product detail.
Only active products (and their active variants) are visible here."""

from __future__ import annotations

from fastapi import APIRouter

from shop.catalog import service
from shop.catalog.request_params import ListingParams, StoreCurrency
from shop.catalog.schemas import BrandRead, CategoryTreeRead, ProductListRead, ProductRead
from shop.catalog.service import CategoryNode
from shop.web.dependencies import ReadSession

router = APIRouter(tags=["catalog"])


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
    session: ReadSession, currency: StoreCurrency, query: ListingParams
) -> ProductListRead:
    page = await service.list_products(session, query.filters, sort=query.sort, page=query.page)
    return ProductListRead.of(page, currency)


@router.get(
    "/products/{reference}",
    summary="An active product by id (all digits) or slug",
    responses={404: {"description": "No active product with this id or slug"}},
)
async def get_product(reference: str, session: ReadSession, currency: StoreCurrency) -> ProductRead:
    product = await service.get_public_product(session, reference)
    return ProductRead.of(product, currency)
