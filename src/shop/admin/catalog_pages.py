"""Products in the back office: list and filter, create and edit (with variants), upload
images, archive. Needs `catalog:write`. Every change is audited with its before/after."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.datastructures import UploadFile

from shop.admin import product_form
from shop.admin.access import CatalogEditor, admin_page
from shop.admin.outcomes import audited_redirect, refused_field
from shop.admin.params import PageNumber, RowId
from shop.auth.browser_session import Shopper
from shop.catalog import admin_service
from shop.catalog import service as catalog_service
from shop.catalog.listing import ProductFilters, ProductSort
from shop.catalog.schemas import ImageIn, ProductAdminRead, ProductUpdate, VariantAdminRead
from shop.catalog.search_terms import parse_search
from shop.errors import ShopError
from shop.integrations.storage.base import ImageStorage, check_image, new_image_key
from shop.kit.pagination import PageRequest
from shop.models.catalog import ProductStatus
from shop.web.dependencies import ReadSession, SettingsDep, WriteSession
from shop.web.pages.csrf import CsrfProtected
from shop.web.pages.forms import text_field
from shop.web.pages.responses import redirect_with_flash

router = APIRouter(
    prefix="/admin/products", include_in_schema=False, default_response_class=HTMLResponse
)

ProductId = RowId
VariantId = RowId
PAGE_SIZE = 25
MAX_IMAGES = 20


async def _choices(session: AsyncSession) -> dict[str, Any]:
    return {
        "categories": await admin_service.list_categories(session),
        "brands": await admin_service.list_brands(session),
        "statuses": list(ProductStatus),
    }


@router.get("")
async def list_products(
    request: Request,
    session: ReadSession,
    staff: CatalogEditor,
    q: Annotated[str, Query(max_length=200)] = "",
    status: Annotated[ProductStatus | None, Query()] = None,
    page: PageNumber = 1,
) -> HTMLResponse:
    filters = ProductFilters(search=parse_search(q), statuses=None if status is None else (status,))
    sort = ProductSort.RELEVANCE if filters.search is not None else ProductSort.NEWEST
    listing = await catalog_service.list_products(
        session, filters, sort=sort, page=PageRequest(page, PAGE_SIZE)
    )
    return await admin_page(
        request,
        staff,
        "admin/products.html",
        {"listing": listing, "q": q, "status": status, "statuses": list(ProductStatus)},
        section="products",
    )


@router.get("/new")
async def new_product(request: Request, session: ReadSession, staff: CatalogEditor) -> HTMLResponse:
    return await admin_page(
        request,
        staff,
        "admin/product_form.html",
        {"product": None, "values": {"status": "draft"}, "errors": {}, **await _choices(session)},
        section="products",
    )


@router.post("")
async def create_product(
    request: Request,
    session: WriteSession,
    settings: SettingsDep,
    staff: CatalogEditor,
    _csrf: CsrfProtected,
) -> Response:
    parsed = product_form.read_product(await request.form(), with_variant=True)
    data = product_form.product_create(parsed, settings.currency)
    if data is not None:
        try:
            product = await admin_service.create_product(session, data, currency=settings.currency)
        except ShopError as error:
            parsed.errors[refused_field(error)] = error.message
        else:
            return await audited_redirect(
                request,
                session,
                staff,
                "product.create",
                entity_type="product",
                entity_id=product.id,
                after=ProductAdminRead.of(product, settings.currency),
                to=f"/admin/products/{product.id}",
                message=f"Product “{product.name}” created.",
            )
    return await admin_page(
        request,
        staff,
        "admin/product_form.html",
        {
            "product": None,
            "values": parsed.values,
            "errors": parsed.errors,
            **await _choices(session),
        },
        section="products",
        status_code=422,
    )


async def _edit_page(
    request: Request,
    session: AsyncSession,
    staff: Shopper,
    product_id: int,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    product = await admin_service.get_product(session, product_id)
    if values is None:
        first = product.variants[0] if product.variants else None
        values = {
            "name": product.name,
            "slug": product.slug,
            "description": product.description,
            "status": str(product.status),
            "category_id": str(product.category.id) if product.category else "",
            "brand_id": str(product.brand.id) if product.brand else "",
            "featured": "on" if product.featured else "",
            "sku": first.sku if first else "",
            "price": product_form.format_dollars(first.price_amount) if first else "",
            "stock": str(first.stock_quantity) if first else "",
        }
    return await admin_page(
        request,
        staff,
        "admin/product_form.html",
        {
            "product": product,
            "values": values,
            "errors": errors or {},
            "format_dollars": product_form.format_dollars,
            **await _choices(session),
        },
        section="products",
        status_code=status_code,
    )


@router.get("/{product_id}")
async def edit_product(
    request: Request, product_id: ProductId, session: ReadSession, staff: CatalogEditor
) -> HTMLResponse:
    return await _edit_page(request, session, staff, product_id)


@router.post("/{product_id}")
async def update_product(
    request: Request,
    product_id: ProductId,
    session: WriteSession,
    settings: SettingsDep,
    staff: CatalogEditor,
    _csrf: CsrfProtected,
) -> Response:
    before_view = await admin_service.get_product(session, product_id)
    first = before_view.variants[0] if before_view.variants else None
    parsed = product_form.read_product(await request.form(), with_variant=first is not None)
    data = product_form.product_update(parsed)
    variant_data = (
        product_form.variant_update(parsed, settings.currency, with_active=False)
        if first is not None and data is not None
        else None
    )
    if data is not None and (first is None or variant_data is not None):
        before = ProductAdminRead.of(before_view, settings.currency)
        try:
            async with session.begin_nested():
                await admin_service.update_product(session, product_id, data)
                if first is not None and variant_data is not None:
                    await admin_service.update_variant(
                        session, product_id, first.id, variant_data, currency=settings.currency
                    )
        except ShopError as error:
            parsed.errors[refused_field(error)] = error.message
        else:
            after = ProductAdminRead.of(
                await admin_service.get_product(session, product_id), settings.currency
            )
            return await audited_redirect(
                request,
                session,
                staff,
                "product.update",
                entity_type="product",
                entity_id=product_id,
                before=before,
                after=after,
                to=f"/admin/products/{product_id}",
                message="Product saved.",
            )
    return await _edit_page(
        request,
        session,
        staff,
        product_id,
        values=parsed.values,
        errors=parsed.errors,
        status_code=422,
    )


@router.post("/{product_id}/archive")
async def archive_product(
    request: Request,
    product_id: ProductId,
    session: WriteSession,
    staff: CatalogEditor,
    _csrf: CsrfProtected,
) -> Response:
    product = await admin_service.get_product(session, product_id)
    await admin_service.archive_product(session, product_id)
    return await audited_redirect(
        request,
        session,
        staff,
        "product.archive",
        entity_type="product",
        entity_id=product_id,
        before={"status": str(product.status)},
        after={"status": str(ProductStatus.ARCHIVED)},
        to=f"/admin/products/{product_id}",
        message=f"“{product.name}” is archived: it no longer shows in the shop.",
    )


@router.post("/{product_id}/variants")
async def add_variant(
    request: Request,
    product_id: ProductId,
    session: WriteSession,
    settings: SettingsDep,
    staff: CatalogEditor,
    _csrf: CsrfProtected,
) -> Response:
    parsed = product_form.read_variant(await request.form())
    data = product_form.variant_create(parsed, settings.currency)
    back = f"/admin/products/{product_id}"
    if data is None:
        return redirect_with_flash(request, back, _problems(parsed.errors), kind="error")
    try:
        variant = await admin_service.add_variant(
            session, product_id, data, currency=settings.currency
        )
    except ShopError as error:
        return redirect_with_flash(request, back, error.message, kind="error")
    return await audited_redirect(
        request,
        session,
        staff,
        "variant.create",
        entity_type="variant",
        entity_id=variant.id,
        after=VariantAdminRead.of(variant, settings.currency),
        to=back,
        message=f"Variant {variant.sku} added.",
    )


@router.post("/{product_id}/variants/{variant_id}")
async def update_variant(
    request: Request,
    product_id: ProductId,
    variant_id: VariantId,
    session: WriteSession,
    settings: SettingsDep,
    staff: CatalogEditor,
    _csrf: CsrfProtected,
) -> Response:
    product = await admin_service.get_product(session, product_id)
    current = next((v for v in product.variants if v.id == variant_id), None)
    back = f"/admin/products/{product_id}"
    if current is None:
        return redirect_with_flash(
            request, back, "That variant is not part of this product.", kind="error"
        )
    parsed = product_form.read_variant(await request.form())
    data = product_form.variant_update(parsed, settings.currency, with_active=True)
    if data is None:
        return redirect_with_flash(request, back, _problems(parsed.errors), kind="error")
    try:
        variant = await admin_service.update_variant(
            session, product_id, variant_id, data, currency=settings.currency
        )
    except ShopError as error:
        return redirect_with_flash(request, back, error.message, kind="error")
    return await audited_redirect(
        request,
        session,
        staff,
        "variant.update",
        entity_type="variant",
        entity_id=variant_id,
        before=VariantAdminRead.of(current, settings.currency),
        after=VariantAdminRead.of(variant, settings.currency),
        to=back,
        message=f"Variant {variant.sku} saved.",
    )


@router.post("/{product_id}/images")
async def upload_image(
    request: Request,
    product_id: ProductId,
    session: WriteSession,
    settings: SettingsDep,
    staff: CatalogEditor,
    _csrf: CsrfProtected,
) -> Response:
    form = await request.form()
    upload = form.get("file")
    alt = text_field(form, "alt", max_length=200)[:200]
    back = f"/admin/products/{product_id}"
    product = await admin_service.get_product(session, product_id)
    if not isinstance(upload, UploadFile):
        return redirect_with_flash(request, back, "Choose an image file to upload.", kind="error")
    if len(product.images) >= MAX_IMAGES:
        return redirect_with_flash(
            request, back, f"A product has at most {MAX_IMAGES} images.", kind="error"
        )
    data = await upload.read(settings.storage_max_upload_bytes + 1)
    try:
        kind = check_image(data, max_bytes=settings.storage_max_upload_bytes)
    except ShopError as error:
        return redirect_with_flash(request, back, f"Upload refused: {error.message}.", kind="error")
    storage: ImageStorage = request.app.state.image_storage
    url = await storage.put(
        new_image_key(f"products/{product_id}", kind), data, content_type=kind.content_type
    )
    images = [ImageIn(url=u, alt=a) for u, a in product.images] + [
        ImageIn(url=url, alt=alt or product.name[:200])
    ]
    await admin_service.update_product(session, product_id, ProductUpdate(images=images))
    return await audited_redirect(
        request,
        session,
        staff,
        "product.image_add",
        entity_type="product",
        entity_id=product_id,
        before={"images": [u for u, _ in product.images]},
        after={"images": [i.url for i in images]},
        to=back,
        message="Image uploaded.",
    )


def _problems(errors: dict[str, str]) -> str:
    return "Not saved: " + "; ".join(f"{name}: {message}" for name, message in errors.items())
