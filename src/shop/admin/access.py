"""Who may use which back-office page, the menu that follows from it, and the audit actor of
a request. Every route declares its permission here; the menu only shows what the role may
open, and the server checks it again on every request (anonymous: the login page; no
permission: the 403 page)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Request
from fastapi.responses import HTMLResponse

from shop.audit.service import AuditActor
from shop.auth.browser_session import Shopper, StaffShopper, require_staff_page
from shop.auth.permissions import Permission
from shop.web.pages.flash import Flash
from shop.web.pages.rendering import render

P = Permission


@dataclass(frozen=True, slots=True)
class MenuItem:
    key: str
    label: str
    href: str
    permission: Permission | None  # None: any staff member


MENU = (
    MenuItem("dashboard", "Dashboard", "/admin", None),
    MenuItem("products", "Products", "/admin/products", P.CATALOG_WRITE),
    MenuItem("categories", "Categories", "/admin/categories", P.CATALOG_WRITE),
    MenuItem("inventory", "Inventory", "/admin/inventory", P.INVENTORY_WRITE),
    MenuItem("orders", "Orders", "/admin/orders", P.ORDERS_READ),
    MenuItem("customers", "Customers", "/admin/customers", P.CUSTOMERS_READ),
    MenuItem("coupons", "Coupons", "/admin/coupons", P.COUPONS_WRITE),
    MenuItem("reviews", "Reviews", "/admin/reviews", P.REVIEWS_MODERATE),
    MenuItem("staff", "Staff", "/admin/staff", P.STAFF_READ),
    # Who did what is for admins: the log names every staff member and their addresses.
    MenuItem("audit", "Audit log", "/admin/audit", P.STAFF_READ),
)

AnyStaff = StaffShopper
CatalogEditor = Annotated[Shopper, require_staff_page(P.CATALOG_WRITE)]
StockKeeper = Annotated[Shopper, require_staff_page(P.INVENTORY_WRITE)]
OrdersReader = Annotated[Shopper, require_staff_page(P.ORDERS_READ)]
OrdersWriter = Annotated[Shopper, require_staff_page(P.ORDERS_WRITE)]
CustomersReader = Annotated[Shopper, require_staff_page(P.CUSTOMERS_READ)]
CouponManager = Annotated[Shopper, require_staff_page(P.COUPONS_WRITE)]
ReviewModerator = Annotated[Shopper, require_staff_page(P.REVIEWS_MODERATE)]
StaffReader = Annotated[Shopper, require_staff_page(P.STAFF_READ)]
StaffWriter = Annotated[Shopper, require_staff_page(P.STAFF_WRITE)]


def menu_for(shopper: Shopper) -> list[MenuItem]:
    allowed = shopper.permissions
    return [item for item in MENU if item.permission is None or item.permission in allowed]


def audit_actor(request: Request, shopper: Shopper) -> AuditActor:
    ip = request.client.host if request.client else "unknown"
    return AuditActor(
        shopper.user_id, shopper.email, ip[:64], request.headers.get("user-agent", "")[:300]
    )


async def admin_page(
    request: Request,
    shopper: Shopper,
    template: str,
    context: Mapping[str, Any] | None = None,
    *,
    section: str,
    status_code: int = 200,
    messages: list[Flash] | None = None,
) -> HTMLResponse:
    """A back-office page: `template` extends admin/layout.html, which shows the menu."""
    values = {
        "menu": menu_for(shopper),
        "section": section,
        "staff": shopper,
        "can": shopper.permissions,
        "P": P,
        **(context or {}),
    }
    return await render(request, template, values, status_code=status_code, messages=messages or [])
