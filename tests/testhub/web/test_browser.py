"""The dashboard in Chromium: the CSP blocks nothing it needs (no console errors), the stylesheet
applies, charts draw, and a chart's bars link to their runs."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.async_api import Browser

from testhub.store.database import HubDatabase
from testhub.web.app import create_hub_app
from tests.databases import run_outside_loop
from tests.fakes.stripe_server import ServerThread
from tests.testhub.analytics.history import NOW, seed_history
from tests.testhub.web.conftest import hub_settings_for


@pytest.fixture(scope="module")
def dashboard_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("dashboard")
    settings = hub_settings_for(folder)

    async def seed() -> None:
        database = HubDatabase(settings.database_url)
        await seed_history(database, runs=12)
        await database.dispose()

    run_outside_loop(seed())
    server = ServerThread(create_hub_app(settings, with_mcp=False, clock=lambda: NOW)).start()
    yield server.url
    server.stop()


async def test_pages_render_without_console_errors(
    hub_browser: Browser, dashboard_url: str
) -> None:
    context = await hub_browser.new_context()
    page = await context.new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    try:
        for path in ("/", "/runs", "/runs/12", "/flaky", "/heals", "/failures"):
            response = await page.goto(dashboard_url + path)
            assert response is not None
            assert response.status == 200, path

        await page.goto(dashboard_url + "/")
        badge_colour = await page.locator("tr.bad td").first.evaluate(
            "cell => getComputedStyle(cell).borderLeftColor"
        )
        chart = await page.get_by_test_id("chart-durations").locator("svg").bounding_box()
        await page.get_by_test_id("chart-durations").locator("a").last.click()
        await page.wait_for_url("**/runs/12")
        heading = await page.get_by_role("heading", level=1).inner_text()
    finally:
        await context.close()

    assert problems == []
    assert badge_colour == "rgb(192, 57, 43)"
    assert chart is not None
    assert chart["width"] > 300
    assert chart["height"] > 80
    assert heading.startswith("Run #12")
