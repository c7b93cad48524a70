"""Back-office catalog API. Reads need any staff role; writes need `catalog:write`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Response, status
from sqlalchemy.ext.asyncio import AsyncSession

from shop.audit.dependencies import AuditorDep
from shop.auth.dependencies import StaffClaims, require
from shop.auth.permissions import Permission
from shop.auth.tokens import AccessClaims
from shop.catalog import admin_service, service
from shop.catalog.request_params import AdminListingParams, StoreCurrency
from shop.catalog.schemas import (
    AdminProductListRead,
    BrandCreate,
    BrandRead,
    BrandUpdate,
    CategoryAdminRead,
    CategoryCreate,
    CategoryUpdate,
    ProductAdminRead,
    ProductCreate,
    ProductUpdate,
    VariantAdminRead,
    VariantCreate,
    VariantUpdate,
)
from shop.web.dependencies import ReadSession, WriteSession

router = APIRouter(prefix="/admin", tags=["catalog admin"])

CatalogWriter = Annotated[AccessClaims, require(Permission.CATALOG_WRITE)]


def _no_content() -> Response:
    return Response(status_code=status.HTTP_204_NO_CONTENT)


# --- products -----------------------------------------------------------------------------


@router.get("/products", summary="List products of any status, with filters and facets")
async def list_products(
    _: StaffClaims, session: ReadSession, currency: StoreCurrency, query: AdminListingParams
) -> AdminProductListRead:
    page = await service.list_products(session, query.filters, sort=query.sort, page=query.page)
    return AdminProductListRead.of(page, currency)


@router.post("/products", status_code=status.HTTP_201_CREATED, summary="Create a product")
async def create_product(
    _: CatalogWriter,
    data: ProductCreate,
    session: WriteSession,
    currency: StoreCurrency,
    audit: AuditorDep,
) -> ProductAdminRead:
    product = ProductAdminRead.of(
        await admin_service.create_product(session, data, currency=currency), currency
    )
    await audit.record(
        session, "product.create", entity_type="product", entity_id=product.id, after=product
    )
    return product


@router.get("/products/{product_id}", summary="A product of any status, all variants")
async def get_product(
    _: StaffClaims, product_id: int, session: ReadSession, currency: StoreCurrency
) -> ProductAdminRead:
    product = await admin_service.get_product(session, product_id)
    return ProductAdminRead.of(product, currency)


@router.patch("/products/{product_id}", summary="Change a product")
async def update_product(
    _: CatalogWriter,
    product_id: int,
    data: ProductUpdate,
    session: WriteSession,
    currency: StoreCurrency,
    audit: AuditorDep,
) -> ProductAdminRead:
    before = ProductAdminRead.of(await admin_service.get_product(session, product_id), currency)
    product = ProductAdminRead.of(
        await admin_service.update_product(session, product_id, data), currency
    )
    await audit.record(
        session,
        "product.update",
        entity_type="product",
        entity_id=product_id,
        before=before,
        after=product,
    )
    return product


@router.delete(
    "/products/{product_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    summary="Archive a product (idempotent)",
)
async def archive_product(
    _: CatalogWriter, product_id: int, session: WriteSession, audit: AuditorDep
) -> Response:
    await admin_service.archive_product(session, product_id)
    await audit.record(session, "product.archive", entity_type="product", entity_id=product_id)
    return _no_content()


@router.post(
    "/products/{product_id}/variants",
    status_code=status.HTTP_201_CREATED,
    summary="Add a variant to a product",
)
async def add_variant(
    _: CatalogWriter,
    product_id: int,
    data: VariantCreate,
    session: WriteSession,
    currency: StoreCurrency,
    audit: AuditorDep,
) -> VariantAdminRead:
    variant = VariantAdminRead.of(
        await admin_service.add_variant(session, product_id, data, currency=currency), currency
    )
    await audit.record(
        session, "variant.create", entity_type="variant", entity_id=variant.id, after=variant
    )
    return variant


@router.patch("/products/{product_id}/variants/{variant_id}", summary="Change a variant")
async def update_variant(
    _: CatalogWriter,
    product_id: int,
    variant_id: int,
    data: VariantUpdate,
    session: WriteSession,
    currency: StoreCurrency,
    audit: AuditorDep,
) -> VariantAdminRead:
    before = await _variant_read(session, product_id, variant_id, currency)
    variant = VariantAdminRead.of(
        await admin_service.update_variant(
            session, product_id, variant_id, data, currency=currency
        ),
        currency,
    )
    await audit.record(
        session,
        "variant.update",
        entity_type="variant",
        entity_id=variant_id,
        before=before,
        after=variant,
    )
    return variant


async def _variant_read(
    session: AsyncSession, product_id: int, variant_id: int, currency: str
) -> VariantAdminRead | None:
    product = await admin_service.get_product(session, product_id)
    found = [v for v in product.variants if v.id == variant_id]
    return VariantAdminRead.of(found[0], currency) if found else None


# --- categories ---------------------------------------------------------------------------


@router.get("/categories", summary="All categories, flat")
async def list_categories(_: StaffClaims, session: ReadSession) -> list[CategoryAdminRead]:
    return [CategoryAdminRead.of(c) for c in await admin_service.list_categories(session)]


@router.post("/categories", status_code=status.HTTP_201_CREATED, summary="Create a category")
async def create_category(
    _: CatalogWriter, data: CategoryCreate, session: WriteSession, audit: AuditorDep
) -> CategoryAdminRead:
    category = CategoryAdminRead.of(await admin_service.create_category(session, data))
    await audit.record(
        session, "category.create", entity_type="category", entity_id=category.id, after=category
    )
    return category


@router.get("/categories/{category_id}", summary="A category")
async def get_category(_: StaffClaims, category_id: int, session: ReadSession) -> CategoryAdminRead:
    return CategoryAdminRead.of(await admin_service.get_category(session, category_id))


@router.patch("/categories/{category_id}", summary="Change or move a category")
async def update_category(
    _: CatalogWriter,
    category_id: int,
    data: CategoryUpdate,
    session: WriteSession,
    audit: AuditorDep,
) -> CategoryAdminRead:
    before = CategoryAdminRead.of(await admin_service.get_category(session, category_id))
    category = CategoryAdminRead.of(await admin_service.update_category(session, category_id, data))
    await audit.record(
        session,
        "category.update",
        entity_type="category",
        entity_id=category_id,
        before=before,
        after=category,
    )
    return category


@router.delete(
    "/categories/{category_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    summary="Delete an empty leaf category",
)
async def delete_category(
    _: CatalogWriter, category_id: int, session: WriteSession, audit: AuditorDep
) -> Response:
    before = CategoryAdminRead.of(await admin_service.get_category(session, category_id))
    await admin_service.delete_category(session, category_id)
    await audit.record(
        session, "category.delete", entity_type="category", entity_id=category_id, before=before
    )
    return _no_content()


# --- brands -------------------------------------------------------------------------------


@router.get("/brands", summary="All brands")
async def list_brands(_: StaffClaims, session: ReadSession) -> list[BrandRead]:
    return [BrandRead.of(b) for b in await admin_service.list_brands(session)]


@router.post("/brands", status_code=status.HTTP_201_CREATED, summary="Create a brand")
async def create_brand(
    _: CatalogWriter, data: BrandCreate, session: WriteSession, audit: AuditorDep
) -> BrandRead:
    brand = BrandRead.of(await admin_service.create_brand(session, data))
    await audit.record(
        session, "brand.create", entity_type="brand", entity_id=brand.id, after=brand
    )
    return brand


@router.get("/brands/{brand_id}", summary="A brand")
async def get_brand(_: StaffClaims, brand_id: int, session: ReadSession) -> BrandRead:
    return BrandRead.of(await admin_service.get_brand(session, brand_id))


@router.patch("/brands/{brand_id}", summary="Change a brand")
async def update_brand(
    _: CatalogWriter, brand_id: int, data: BrandUpdate, session: WriteSession, audit: AuditorDep
) -> BrandRead:
    before = BrandRead.of(await admin_service.get_brand(session, brand_id))
    brand = BrandRead.of(await admin_service.update_brand(session, brand_id, data))
    await audit.record(
        session, "brand.update", entity_type="brand", entity_id=brand_id, before=before, after=brand
    )
    return brand


@router.delete(
    "/brands/{brand_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    summary="Delete a brand no product uses",
)
async def delete_brand(
    _: CatalogWriter, brand_id: int, session: WriteSession, audit: AuditorDep
) -> Response:
    before = BrandRead.of(await admin_service.get_brand(session, brand_id))
    await admin_service.delete_brand(session, brand_id)
    await audit.record(
        session, "brand.delete", entity_type="brand", entity_id=brand_id, before=before
    )
    return _no_content()
