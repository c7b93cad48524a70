"""The dashboard: today's orders, revenue and conversion, low stock, recent orders, and the
sales of the last 30 days as a chart."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from shop.admin.access import AnyStaff, admin_page
from shop.admin.charts import sales_chart
from shop.reports import service as reports_service
from shop.web.dependencies import ReadSession

router = APIRouter(prefix="/admin", include_in_schema=False, default_response_class=HTMLResponse)


@router.get("")
async def dashboard(request: Request, session: ReadSession, staff: AnyStaff) -> HTMLResponse:
    board = await reports_service.dashboard(session)
    return await admin_page(
        request,
        staff,
        "admin/dashboard.html",
        {"board": board, "chart": sales_chart(board.sales)},
        section="dashboard",
    )
