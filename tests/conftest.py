"""Shared fixtures: real databases built by the migrations, the app, an HTTP client."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from hypothesis import HealthCheck, settings
from sqlalchemy.ext.asyncio import AsyncSession

from shop.config import Environment, Settings
from shop.db.session import Database
from shop.main import AppRole, create_app
from tests.builders.accounts import use_fast_password_hashing
from tests.databases import PostgresTemplate, SqliteTemplate, postgres_available
from tests.live import LiveShop, start_shop

settings.register_profile(
    "ci",
    max_examples=30,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("dev", max_examples=15, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))

BACKENDS = ["sqlite", "postgres"]
TEST_SECRET = "test-secret-key-that-is-long-enough-0123456789"


# Fixtures that start something expensive (a live shop, a browser suite run) once per xdist
# worker: the tests that use one run together on one worker, so it starts once per run.
# Parametrized ones get a group per parameter (one live shop per database).
SHARED_FIXTURE_GROUPS = {
    "live_shop": "live_shop",
    "race_shop": "race_shop",
    "shop_url": "mcp_shop",
    "two_workers": "two_workers",
    "mutated_run": "mutation_suite",
    "llm_env": "heal_choice",
    "recorded": "recorder_suite",
    "demo_shop": "demo_shop",
    "shared_database": "payments_database",
    "image_tree": "image_tree",
    "dashboard_url": "hub_dashboard",
    "s3_endpoint": "s3_endpoint",
    "buggy_api": "buggy_api",
}


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist reads the groups
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if item.get_closest_marker("xdist_group"):
            continue
        for fixture, group in SHARED_FIXTURE_GROUPS.items():
            if fixture in getattr(item, "fixturenames", ()):
                callspec = getattr(item, "callspec", None)
                param = callspec.params.get(fixture) if callspec else None
                name = f"{group}_{param}" if param is not None else group
                item.add_marker(pytest.mark.xdist_group(name))
                break


def _worker_id(request: pytest.FixtureRequest) -> str:
    return str(getattr(request.config, "workerinput", {}).get("workerid", "main"))


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> SqliteTemplate:
    template = SqliteTemplate(tmp_path_factory.mktemp("sqlite"))
    template.build()
    return template


@pytest.fixture(scope="session")
def postgres_template(request: pytest.FixtureRequest) -> Iterator[PostgresTemplate]:
    if not postgres_available():
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL at 127.0.0.1:5432 is required when CI=true")
        pytest.skip("PostgreSQL is not reachable")
    template = PostgresTemplate(_worker_id(request))
    template.build()
    yield template
    template.destroy()


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    name: str = request.param
    return name


@pytest.fixture
def database_url(backend: str, request: pytest.FixtureRequest) -> Iterator[str]:
    """A fresh, migrated database for one test."""
    if backend == "sqlite":
        sqlite: SqliteTemplate = request.getfixturevalue("sqlite_template")
        url = sqlite.clone()
        yield url
        sqlite.drop(url)
    else:
        postgres: PostgresTemplate = request.getfixturevalue("postgres_template")
        url = postgres.clone()
        yield url
        postgres.drop(url)


@pytest.fixture(scope="session", params=BACKENDS)
def live_shop(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveShop]:
    """A real `shop run` process in test mode with the demo data, one per backend and worker."""
    template: SqliteTemplate | PostgresTemplate = request.getfixturevalue(
        f"{request.param}_template"
    )
    url = template.clone()
    shop = start_shop(url, tmp_path_factory.mktemp(f"live_{request.param}"))
    yield shop
    shop.stop()
    template.drop(url)


@pytest.fixture(autouse=True)
def fast_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Cheap argon2id parameters in tests (production's take ~0.1 s per hash)."""
    use_fast_password_hashing(monkeypatch)


def make_settings(database_url: str, var_dir: Path, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "env": Environment.TEST,
        "database_url": database_url,
        "var_dir": var_dir,
        "secret_key": TEST_SECRET,
        "database_pool_size": 5,
        # Tests run background work explicitly (Worker.run_once), not on a timer.
        "worker_in_process": False,
        # One process sees every invalidation through the generation; the TTL only bounds
        # another process's staleness. A long one keeps cache-hit counts and "visible at once"
        # checks independent of how loaded the machine is (expiry is tested with a fake clock).
        "catalog_cache_ttl_seconds": 3600,
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


@pytest.fixture
def app_settings(database_url: str, tmp_path: Path) -> Settings:
    return make_settings(database_url, tmp_path / "var")


@pytest.fixture
async def app(app_settings: Settings) -> AsyncIterator[FastAPI]:
    application = create_app(AppRole.ALL, settings=app_settings)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
def database(app: FastAPI) -> Database:
    db: Database = app.state.database
    return db


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, client=("203.0.113.7", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


class SharedDatabases:
    """One migrated clone per backend and xdist worker for tests that roll back (services,
    repositories): they need no fresh database each, so they skip the cost of a clone."""

    def __init__(self, var_dir: Path) -> None:
        self.var_dir = var_dir
        self.opened: dict[str, tuple[SqliteTemplate | PostgresTemplate, str, Database]] = {}

    def get(self, backend: str, request: pytest.FixtureRequest) -> tuple[Settings, Database]:
        if backend not in self.opened:
            template = request.getfixturevalue(f"{backend}_template")
            url = template.clone()
            self.opened[backend] = (template, url, Database(make_settings(url, self.var_dir)))
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
    """A session in a transaction rolled back at the end (service and repository tests), on the
    shared database of the backend. Data written here is invisible to the `client` app."""
    _, database = shared_databases.get(backend, request)
    async with database.primary.connect() as connection:
        transaction = await connection.begin()
        async with AsyncSession(
            bind=connection, expire_on_commit=False, join_transaction_mode="create_savepoint"
        ) as db_session:
            yield db_session
        await transaction.rollback()
