"""Customers in the back office (read only): search, and one customer's orders and
addresses. Needs `customers:read`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from shop.admin.access import CustomersReader, admin_page
from shop.admin.params import PageNumber, RowId
from shop.customers import service as customers_service
from shop.web.dependencies import ReadSession

router = APIRouter(
    prefix="/admin/customers", include_in_schema=False, default_response_class=HTMLResponse
)

PAGE_SIZE = 25


@router.get("")
async def list_customers(
    request: Request,
    session: ReadSession,
    staff: CustomersReader,
    q: Annotated[str, Query(max_length=254)] = "",
    page: PageNumber = 1,
) -> HTMLResponse:
    result = await customers_service.list_customers(session, q=q, page=page, page_size=PAGE_SIZE)
    return await admin_page(
        request, staff, "admin/customers.html", {"result": result, "q": q}, section="customers"
    )


@router.get("/{customer_id}")
async def customer_detail(
    request: Request,
    customer_id: RowId,
    session: ReadSession,
    staff: CustomersReader,
) -> HTMLResponse:
    detail = await customers_service.get_customer(session, customer_id)
    return await admin_page(
        request, staff, "admin/customer.html", {"detail": detail}, section="customers"
    )
