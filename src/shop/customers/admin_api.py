"""Staff routes of customers: the list with search and a customer's detail (read only)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from shop.auth.dependencies import require
from shop.auth.permissions import Permission
from shop.auth.tokens import AccessClaims
from shop.customers import service as customers_service
from shop.customers.repository import MAX_ID, CustomerRow
from shop.customers.schemas import (
    AddressRead,
    CustomerDetailRead,
    CustomerOrderRead,
    CustomerPageRead,
    CustomerSummaryRead,
)
from shop.kit.money import MoneyRead
from shop.kit.pagination import MAX_PAGE_SIZE
from shop.web.dependencies import ReadSession, SettingsDep
from shop.web.problems import problem_responses

router = APIRouter(prefix="/admin/customers", tags=["admin: customers"])

CustomersReader = Annotated[AccessClaims, require(Permission.CUSTOMERS_READ)]


def _summary(row: CustomerRow, currency: str) -> dict[str, object]:
    user = row.user
    return {
        "id": user.id,
        "email": user.email,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "is_active": user.is_active,
        "created_at": user.created_at,
        "last_login_at": user.last_login_at,
        "order_count": row.order_count,
        "total_spent": MoneyRead(amount=row.total_spent, currency=currency),
        "deleted_at": row.deleted_at,
    }


@router.get(
    "",
    response_model=CustomerPageRead,
    summary="Customers, newest first",
    description="`q` matches part of the email, first or last name (any case).",
    responses=problem_responses(401, 403, 422),
)
async def list_customers(
    _: CustomersReader,
    session: ReadSession,
    settings: SettingsDep,
    q: Annotated[str | None, Query(max_length=254)] = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = 25,
) -> CustomerPageRead:
    result = await customers_service.list_customers(session, q=q, page=page, page_size=page_size)
    return CustomerPageRead(
        items=[CustomerSummaryRead(**_summary(row, settings.currency)) for row in result.items],
        total=result.total,
        page=result.page,
        page_size=result.page_size,
    )


@router.get(
    "/{customer_id}",
    response_model=CustomerDetailRead,
    summary="One customer with addresses and recent orders",
    responses=problem_responses(401, 403, 404, 422),
)
async def get_customer(
    _: CustomersReader,
    customer_id: Annotated[int, Path(ge=1, le=MAX_ID)],
    session: ReadSession,
    settings: SettingsDep,
) -> CustomerDetailRead:
    detail = await customers_service.get_customer(session, customer_id)
    return CustomerDetailRead(
        **_summary(detail.customer, settings.currency),
        addresses=[AddressRead.model_validate(address) for address in detail.addresses],
        recent_orders=[
            CustomerOrderRead(
                number=order.number,
                status=str(order.status),
                total=MoneyRead(amount=order.total_amount, currency=order.currency),
                created_at=order.created_at,
            )
            for order in detail.recent_orders
        ],
    )
