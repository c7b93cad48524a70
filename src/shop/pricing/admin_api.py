"""Admin routes for coupons (`coupons:write`), shipping methods and tax rates (read: any staff;
write: `settings:write`, admins only)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Response, status

from shop.audit.dependencies import AuditorDep
from shop.auth.dependencies import StaffClaims, require
from shop.auth.permissions import Permission
from shop.auth.tokens import AccessClaims
from shop.kit.pagination import MAX_PAGE_SIZE, PageRequest
from shop.pricing import admin_service as service
from shop.pricing.schemas import (
    CouponCreate,
    CouponPage,
    CouponRead,
    CouponUpdate,
    ShippingMethodCreate,
    ShippingMethodRead,
    ShippingMethodUpdate,
    TaxRateCreate,
    TaxRateRead,
    TaxRateUpdate,
)
from shop.web.dependencies import ReadSession, SettingsDep, WriteSession
from shop.web.problems import problem_responses

router = APIRouter(prefix="/admin", tags=["admin: pricing"])

CouponManager = Annotated[AccessClaims, require(Permission.COUPONS_WRITE)]
SettingsWriter = Annotated[AccessClaims, require(Permission.SETTINGS_WRITE)]
# Ids are BIGINT: anything larger is not an id (and must not reach the database driver).
CouponId = Annotated[int, Path(ge=1, le=2**63 - 1, description="Id of the coupon")]
MethodId = Annotated[int, Path(ge=1, le=2**63 - 1, description="Id of the shipping method")]
RateId = Annotated[int, Path(ge=1, le=2**63 - 1, description="Id of the tax rate")]
MAX_PAGE = 100_000

_DEACTIVATED: dict[int | str, dict[str, Any]] = {
    204: {"description": "Deleted: it was never used"},
}


# --- coupons --------------------------------------------------------------------------------


@router.get(
    "/coupons",
    response_model=CouponPage,
    summary="List coupons",
    description="Newest first, paged. Needs `coupons:write`.",
    responses=problem_responses(401, 403, 422),
)
async def list_coupons(
    session: ReadSession,
    settings: SettingsDep,
    _: CouponManager,
    page: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 1,
    page_size: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = 50,
) -> CouponPage:
    coupons, total = await service.list_coupons(session, PageRequest(page, page_size))
    return CouponPage(
        items=[CouponRead.of(coupon, settings.currency) for coupon in coupons],
        total=total,
        page=page,
        page_size=page_size,
    )


@router.post(
    "/coupons",
    status_code=status.HTTP_201_CREATED,
    response_model=CouponRead,
    summary="Create a coupon",
    description=(
        "Needs `coupons:write`. `percentage` takes `percent_off` (1-100), `fixed` takes "
        "`amount_off`, `free_shipping` takes neither. The code is stored uppercase and must be "
        "unique ignoring case (409 `coupon_code_taken`); `ends_at` must be after `starts_at`."
    ),
    responses=problem_responses(401, 403, 409, 422),
)
async def create_coupon(
    data: CouponCreate,
    session: WriteSession,
    settings: SettingsDep,
    _: CouponManager,
    audit: AuditorDep,
) -> CouponRead:
    coupon = await service.create_coupon(session, data, currency=settings.currency)
    read = CouponRead.of(coupon, settings.currency)
    await audit.record(
        session, "coupon.create", entity_type="coupon", entity_id=read.id, after=read
    )
    return read


@router.get(
    "/coupons/{coupon_id}",
    response_model=CouponRead,
    summary="Read a coupon",
    description="Needs `coupons:write`.",
    responses=problem_responses(401, 403, 404, 422),
)
async def get_coupon(
    coupon_id: CouponId, session: ReadSession, settings: SettingsDep, _: CouponManager
) -> CouponRead:
    return CouponRead.of(await service.get_coupon(session, coupon_id), settings.currency)


@router.patch(
    "/coupons/{coupon_id}",
    response_model=CouponRead,
    summary="Change a coupon",
    description=(
        "Needs `coupons:write`. Only the members given change; null clears a date or a limit. "
        "The result must be a valid coupon as a whole; `usage_limit` cannot go below "
        "`times_used`."
    ),
    responses=problem_responses(401, 403, 404, 409, 422),
)
async def update_coupon(
    coupon_id: CouponId,
    data: CouponUpdate,
    session: WriteSession,
    settings: SettingsDep,
    _: CouponManager,
    audit: AuditorDep,
) -> CouponRead:
    before = CouponRead.of(await service.get_coupon(session, coupon_id), settings.currency)
    coupon = await service.update_coupon(session, coupon_id, data, currency=settings.currency)
    read = CouponRead.of(coupon, settings.currency)
    await audit.record(
        session,
        "coupon.update",
        entity_type="coupon",
        entity_id=coupon_id,
        before=before,
        after=read,
    )
    return read


@router.delete(
    "/coupons/{coupon_id}",
    response_model=CouponRead,
    summary="Delete (or deactivate) a coupon",
    description=(
        "Needs `coupons:write`. A coupon that was never used is deleted (204). A used one is "
        "deactivated instead, so that its orders keep their history: 200 with the coupon."
    ),
    responses={**_DEACTIVATED, **problem_responses(401, 403, 404, 422)},
)
async def delete_coupon(
    coupon_id: CouponId,
    session: WriteSession,
    settings: SettingsDep,
    _: CouponManager,
    audit: AuditorDep,
) -> CouponRead | Response:
    before = CouponRead.of(await service.get_coupon(session, coupon_id), settings.currency)
    coupon = await service.delete_coupon(session, coupon_id)
    await audit.record(
        session,
        "coupon.delete" if coupon is None else "coupon.deactivate",
        entity_type="coupon",
        entity_id=coupon_id,
        before=before,
        after=None if coupon is None else CouponRead.of(coupon, settings.currency),
    )
    if coupon is None:
        return Response(status_code=status.HTTP_204_NO_CONTENT)
    return CouponRead.of(coupon, settings.currency)


# --- shipping methods -----------------------------------------------------------------------


@router.get(
    "/shipping-methods",
    response_model=list[ShippingMethodRead],
    summary="List shipping methods",
    description="All of them, inactive ones too, in display order. Any staff member.",
    responses=problem_responses(401, 403),
)
async def list_shipping_methods(
    session: ReadSession, settings: SettingsDep, _: StaffClaims
) -> list[ShippingMethodRead]:
    methods = await service.list_shipping_methods(session)
    return [ShippingMethodRead.of(method, settings.currency) for method in methods]


@router.post(
    "/shipping-methods",
    status_code=status.HTTP_201_CREATED,
    response_model=ShippingMethodRead,
    summary="Create a shipping method",
    description=(
        "Needs `settings:write`. The code is stored lowercase and must be unique "
        "(409 `shipping_method_code_taken`)."
    ),
    responses=problem_responses(401, 403, 409, 422),
)
async def create_shipping_method(
    data: ShippingMethodCreate,
    session: WriteSession,
    settings: SettingsDep,
    _: SettingsWriter,
    audit: AuditorDep,
) -> ShippingMethodRead:
    method = await service.create_shipping_method(session, data, currency=settings.currency)
    read = ShippingMethodRead.of(method, settings.currency)
    await audit.record(
        session,
        "shipping_method.create",
        entity_type="shipping_method",
        entity_id=read.id,
        after=read,
    )
    return read


@router.get(
    "/shipping-methods/{method_id}",
    response_model=ShippingMethodRead,
    summary="Read a shipping method",
    description="Any staff member.",
    responses=problem_responses(401, 403, 404, 422),
)
async def get_shipping_method(
    method_id: MethodId, session: ReadSession, settings: SettingsDep, _: StaffClaims
) -> ShippingMethodRead:
    method = await service.get_shipping_method(session, method_id)
    return ShippingMethodRead.of(method, settings.currency)


@router.patch(
    "/shipping-methods/{method_id}",
    response_model=ShippingMethodRead,
    summary="Change a shipping method",
    description=(
        "Needs `settings:write`. Only the members given change; `free_over: null` makes the "
        "method never free. The code cannot change (orders refer to it)."
    ),
    responses=problem_responses(401, 403, 404, 422),
)
async def update_shipping_method(
    method_id: MethodId,
    data: ShippingMethodUpdate,
    session: WriteSession,
    settings: SettingsDep,
    _: SettingsWriter,
    audit: AuditorDep,
) -> ShippingMethodRead:
    before = ShippingMethodRead.of(
        await service.get_shipping_method(session, method_id), settings.currency
    )
    method = await service.update_shipping_method(
        session, method_id, data, currency=settings.currency
    )
    read = ShippingMethodRead.of(method, settings.currency)
    await audit.record(
        session,
        "shipping_method.update",
        entity_type="shipping_method",
        entity_id=method_id,
        before=before,
        after=read,
    )
    return read


@router.delete(
    "/shipping-methods/{method_id}",
    response_model=ShippingMethodRead,
    summary="Delete (or deactivate) a shipping method",
    description=(
        "Needs `settings:write`. A method no order names is deleted (204); one that an order "
        "names is deactivated instead: 200 with the method."
    ),
    responses={**_DEACTIVATED, **problem_responses(401, 403, 404, 422)},
)
async def delete_shipping_method(
    method_id: MethodId,
    session: WriteSession,
    settings: SettingsDep,
    _: SettingsWriter,
    audit: AuditorDep,
) -> ShippingMethodRead | Response:
    before = ShippingMethodRead.of(
        await service.get_shipping_method(session, method_id), settings.currency
    )
    method = await service.delete_shipping_method(session, method_id)
    await audit.record(
        session,
        "shipping_method.delete" if method is None else "shipping_method.deactivate",
        entity_type="shipping_method",
        entity_id=method_id,
        before=before,
    )
    if method is None:
        return Response(status_code=status.HTTP_204_NO_CONTENT)
    return ShippingMethodRead.of(method, settings.currency)


# --- tax rates ------------------------------------------------------------------------------


@router.get(
    "/tax-rates",
    response_model=list[TaxRateRead],
    summary="List tax rates",
    description="By country, then region; the default rate ('*') first. Any staff member.",
    responses=problem_responses(401, 403),
)
async def list_tax_rates(session: ReadSession, _: StaffClaims) -> list[TaxRateRead]:
    return [TaxRateRead.model_validate(rate) for rate in await service.list_tax_rates(session)]


@router.post(
    "/tax-rates",
    status_code=status.HTTP_201_CREATED,
    response_model=TaxRateRead,
    summary="Create a tax rate",
    description=(
        "Needs `settings:write`. One rate per (country, region): 409 `tax_rate_exists`. An "
        "address uses its region's rate, else its country's, else the default ('*')."
    ),
    responses=problem_responses(401, 403, 409, 422),
)
async def create_tax_rate(
    data: TaxRateCreate, session: WriteSession, _: SettingsWriter, audit: AuditorDep
) -> TaxRateRead:
    read = TaxRateRead.model_validate(await service.create_tax_rate(session, data))
    await audit.record(
        session, "tax_rate.create", entity_type="tax_rate", entity_id=read.id, after=read
    )
    return read


@router.get(
    "/tax-rates/{rate_id}",
    response_model=TaxRateRead,
    summary="Read a tax rate",
    description="Any staff member.",
    responses=problem_responses(401, 403, 404, 422),
)
async def get_tax_rate(rate_id: RateId, session: ReadSession, _: StaffClaims) -> TaxRateRead:
    return TaxRateRead.model_validate(await service.get_tax_rate(session, rate_id))


@router.patch(
    "/tax-rates/{rate_id}",
    response_model=TaxRateRead,
    summary="Change a tax rate",
    description=(
        "Needs `settings:write`. Only the members given change; country and region cannot "
        "(create another rate instead)."
    ),
    responses=problem_responses(401, 403, 404, 422),
)
async def update_tax_rate(
    rate_id: RateId,
    data: TaxRateUpdate,
    session: WriteSession,
    _: SettingsWriter,
    audit: AuditorDep,
) -> TaxRateRead:
    before = TaxRateRead.model_validate(await service.get_tax_rate(session, rate_id))
    read = TaxRateRead.model_validate(await service.update_tax_rate(session, rate_id, data))
    await audit.record(
        session,
        "tax_rate.update",
        entity_type="tax_rate",
        entity_id=rate_id,
        before=before,
        after=read,
    )
    return read


@router.delete(
    "/tax-rates/{rate_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete a tax rate",
    description=(
        "Needs `settings:write`. The default rate ('*') cannot be deleted "
        "(409 `default_tax_rate_required`); set its rate to 0 instead."
    ),
    responses=problem_responses(401, 403, 404, 409, 422),
)
async def delete_tax_rate(
    rate_id: RateId, session: WriteSession, _: SettingsWriter, audit: AuditorDep
) -> None:
    before = TaxRateRead.model_validate(await service.get_tax_rate(session, rate_id))
    await service.delete_tax_rate(session, rate_id)
    await audit.record(
        session, "tax_rate.delete", entity_type="tax_rate", entity_id=rate_id, before=before
    )
