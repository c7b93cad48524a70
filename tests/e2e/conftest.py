"""Browser tests: Debian's Chromium driven by Playwright against a real `shop run` process.

Fixtures (shared by every e2e test module):
- `e2e_shop`: one live shop per session (SQLite, test mode, the demo data, the in-process worker
  sending mail to the test-mode outbox), `LiveShop.base_url`.
- `chromium`: one browser per session; `page`-like `browser_page`: a fresh context (cookies) and
  page per test, with the shop as base URL.
- `api(e2e_shop)`: an httpx client for the JSON API of the same shop (arranging data, reading
  the test-mode mail outbox).
- `screenshot(page, name)`: saves var/artifacts/<name>.png for people to look at.
- `axe_violations(page)`: serious and critical axe-core violations of the current page.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, Playwright, sync_playwright

from shop.config import PROJECT_ROOT
from tests.databases import SqliteTemplate
from tests.live import LiveShop, start_shop

CHROMIUM = os.environ.get("SHOP_E2E_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = PROJECT_ROOT / "var" / "artifacts"
DEMO_MANAGER = ("manager@example.com", "manager-demo-password")
DEMO_CUSTOMER = ("shopper@example.com", "shopper-demo-password")
TIMEOUT_MS = 10_000


@pytest.fixture(scope="session")
def e2e_shop(
    sqlite_template: SqliteTemplate, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveShop]:
    url = sqlite_template.clone()
    shop = start_shop(url, tmp_path_factory.mktemp("e2e"), SHOP_WORKER_POLL_SECONDS="0.2")
    yield shop
    shop.stop()
    sqlite_template.drop(url)


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # Playwright's sync API keeps an event loop running in the thread while it is open, which
    # breaks every asyncio test after it in the same process. So the browser tests run together
    # on one xdist worker and the driver lives only as long as this package's tests.
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.path).parents:
            item.add_marker(pytest.mark.xdist_group("e2e_browser"))


@pytest.fixture(scope="package")
def playwright_driver() -> Iterator[Playwright]:
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="package")
def chromium(playwright_driver: Playwright) -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM}")
    browser = playwright_driver.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@pytest.fixture
def browser_page(chromium: Browser, e2e_shop: LiveShop) -> Iterator[Page]:
    context = chromium.new_context(
        base_url=e2e_shop.base_url, viewport={"width": 1280, "height": 900}
    )
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture(scope="session")
def api(e2e_shop: LiveShop) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=f"{e2e_shop.base_url}/api/v1", timeout=10) as client:
        yield client


def bearer(api: httpx.Client, email: str, password: str) -> dict[str, str]:
    response = api.post("/auth/login", json={"email": email, "password": password})
    response.raise_for_status()
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def screenshot(page: Page, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


_axe = Axe()


def axe_violations(page: Page) -> list[dict[str, Any]]:
    """Serious and critical violations (id, impact, the first few targets)."""
    results = _axe.run(page)
    return [
        {
            "id": violation["id"],
            "impact": violation["impact"],
            "targets": [node["target"] for node in violation["nodes"][:3]],
        }
        for violation in results.response["violations"]
        if violation["impact"] in ("serious", "critical")
    ]
