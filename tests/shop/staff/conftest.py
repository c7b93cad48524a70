from __future__ import annotations

from tests.shop.auth.fixtures import (  # noqa: F401 (fixtures)
    fast_password_hashing,
    service_settings,
    session,
    shared_databases,
)
