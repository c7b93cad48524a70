"""Who may open which back-office page: anonymous → sign in; customer → 403; staff by the
permissions of their role. The routes are read from the app, so a new page without a
permission check fails here."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, iter_route_contexts

from shop.auth.browser_session import require_staff
from shop.auth.permissions import ROLE_PERMISSIONS, Permission
from shop.config import Settings
from shop.main import create_app
from shop.models.accounts import Role

P = Permission
ANY_STAFF = "any staff"

# Every page without a path parameter, and what it needs.
PAGES: dict[str, Permission | str] = {
    "/admin": ANY_STAFF,
    "/admin/products": P.CATALOG_WRITE,
    "/admin/products/new": P.CATALOG_WRITE,
    "/admin/products/import": P.CATALOG_WRITE,
    "/admin/products/export.csv": P.CATALOG_WRITE,
    "/admin/categories": P.CATALOG_WRITE,
    "/admin/inventory": P.INVENTORY_WRITE,
    "/admin/orders": P.ORDERS_READ,
    "/admin/orders/export.csv": P.ORDERS_READ,
    "/admin/customers": P.CUSTOMERS_READ,
    "/admin/coupons": P.COUPONS_WRITE,
    "/admin/reviews": P.REVIEWS_MODERATE,
    "/admin/staff": P.STAFF_READ,
    "/admin/audit": P.STAFF_READ,
}
MENU = {
    "nav-dashboard": ANY_STAFF,
    "nav-products": P.CATALOG_WRITE,
    "nav-categories": P.CATALOG_WRITE,
    "nav-inventory": P.INVENTORY_WRITE,
    "nav-orders": P.ORDERS_READ,
    "nav-customers": P.CUSTOMERS_READ,
    "nav-coupons": P.COUPONS_WRITE,
    "nav-reviews": P.REVIEWS_MODERATE,
    "nav-staff": P.STAFF_READ,
    "nav-audit": P.STAFF_READ,
}
STAFF = (Role.SUPPORT, Role.MANAGER, Role.ADMIN)


def _allowed(role: Role, need: Permission | str) -> bool:
    return need == ANY_STAFF or need in ROLE_PERMISSIONS[role]


def _requirement(dependant: Dependant) -> Permission | str | None:
    for sub in dependant.dependencies:
        permission = getattr(sub.call, "required_permission", None)
        if permission is not None:
            return Permission(permission)
        if sub.call is require_staff:
            return ANY_STAFF
        found = _requirement(sub)
        if found is not None:
            return found
    return None


def _admin_page_routes() -> list[tuple[str, str, Permission | str | None]]:
    with tempfile.TemporaryDirectory() as var_dir:
        app = create_app(settings=Settings(var_dir=Path(var_dir)))
    found = []
    for route in iter_route_contexts(app.routes):
        if isinstance(route.original_route, APIRoute) and route.path.startswith("/admin"):
            for method in sorted(route.methods):
                found.append((method, route.path, _requirement(route.dependant)))
    return found


ROUTES = _admin_page_routes()


def test_every_back_office_route_checks_a_permission() -> None:
    assert len(ROUTES) >= 30
    assert [f"{m} {p}" for m, p, need in ROUTES if need is None] == []


def test_every_page_in_this_matrix_is_a_route() -> None:
    gets = {path for method, path, _ in ROUTES if method == "GET"}
    assert set(PAGES) <= gets
    declared = {path: need for method, path, need in ROUTES if method == "GET"}
    assert {path: declared[path] for path in PAGES} == PAGES


class TestRoleMatrix:
    """One fresh database per backend serves every role (cloning one costs seconds)."""

    async def test_every_role_on_every_page(self, browsers: Any) -> None:
        visitor = await browsers(None)
        for path in PAGES:
            response = await visitor.get(path)
            assert response.status_code == 303, path
            assert response.headers["location"].startswith("/login?next=%2Fadmin"), path

        customer = await browsers(Role.CUSTOMER)
        for path in PAGES:
            response = await customer.get(path)
            assert response.status_code == 403, path
            assert "text/html" in response.headers["content-type"]
            assert 'data-testid="admin-nav"' not in response.text

        for role in STAFF:
            member = await browsers(role)
            outcome = {path: (await member.get(path)).status_code for path in PAGES}
            expected = {path: 200 if _allowed(role, need) else 403 for path, need in PAGES.items()}
            assert outcome == expected, role
            nav = (await member.page("/admin")).find("admin-nav")
            shown = {key for key in MENU if nav.find_all(key)}
            assert shown == {key for key, need in MENU.items() if _allowed(role, need)}, role

    async def test_support_reads_orders_but_cannot_reach_product_editing(
        self, browsers: Any
    ) -> None:
        support = await browsers(Role.SUPPORT)
        assert (await support.get("/admin/orders")).status_code == 200
        assert (await support.get("/admin/products/new")).status_code == 403
        refused = await support.post(
            "/admin/products", {"name": "Sneaky", "sku": "SNEAK-1", "price": "1.00"}
        )
        assert refused.status_code == 403
        assert "lacks the permission" in refused.text
        menu = (await support.page("/admin")).find("admin-nav")
        assert menu.find_all("nav-products") == []
