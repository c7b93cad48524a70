"""Fixtures of the hub's tests: a contract-following fake shop, a browser, hub databases."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from playwright.async_api import Browser, Page, async_playwright

from testhub.config import BROWSER_ARGS, HubSettings
from testhub.store.database import HubDatabase
from tests.databases import _execute as pg_execute
from tests.databases import pg_url, postgres_available, run_outside_loop
from tests.fakes.stripe_server import ServerThread
from tests.testhub.fakes.contract_shop import build_app

CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="session")
def contract_shop() -> Iterator[str]:
    server = ServerThread(build_app()).start()
    yield server.url
    server.stop()


@pytest.fixture(scope="session")
async def hub_browser() -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=CHROMIUM, args=list(BROWSER_ARGS)
        )
        yield browser
        await browser.close()


@pytest.fixture
async def hub_page(hub_browser: Browser) -> AsyncIterator[Page]:
    context = await hub_browser.new_context()
    page = await context.new_page()
    page.set_default_timeout(5000)
    yield page
    await context.close()


@pytest.fixture(params=["sqlite", "postgres"])
async def hub_database(
    request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[HubDatabase]:
    """An empty hub database on each backend."""
    if request.param == "sqlite":
        database = HubDatabase(f"sqlite+aiosqlite:///{tmp_path / 'hub.db'}")
        yield database
        await database.dispose()
        return
    if not postgres_available():
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL at 127.0.0.1:5432 is required when CI=true")
        pytest.skip("PostgreSQL is not reachable")
    name = f"testhub_{os.getpid()}_{abs(hash(request.node.nodeid)) % 10**8}"
    run_outside_loop(pg_execute(f'DROP DATABASE IF EXISTS "{name}"', f'CREATE DATABASE "{name}"'))
    database = HubDatabase(pg_url(name))
    yield database
    await database.dispose()
    run_outside_loop(pg_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture
def hub_settings(tmp_path: Path) -> HubSettings:
    return HubSettings(
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'hub.db'}",
        var_dir=tmp_path / "var",
        browser_executable=CHROMIUM,
        _env_file=None,  # type: ignore[call-arg]
    )
