"""Payments fixtures.

Service tests never commit, so they share one migrated database per backend and module (each
test in a transaction rolled back at the end) instead of cloning one per test. Tests that commit
(the races, the sandbox flow) use the per-test `database`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from shop.config import Settings
from shop.db.session import Database
from tests.conftest import BACKENDS, make_settings
from tests.databases import PostgresTemplate, SqliteTemplate
from tests.fakes.stripe_server import ServerThread
from tests.fakes.webhook_receiver import SandboxServer, WebhookReceiver, start_sandbox


@pytest.fixture(scope="module", params=BACKENDS)
def shared_database_url(request: pytest.FixtureRequest) -> Iterator[str]:
    template: SqliteTemplate | PostgresTemplate = request.getfixturevalue(
        f"{request.param}_template"
    )
    url = template.clone()
    yield url
    template.drop(url)


@pytest.fixture(scope="module")
def settings(shared_database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    var_dir: Path = tmp_path_factory.mktemp("payments_var")
    return make_settings(shared_database_url, var_dir)


@pytest.fixture(scope="module")
async def shared_database(settings: Settings) -> AsyncIterator[Database]:
    database = Database(settings)
    yield database
    await database.dispose()


@pytest.fixture
async def session(shared_database: Database) -> AsyncIterator[AsyncSession]:
    """A session in a transaction that is rolled back at the end (overrides the shared one)."""
    async with shared_database.primary.connect() as connection:
        transaction = await connection.begin()
        async with AsyncSession(
            bind=connection, expire_on_commit=False, join_transaction_mode="create_savepoint"
        ) as db_session:
            yield db_session
        await transaction.rollback()


@pytest.fixture(scope="session")
def payments_sandbox(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[SandboxServer]:
    """The sandbox provider on its own port, delivering webhooks to a local receiver."""
    receiver = WebhookReceiver()
    receiver_server = ServerThread(receiver.app()).start()
    server, db_path = start_sandbox(
        tmp_path_factory.mktemp("sandbox"), f"{receiver_server.url}/hook", capture_delay=0.2
    )
    yield SandboxServer(server.url, db_path, receiver, capture_delay=0.2)
    server.stop()
    receiver_server.stop()
