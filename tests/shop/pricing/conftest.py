"""Pricing fixtures."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest

from shop.db.session import Database
from shop.models.accounts import Role
from tests.builders.accounts import bearer, create_user
from tests.conftest import TEST_SECRET


@pytest.fixture
def headers_for(database: Database) -> Callable[[Role], Awaitable[dict[str, str]]]:
    """Bearer headers of a new user with the given role."""

    async def make(role: Role) -> dict[str, str]:
        async with database.transaction() as db_session:
            user = await create_user(db_session, role=role)
        return bearer(user, secret=TEST_SECRET)

    return make
