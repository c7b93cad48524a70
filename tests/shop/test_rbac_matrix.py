"""Every admin route x every role (and anonymous) gets the right status.

The routes are read from the app itself, so a new admin route is covered automatically, and a route
without an authorization dependency fails this test."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

import httpx
import pytest
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, iter_route_contexts

from shop.auth.dependencies import require_staff
from shop.auth.permissions import ROLE_PERMISSIONS, Permission
from shop.config import Settings
from shop.db.session import Database
from shop.main import create_app
from shop.models.accounts import Role
from tests.builders.accounts import bearer, create_user
from tests.conftest import TEST_SECRET

ADMIN_PREFIX = "/api/v1/admin"
STAFF_ONLY = "staff-only"


def _requirement(dependant: Dependant) -> Permission | str | None:
    for sub in dependant.dependencies:
        permission = getattr(sub.call, "required_permission", None)
        if permission is not None:
            return Permission(permission)
        if sub.call is require_staff:
            return STAFF_ONLY
        found = _requirement(sub)
        if found is not None:
            return found
    return None


def _admin_routes() -> list[tuple[str, str, Permission | str | None]]:
    with tempfile.TemporaryDirectory() as var_dir:
        app = create_app(settings=Settings(var_dir=Path(var_dir)))
    routes = []
    # Included routers are resolved lazily (FastAPI >= 0.16x); walk their effective routes.
    for route in iter_route_contexts(app.routes):
        if isinstance(route.original_route, APIRoute) and route.path.startswith(ADMIN_PREFIX):
            for method in sorted(route.methods):
                routes.append((method, route.path, _requirement(route.dependant)))
    return routes


ADMIN_ROUTES = _admin_routes()


def test_every_admin_route_declares_its_authorization() -> None:
    assert len(ADMIN_ROUTES) >= 20, "admin routes were not found"
    unguarded = [f"{method} {path}" for method, path, need in ADMIN_ROUTES if need is None]
    assert unguarded == []


def test_role_permissions_match_the_published_table() -> None:
    support = {Permission.ORDERS_READ, Permission.CUSTOMERS_READ}
    manager = support | {
        Permission.CATALOG_WRITE,
        Permission.INVENTORY_WRITE,
        Permission.ORDERS_WRITE,
        Permission.COUPONS_WRITE,
        Permission.REVIEWS_MODERATE,
    }
    assert ROLE_PERMISSIONS[Role.CUSTOMER] == frozenset()
    assert ROLE_PERMISSIONS[Role.SUPPORT] == support
    assert ROLE_PERMISSIONS[Role.MANAGER] == manager
    assert ROLE_PERMISSIONS[Role.ADMIN] == frozenset(Permission)
    assert Permission.STAFF_WRITE not in manager


def _expected_denial(role: Role | None, need: Permission | str | None) -> int | None:
    """The status the authorization layer must answer with, or None when it must let through."""
    if role is None:
        return 401
    if role is Role.CUSTOMER:
        return 403
    if need == STAFF_ONLY:
        return None
    return None if need in ROLE_PERMISSIONS[role] else 403


def _concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "1", path)


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
@pytest.mark.parametrize("role", [None, *Role], ids=lambda r: r.value if r else "anonymous")
async def test_admin_routes_enforce_roles(
    client: httpx.AsyncClient, database: Database, role: Role | None
) -> None:
    headers: dict[str, str] = {}
    if role is not None:
        async with database.transaction() as session:
            user = await create_user(session, role=role)
        headers = bearer(user, secret=TEST_SECRET)
    wrong = []
    for method, path, need in ADMIN_ROUTES:
        body = {} if method in {"POST", "PUT", "PATCH"} else None
        response = await client.request(method, _concrete(path), headers=headers, json=body)
        expected = _expected_denial(role, need)
        if expected is None and response.status_code in (401, 403):
            wrong.append(f"{method} {path}: {response.status_code}, expected access")
        elif expected is not None and response.status_code != expected:
            wrong.append(f"{method} {path}: {response.status_code}, expected {expected}")
    assert wrong == []
