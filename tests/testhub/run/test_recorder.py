"""What the plugin records per test, through `testhub run` on two xdist workers against the
contract shop: console errors of the page (not the shop's 4xx answers), failed requests, and a
screenshot and trace for a failure, carried from the workers to the report."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from testhub.config import HubSettings
from testhub.run.runner import EXIT_FAILED, RunOutcome, run_suite

SUITE = """
def test_script_error(page):
    page.goto("/console-error")


def test_client_errors(page):
    page.goto("/")
    assert page.evaluate("() => fetch('/nothing-here').then(r => r.status)") == 404


def test_server_error(page):
    page.goto("/broken-page")
    assert page.get_by_test_id("flash").inner_text() == "not ok"
"""


@pytest.fixture(scope="module")
async def recorded(contract_shop: str, tmp_path_factory: pytest.TempPathFactory) -> RunOutcome:
    root = tmp_path_factory.mktemp("recorder")
    (root / "suite").mkdir()
    (root / "suite" / "test_pages.py").write_text(SUITE)
    settings = HubSettings(
        database_url=f"sqlite+aiosqlite:///{root / 'hub.db'}",
        var_dir=root / "var",
        browser_executable="/usr/bin/chromium",
        _env_file=None,  # type: ignore[call-arg]
    )
    return await run_suite(root / "suite", base_url=contract_shop, settings=settings, workers=2)


def _result(outcome: RunOutcome, name: str) -> dict[str, Any]:
    [result] = [r for r in outcome.results if r["nodeid"].split("::")[1].startswith(name)]
    return result


class TestRecorder:
    def test_the_run_counts_every_test_once(self, recorded: RunOutcome) -> None:
        assert recorded.problem is None
        assert recorded.counts == {"passed": 2, "failed": 1, "error": 0, "skipped": 0}
        assert recorded.exit_code == EXIT_FAILED

    def test_a_script_error_is_a_console_error(self, recorded: RunOutcome) -> None:
        result = _result(recorded, "test_script_error")

        assert result["outcome"] == "passed"
        assert result["console_errors"] == ["TypeError: totals is undefined"]
        assert "screenshot" not in result

    def test_a_4xx_answer_is_no_console_error(self, recorded: RunOutcome) -> None:
        result = _result(recorded, "test_client_errors")

        assert result["console_errors"] == []
        assert result["failed_requests"] == []

    def test_a_failure_keeps_its_evidence(self, recorded: RunOutcome) -> None:
        result = _result(recorded, "test_server_error")

        assert result["outcome"] == "failed"
        assert [(r["url"].rsplit("/", 1)[1], r["status"]) for r in result["failed_requests"]] == [
            ("broken", 500)
        ]
        assert any("status of 500" in line for line in result["console_errors"])
        assert Path(result["screenshot"]).stat().st_size > 0
        assert Path(result["trace"]).stat().st_size > 0
        assert result["failure_class"] == "backend_error"
