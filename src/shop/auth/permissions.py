"""Roles and what each may do in the admin API. Checked on the server for every admin route."""

from __future__ import annotations

from enum import StrEnum

from shop.models.accounts import Role


class Permission(StrEnum):
    ORDERS_READ = "orders:read"
    ORDERS_WRITE = "orders:write"
    CUSTOMERS_READ = "customers:read"
    CATALOG_WRITE = "catalog:write"
    INVENTORY_WRITE = "inventory:write"
    COUPONS_WRITE = "coupons:write"
    REVIEWS_MODERATE = "reviews:moderate"
    STAFF_WRITE = "staff:write"
    STAFF_READ = "staff:read"
    SETTINGS_WRITE = "settings:write"


_SUPPORT = frozenset({Permission.ORDERS_READ, Permission.CUSTOMERS_READ})
_MANAGER = _SUPPORT | {
    Permission.CATALOG_WRITE,
    Permission.INVENTORY_WRITE,
    Permission.ORDERS_WRITE,
    Permission.COUPONS_WRITE,
    Permission.REVIEWS_MODERATE,
}

ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.CUSTOMER: frozenset(),
    Role.SUPPORT: _SUPPORT,
    Role.MANAGER: _MANAGER,
    Role.ADMIN: frozenset(Permission),
}

STAFF_ROLES = frozenset({Role.SUPPORT, Role.MANAGER, Role.ADMIN})


def permissions_of(role: str) -> frozenset[Permission]:
    try:
        return ROLE_PERMISSIONS[Role(role)]
    except ValueError:
        return frozenset()


def is_staff(role: str) -> bool:
    return role in STAFF_ROLES
