"""Fixtures shared by the auth and staff test packages (imported by their conftest.py).

Service tests run in a transaction rolled back at the end, so they need no fresh database each:
they share one migrated clone per backend and xdist worker. API tests keep the fresh database
per test that the shared `client` fixture gives.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from shop.config import Settings
from shop.db.session import Database
from tests.builders.accounts import use_fast_password_hashing
from tests.conftest import make_settings
from tests.databases import PostgresTemplate, SqliteTemplate


class SharedDatabases:
    def __init__(self, var_dir: Path) -> None:
        self.var_dir = var_dir
        self.opened: dict[str, tuple[SqliteTemplate | PostgresTemplate, str, Database]] = {}

    def get(self, backend: str, request: pytest.FixtureRequest) -> tuple[Settings, Database]:
        if backend not in self.opened:
            template = request.getfixturevalue(f"{backend}_template")
            url = template.clone()
            database = Database(make_settings(url, self.var_dir))
            self.opened[backend] = (template, url, database)
        _, url, database = self.opened[backend]
        return make_settings(url, self.var_dir), database

    async def close(self) -> None:
        for template, url, database in self.opened.values():
            await database.dispose()
            template.drop(url)


@pytest.fixture(scope="session")
async def shared_databases(
    tmp_path_factory: pytest.TempPathFactory,
) -> AsyncIterator[SharedDatabases]:
    shared = SharedDatabases(tmp_path_factory.mktemp("shared_var"))
    yield shared
    await shared.close()


@pytest.fixture
def service_settings(
    backend: str, shared_databases: SharedDatabases, request: pytest.FixtureRequest
) -> Settings:
    """Settings of the shared database of this backend (for services that take settings)."""
    return shared_databases.get(backend, request)[0]


@pytest.fixture
async def session(
    backend: str, shared_databases: SharedDatabases, request: pytest.FixtureRequest
) -> AsyncIterator[AsyncSession]:
    """Overrides the shared `session`: same rolled-back transaction, on the shared database."""
    _, database = shared_databases.get(backend, request)
    async with database.primary.connect() as connection:
        transaction = await connection.begin()
        async with AsyncSession(
            bind=connection, expire_on_commit=False, join_transaction_mode="create_savepoint"
        ) as db_session:
            yield db_session
        await transaction.rollback()


@pytest.fixture(autouse=True)
def fast_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    use_fast_password_hashing(monkeypatch)
