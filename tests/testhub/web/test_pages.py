"""Dashboard pages render what the store holds (SQLite and PostgreSQL)."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from testhub.store.database import HubDatabase
from testhub.web import pages
from tests.testhub.analytics.history import NOW, add_run, result, seed_history
from tests.testhub.web.conftest import HTML

PAGES = ["/", "/runs", "/runs/12", "/flaky", "/heals", "/failures"]


def _testid(page: str, name: str) -> str:
    found = re.search(rf'data-testid="{name}"[^>]*>([^<]*)<', page)
    assert found, f"no data-testid={name}"
    return found.group(1).strip()


class TestOverview:
    async def test_summary_charts_and_tables(
        self, web: httpx.AsyncClient, hub_database: HubDatabase
    ) -> None:
        await seed_history(hub_database, runs=12)

        response = await web.get("/", headers=HTML)

        page = response.text
        assert response.status_code == 200
        assert _testid(page, "runs") == "12"
        assert _testid(page, "pass-rate") == "69.4%"
        assert _testid(page, "median-duration") == "16 s"
        assert _testid(page, "quarantine") == "1"
        assert _testid(page, "heal-rate") == "50%"
        assert _testid(page, "top-class") == "timing"
        for chart in ("runs", "pass-rate", "durations", "classes"):
            assert f'data-testid="chart-{chart}"' in page
        # One bar per run with failures and per clean run, each linking to its run.
        assert page.count('<a href="/runs/') >= 12 + 12
        assert "<title>run 12 on Nov 26 11:00: 21.0 s, 2 failed</title>" in page
        assert "Nov 26: 1 runs, 1 with failures" in page
        assert 'href="/runs/12">#12</a>' in page
        assert "t/test_shop.py::test_flaky" in page

    async def test_the_window_is_chosen_in_the_address(
        self, web: httpx.AsyncClient, hub_database: HubDatabase
    ) -> None:
        await seed_history(hub_database, runs=12)

        page = (await web.get("/?days=3", headers=HTML)).text

        assert _testid(page, "runs") == "3"
        assert _testid(page, "top-class") == "locator_drift"
        assert '<option value="3" selected>' in page

    async def test_empty_store_explains_how_to_record_a_run(self, web: httpx.AsyncClient) -> None:
        page = (await web.get("/", headers=HTML)).text

        assert "testhub run tests/generated --base-url" in _testid_block(page, "no-runs")
        assert "No LLM calls in this period" in page
        assert _testid(page, "pass-rate") == "–"


def _testid_block(page: str, name: str) -> str:
    found = re.search(rf'data-testid="{name}"[^>]*>(.*?)</p>', page, re.S)
    assert found
    return found.group(1)


class TestRunList:
    async def test_pages_of_runs_newest_first(
        self, web: httpx.AsyncClient, hub_database: HubDatabase, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setattr(pages, "RUNS_PER_PAGE", 5)
        await seed_history(hub_database, runs=12)

        first = (await web.get("/runs", headers=HTML)).text
        last = (await web.get("/runs?page=3", headers=HTML)).text
        beyond = await web.get("/runs?page=4", headers=HTML)

        assert _testid(first, "runs-total") == "12 runs recorded"
        assert re.findall(r'href="/runs/(\d+)">#', first) == ["12", "11", "10", "9", "8"]
        assert 'href="/runs?page=2" rel="next"' in first
        assert re.findall(r'href="/runs/(\d+)">#', last) == ["2", "1"]
        assert 'rel="next"' not in last
        assert "page 3 of 3" in last
        assert beyond.status_code == 404

    async def test_no_runs(self, web: httpx.AsyncClient) -> None:
        page = (await web.get("/runs", headers=HTML)).text

        assert _testid(page, "no-runs") == "No runs recorded yet."


class TestRunDetail:
    async def test_tests_with_triage_and_heals(
        self, web: httpx.AsyncClient, hub_database: HubDatabase
    ) -> None:
        ids = await seed_history(hub_database, runs=12)

        page = (await web.get(f"/runs/{ids[-1]}", headers=HTML)).text

        assert _testid(page, "run-status") == "failed"
        assert _testid(page, "run-counts") == "1 passed, 1 failed, 1 errors, 1 skipped"
        assert page.count('data-testid="result"') == 4
        assert [m for m in re.findall(r'data-testid="failure-class">(\w+)<', page)] == [
            "timing",
            "locator_drift",
        ]
        assert "an operation timed out" in page
        assert "E assert 1999 == 2099" in page
        assert page.count('data-testid="heal"') == 2
        assert "get_by_test_id(&#39;add-to-bag&#39;)" in page

    async def test_unknown_run_is_a_404_page(self, web: httpx.AsyncClient) -> None:
        response = await web.get("/runs/999", headers=HTML)

        assert response.status_code == 404
        assert _testid(response.text, "error-message") == "There is no run #999."

    async def test_screenshot_and_trace_are_served_from_the_artifacts_folder(
        self, web: httpx.AsyncClient, dashboard: FastAPI, hub_database: HubDatabase
    ) -> None:
        folder = dashboard.state.hub.settings.artifacts_dir / "run-1" / "test_cart"
        folder.mkdir(parents=True)
        (folder / "failure.png").write_bytes(b"\x89PNG\r\n\x1a\nimage")
        (folder / "trace.zip").write_bytes(b"PK\x03\x04zip")
        run_id = await add_run(
            hub_database,
            [
                result(
                    "t::cart",
                    "failed",
                    screenshot=str(folder / "failure.png"),
                    trace=str(folder / "trace.zip"),
                )
            ],
            at=NOW,
        )

        page = (await web.get(f"/runs/{run_id}", headers=HTML)).text
        screenshot = await web.get(f"/runs/{run_id}/results/1/screenshot")
        trace = await web.get(f"/runs/{run_id}/results/1/trace")

        assert 'data-testid="screenshot-link"' in page
        assert 'data-testid="trace-link"' in page
        assert (screenshot.status_code, screenshot.headers["content-type"]) == (200, "image/png")
        assert screenshot.content == b"\x89PNG\r\n\x1a\nimage"
        assert trace.content == b"PK\x03\x04zip"
        assert "attachment" in trace.headers["content-disposition"]

    async def test_a_path_outside_the_artifacts_folder_is_never_served(
        self, web: httpx.AsyncClient, hub_database: HubDatabase, tmp_path: Path
    ) -> None:
        secret = tmp_path / "secret.txt"
        secret.write_text("do not serve")
        run_id = await add_run(
            hub_database,
            [result("t::x", "failed", screenshot=str(secret), trace="/etc/passwd")],
            at=NOW,
        )

        screenshot = await web.get(f"/runs/{run_id}/results/1/screenshot")
        trace = await web.get(f"/runs/{run_id}/results/1/trace")
        other_run = await web.get(f"/runs/{run_id + 1}/results/1/screenshot")

        assert [screenshot.status_code, trace.status_code, other_run.status_code] == [404] * 3
        assert "do not serve" not in screenshot.text


async def test_flaky_page_lists_suggestions_with_the_rule(
    web: httpx.AsyncClient, hub_database: HubDatabase
) -> None:
    await seed_history(hub_database, runs=12)

    page = (await web.get("/flaky", headers=HTML)).text

    assert "Quarantine when a test has at least 8 pass/fail results" in _testid_block(page, "rule")
    assert re.findall(r'data-testid="suggestion">(\w+)<', page) == ["quarantine", "fix"]
    assert (_testid(page, "count-quarantine"), _testid(page, "count-fix")) == ("1", "1")
    assert "<td>74% – 100%</td>" in page  # 11 flips in 11 transitions
    assert page.count('<svg class="strip"') == 2


class TestHeals:
    async def test_ledger_with_patches(
        self, web: httpx.AsyncClient, hub_database: HubDatabase
    ) -> None:
        await seed_history(hub_database, runs=12)

        page = (await web.get("/heals", headers=HTML)).text

        assert (_testid(page, "heal-total"), _testid(page, "heal-accepted")) == ("4", "2")
        assert page.count('data-testid="heal"') == 4
        assert page.count('data-testid="patch"') == 2
        assert "+    page.get_by_test_id(&#39;add-to-bag&#39;)" in page
        assert 'data-testid="chart-heal-statuses"' in page

    async def test_filter_by_status(
        self, web: httpx.AsyncClient, hub_database: HubDatabase
    ) -> None:
        await seed_history(hub_database, runs=12)

        page = (await web.get("/heals?status=refused", headers=HTML)).text
        none = (await web.get("/heals?status=applied", headers=HTML)).text

        assert page.count('data-testid="heal"') == 2
        assert 'data-testid="patch"' not in page
        assert _testid(none, "no-heals") == "No heal applied in this period."


async def test_failure_classes_page(web: httpx.AsyncClient, hub_database: HubDatabase) -> None:
    await seed_history(hub_database, runs=12)

    page = (await web.get("/failures", headers=HTML)).text

    assert page.count('data-testid="failure-class-section"') == 2
    assert 'id="timing"' in page
    assert "6 failures, 55%" in page
    assert "something took longer than the timeout." in page
    assert 'href="/runs/12#result-' in page


class TestBadInput:
    @pytest.mark.parametrize(
        ("path", "problem"),
        [
            ("/?days=0", "days: Input should be greater than or equal to 1"),
            ("/?days=abc", "days: Input should be a valid integer"),
            ("/flaky?runs=100000", "runs: Input should be less than or equal to 500"),
            ("/heals?status=bogus", "status: Input should be"),
            ("/runs/0", "run_id: Input should be greater than or equal to 1"),
        ],
    )
    async def test_is_a_400_page_naming_the_value(
        self, web: httpx.AsyncClient, path: str, problem: str
    ) -> None:
        response = await web.get(path, headers=HTML)

        assert response.status_code == 400
        assert problem in response.text

    async def test_machines_get_problem_json(self, web: httpx.AsyncClient) -> None:
        response = await web.get("/?days=-1")

        assert response.status_code == 400
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["errors"] == ["days: Input should be greater than or equal to 1"]


async def test_pages_have_security_headers_and_no_script_or_inline_style(
    web: httpx.AsyncClient, hub_database: HubDatabase
) -> None:
    await seed_history(hub_database, runs=12)

    for path in PAGES:
        response = await web.get(path, headers=HTML)

        assert response.status_code == 200, path
        csp = response.headers["content-security-policy"]
        assert "script-src 'none'" in csp
        assert "frame-ancestors 'none'" in csp
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["x-frame-options"] == "DENY"
        assert "<script" not in response.text
        assert " style=" not in response.text
        assert not re.search(r"<[^>]+\son[a-z]+=", response.text), path
