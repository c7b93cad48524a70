"""Stock in the back office: find a variant, adjust its on-hand with a reason, read its
ledger. Needs `inventory:write`; adjustments are audited."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.ext.asyncio import AsyncSession

from shop.admin.access import StockKeeper, admin_page
from shop.admin.outcomes import audited_redirect
from shop.admin.params import PageNumber, RowId
from shop.auth.browser_session import Shopper
from shop.errors import ShopError
from shop.inventory import service as inventory_service
from shop.kit.pagination import PageRequest
from shop.reports import service as reports_service
from shop.web.dependencies import ReadSession, WriteSession
from shop.web.pages.csrf import CsrfProtected
from shop.web.pages.forms import parse_int, text_field

router = APIRouter(
    prefix="/admin/inventory", include_in_schema=False, default_response_class=HTMLResponse
)

VariantId = RowId
MAX_DELTA = 1_000_000_000
LEDGER_PAGE = 50


@router.get("")
async def inventory(
    request: Request,
    session: ReadSession,
    staff: StockKeeper,
    q: Annotated[str, Query(max_length=100)] = "",
) -> HTMLResponse:
    rows = await reports_service.stock_overview(session, q=q, limit=100)
    return await admin_page(
        request, staff, "admin/inventory.html", {"rows": rows, "q": q}, section="inventory"
    )


async def _variant_page(
    request: Request,
    session: AsyncSession,
    staff: Shopper,
    variant_id: int,
    *,
    page: int = 1,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    variant = await inventory_service.get_stock(session, variant_id)
    ledger = await inventory_service.list_movements(
        session, variant_id, PageRequest(page, LEDGER_PAGE)
    )
    return await admin_page(
        request,
        staff,
        "admin/stock.html",
        {
            "variant": variant,
            "low": inventory_service.is_low(variant),
            "ledger": ledger,
            "values": values or {},
            "errors": errors or {},
        },
        section="inventory",
        status_code=status_code,
    )


@router.get("/{variant_id}")
async def variant_stock(
    request: Request,
    variant_id: VariantId,
    session: ReadSession,
    staff: StockKeeper,
    page: PageNumber = 1,
) -> HTMLResponse:
    return await _variant_page(request, session, staff, variant_id, page=page)


@router.post("/{variant_id}")
async def adjust_stock(
    request: Request,
    variant_id: VariantId,
    session: WriteSession,
    staff: StockKeeper,
    _csrf: CsrfProtected,
) -> Response:
    form = await request.form()
    values = {
        "delta": text_field(form, "delta"),
        "reason": text_field(form, "reason", max_length=500),
    }
    errors: dict[str, str] = {}
    delta = parse_int(values["delta"], minimum=-MAX_DELTA, maximum=MAX_DELTA)
    if delta is None or delta == 0:
        errors["delta"] = "Enter a whole number other than 0 (negative to remove stock)"
    if not values["reason"]:
        errors["reason"] = "Say why the stock changes"
    elif len(values["reason"]) > 500:
        errors["reason"] = "At most 500 characters"
    if not errors and delta is not None:
        try:
            async with session.begin_nested():
                change = await inventory_service.adjust(
                    session, variant_id, delta, reason=values["reason"], actor_user_id=staff.user_id
                )
        except ShopError as error:
            errors["delta"] = error.message
        else:
            after = change.variant.stock_quantity
            return await audited_redirect(
                request,
                session,
                staff,
                "stock.adjust",
                entity_type="variant",
                entity_id=variant_id,
                before={"on_hand": after - delta},
                after={"on_hand": after, "delta": delta, "reason": values["reason"]},
                to=f"/admin/inventory/{variant_id}",
                message=f"Stock of {change.variant.sku} is now {after}.",
            )
    return await _variant_page(
        request, session, staff, variant_id, values=values, errors=errors, status_code=422
    )
