"""Coupons in the back office: list, create, switch on or off, delete (a used coupon is
deactivated instead). Needs `coupons:write`; every change is audited."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from shop.admin.access import CouponManager, admin_page
from shop.admin.outcomes import audited_redirect, refusal_errors
from shop.admin.params import PageNumber, RowId
from shop.admin.product_form import dollars
from shop.auth.browser_session import Shopper
from shop.errors import ShopError
from shop.kit.money import MoneyIn
from shop.kit.pagination import PageRequest
from shop.models.pricing import CouponKind
from shop.pricing import admin_service as pricing_admin
from shop.pricing.schemas import CouponCreate, CouponRead, CouponUpdate
from shop.web.dependencies import ReadSession, SettingsDep, WriteSession
from shop.web.pages.csrf import CsrfProtected
from shop.web.pages.forms import parse_int, text_field

router = APIRouter(
    prefix="/admin/coupons", include_in_schema=False, default_response_class=HTMLResponse
)

CouponId = RowId
PAGE_SIZE = 50
FIELDS = (
    "code",
    "kind",
    "percent_off",
    "amount_off",
    "min_spend",
    "usage_limit",
    "per_customer_limit",
)
_ERROR_NAMES = {"amount_off.amount": "amount_off", "min_spend.amount": "min_spend"}


async def _page(
    request: Request,
    session: AsyncSession,
    staff: Shopper,
    currency: str,
    *,
    page: int = 1,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    coupons, total = await pricing_admin.list_coupons(session, PageRequest(page, PAGE_SIZE))
    return await admin_page(
        request,
        staff,
        "admin/coupons.html",
        {
            "coupons": [CouponRead.of(c, currency) for c in coupons],
            "total": total,
            "page": page,
            "page_size": PAGE_SIZE,
            "kinds": list(CouponKind),
            "values": values or {"kind": "percentage"},
            "errors": errors or {},
        },
        section="coupons",
        status_code=status_code,
    )


@router.get("")
async def coupons(
    request: Request,
    session: ReadSession,
    settings: SettingsDep,
    staff: CouponManager,
    page: PageNumber = 1,
) -> HTMLResponse:
    return await _page(request, session, staff, settings.currency, page=page)


def _create_data(values: dict[str, str], currency: str, errors: dict[str, str]) -> dict[str, Any]:
    data: dict[str, Any] = {"code": values["code"], "kind": values["kind"] or "percentage"}
    if values["percent_off"]:
        data["percent_off"] = parse_int(values["percent_off"], minimum=1, maximum=100)
        if data["percent_off"] is None:
            errors["percent_off"] = "Enter a whole percentage from 1 to 100"
    for name in ("amount_off", "min_spend"):
        if values[name]:
            amount = dollars(values[name], errors, name, required=False)
            if amount is not None:
                data[name] = MoneyIn(amount=amount, currency=currency)
    for name in ("usage_limit", "per_customer_limit"):
        if values[name]:
            data[name] = parse_int(values[name], minimum=1, maximum=1_000_000_000)
            if data[name] is None:
                errors[name] = "Enter a whole number from 1"
    return data


@router.post("")
async def create_coupon(
    request: Request,
    session: WriteSession,
    settings: SettingsDep,
    staff: CouponManager,
    _csrf: CsrfProtected,
) -> Response:
    form = await request.form()
    values = {name: text_field(form, name, max_length=100) for name in FIELDS}
    errors: dict[str, str] = {}
    data = _create_data(values, settings.currency, errors)
    if not errors:
        try:
            async with session.begin_nested():
                coupon = await pricing_admin.create_coupon(
                    session, CouponCreate(**data), currency=settings.currency
                )
        except (ValidationError, ShopError) as error:
            errors = refusal_errors(error, default="code", prefix=_ERROR_NAMES)
        else:
            return await audited_redirect(
                request,
                session,
                staff,
                "coupon.create",
                entity_type="coupon",
                entity_id=coupon.id,
                after=CouponRead.of(coupon, settings.currency),
                to="/admin/coupons",
                message=f"Coupon {coupon.code} created.",
            )
    return await _page(
        request, session, staff, settings.currency, values=values, errors=errors, status_code=422
    )


async def _coupon(session: AsyncSession, coupon_id: int, currency: str) -> CouponRead:
    return CouponRead.of(await pricing_admin.get_coupon(session, coupon_id), currency)


@router.post("/{coupon_id}/active")
async def set_active(
    request: Request,
    coupon_id: CouponId,
    session: WriteSession,
    settings: SettingsDep,
    staff: CouponManager,
    _csrf: CsrfProtected,
) -> Response:
    active = (await request.form()).get("active") == "true"
    before = await _coupon(session, coupon_id, settings.currency)
    coupon = await pricing_admin.update_coupon(
        session, coupon_id, CouponUpdate(is_active=active), currency=settings.currency
    )
    return await audited_redirect(
        request,
        session,
        staff,
        "coupon.update",
        entity_type="coupon",
        entity_id=coupon_id,
        before=before,
        after=CouponRead.of(coupon, settings.currency),
        to="/admin/coupons",
        message=f"Coupon {coupon.code} is {'on' if active else 'off'}.",
    )


@router.post("/{coupon_id}/delete")
async def delete_coupon(
    request: Request,
    coupon_id: CouponId,
    session: WriteSession,
    settings: SettingsDep,
    staff: CouponManager,
    _csrf: CsrfProtected,
) -> Response:
    before = await _coupon(session, coupon_id, settings.currency)
    kept = await pricing_admin.delete_coupon(session, coupon_id)
    return await audited_redirect(
        request,
        session,
        staff,
        "coupon.delete" if kept is None else "coupon.deactivate",
        entity_type="coupon",
        entity_id=coupon_id,
        before=before,
        to="/admin/coupons",
        message=f"Coupon {before.code} deleted."
        if kept is None
        else f"Coupon {before.code} was used, so it is switched off instead of deleted.",
    )
