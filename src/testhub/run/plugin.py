"""The pytest plugin of `testhub run`: fixtures for generated tests (`shop`, `healer`, the browser
launch) and a recorder of every test: outcome, duration, console errors, failed network calls,
and a screenshot and a Playwright trace when it fails. Results go to `TESTHUB_REPORT_PATH` (JSON).

Under pytest-xdist the observations travel to the controller on the teardown report, and only
the controller writes the report.
"""

from __future__ import annotations

import json
import os
import re
import time
from collections.abc import Iterator
from dataclasses import asdict
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import ConsoleMessage, Page, Request, Response

from testhub.config import HubSettings, LlmProviderName
from testhub.heal.healer import CandidateChooser, Healer
from testhub.heal.ledger import FingerprintStore, read_events
from testhub.shopapi import ShopApi

_REPORTS = pytest.StashKey[dict[str, pytest.TestReport]]()
_OBSERVED = pytest.StashKey[dict[str, Any]]()
_results: list[dict[str, Any]] = []
_CLIENT_ERROR_NOTICE = re.compile(
    r"Failed to load resource: the server responded with a status of 4\d\d"
)


def _settings() -> HubSettings:
    return HubSettings()


def _run_dir() -> Path:
    return Path(os.environ.get("TESTHUB_RUN_DIR") or _settings().artifacts_dir / "adhoc")


def _slug(nodeid: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", nodeid).strip("-")[:150]


def pytest_configure(config: pytest.Config) -> None:
    # Registered now, after pytest-playwright, so that its launch arguments are the ones extended.
    if not config.pluginmanager.has_plugin("testhub.run.browser_launch"):
        config.pluginmanager.import_plugin("testhub.run.browser_launch")


@pytest.fixture(scope="session")
def base_url(pytestconfig: pytest.Config) -> str:
    given = pytestconfig.getoption("base_url", default=None)
    url = given or os.environ.get("TESTHUB_BASE_URL")
    if not url:
        pytest.skip("no shop to test: pass --base-url or set TESTHUB_BASE_URL")
    return str(url).rstrip("/")


@pytest.fixture(scope="session")
def shop(base_url: str) -> Iterator[ShopApi]:
    # One per test process: its staff token is reused instead of signing in for every test.
    api = ShopApi.from_settings(_settings(), base_url)
    yield api
    api.close()


@pytest.fixture
def healer(page: Page, request: pytest.FixtureRequest) -> Healer:
    settings = _settings()
    test_file = Path(str(request.node.path))
    store = FingerprintStore(settings.var_dir / "fingerprints" / f"{test_file.stem}.json")
    probe = float(os.environ.get("TESTHUB_HEAL_PROBE_MS", "2000"))
    chooser: CandidateChooser | None = None
    if settings.llm_provider is not LlmProviderName.OFFLINE:
        # Imported only when used: the providers' SDKs take seconds to import, in every run.
        from testhub.providers.heal_choice import heal_chooser

        chooser = heal_chooser(settings)
    return Healer(
        page,
        request.node.nodeid,
        store,
        _run_dir() / "heals.jsonl",
        threshold=settings.heal_threshold,
        margin=settings.heal_margin,
        probe_timeout_ms=probe,
        chooser=chooser,  # an LLM, if configured, breaks ties among candidates
    )


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report: pytest.TestReport = yield
    item.stash.setdefault(_REPORTS, {})[report.when] = report
    if report.when == "teardown":
        # Complete now (artifacts are taken in the fixture's teardown); xdist serialises it along.
        report.testhub_observed = item.stash.get(_OBSERVED, {})  # type: ignore[attr-defined]
    return report


@pytest.fixture(autouse=True)
def _testhub_observe(request: pytest.FixtureRequest) -> Iterator[None]:
    observed: dict[str, Any] = {"console_errors": [], "failed_requests": []}
    request.node.stash[_OBSERVED] = observed
    if "page" not in request.fixturenames:
        yield
        return
    page: Page = request.getfixturevalue("page")
    settings = _settings()
    page.set_default_timeout(settings.action_timeout_ms)
    page.set_default_navigation_timeout(settings.navigation_timeout_ms)

    def on_console(message: ConsoleMessage) -> None:
        # Chromium also logs every 4xx answer ("Failed to load resource: ... status of 402"):
        # the shop's deliberate answer (a declined card's page, a missing favicon), not an error
        # of the page. 5xx answers are kept, here and among the failed requests.
        if message.type == "error" and not _CLIENT_ERROR_NOTICE.match(message.text):
            observed["console_errors"].append(message.text[:500])

    def on_page_error(error: Exception) -> None:
        observed["console_errors"].append(f"uncaught: {error}"[:500])

    def on_failed(req: Request) -> None:
        if req.failure == "net::ERR_ABORTED":
            return  # cancelled by the page itself (a navigation left it), not a failure
        observed["failed_requests"].append(
            {"method": req.method, "url": req.url, "status": None, "error": req.failure}
        )

    def on_response(response: Response) -> None:
        if response.status >= 500:
            observed["failed_requests"].append(
                {"method": response.request.method, "url": response.url, "status": response.status}
            )

    page.on("console", on_console)
    page.on("pageerror", on_page_error)
    page.on("requestfailed", on_failed)
    page.on("response", on_response)
    # DOM snapshots let the trace viewer replay every step; the screencast would cost ~15 % more
    # CPU on every passing test for a filmstrip. A failure still gets its own full screenshot.
    page.context.tracing.start(screenshots=False, snapshots=True)
    yield
    reports = request.node.stash.get(_REPORTS, {})
    failed = any(r.failed for r in reports.values())
    target = _run_dir() / _slug(request.node.nodeid)
    try:
        if failed:
            target.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=target / "failure.png", full_page=True)
            observed["screenshot"] = str(target / "failure.png")
            page.context.tracing.stop(path=target / "trace.zip")
            observed["trace"] = str(target / "trace.zip")
        else:
            page.context.tracing.stop()
    except Exception as error:  # noqa: BLE001 (a broken page must not hide the test's own failure)
        observed["artifact_error"] = str(error)[:300]


@pytest.hookimpl(trylast=True)
def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.when == "call" or (report.when == "setup" and not report.passed):
        _results.append(_result_of(report))
    elif report.when == "teardown":
        if report.failed:
            _results.append(_result_of(report, outcome="error"))
        observed = getattr(report, "testhub_observed", None) or {}
        for result in _results:
            if result["nodeid"] == report.nodeid:
                result.update(observed)


def _result_of(report: pytest.TestReport, *, outcome: str | None = None) -> dict[str, Any]:
    if outcome is None:
        if report.when == "setup":
            outcome = "skipped" if report.skipped else "error"
        else:
            outcome = "passed" if report.passed else ("skipped" if report.skipped else "failed")
    message = exception_type = None
    traceback = None
    if report.failed:
        traceback = report.longreprtext[-8000:]
        crash = getattr(report.longrepr, "reprcrash", None)
        message = crash.message if crash is not None else traceback.splitlines()[-1:][0]
        found = re.search(r"^E\s+([\w.]+(?:Error|Exception|Drift\w*|Timeout\w*))", traceback, re.M)
        exception_type = found.group(1) if found else None
    elif report.skipped and isinstance(report.longrepr, tuple):
        message = str(report.longrepr[2])
    return {
        "nodeid": report.nodeid,
        "outcome": outcome,
        "when": report.when,
        "duration": round(report.duration, 4),
        "message": message,
        "exception_type": exception_type,
        "traceback": traceback,
        "finished": time.time(),
    }


def pytest_sessionfinish(session: pytest.Session) -> None:
    path = os.environ.get("TESTHUB_REPORT_PATH")
    if not path or hasattr(session.config, "workerinput"):
        return
    heals = read_events(_run_dir() / "heals.jsonl")  # every worker appended to the same ledger
    for result in _results:
        result["heals"] = [asdict(e) for e in heals if e.nodeid == result["nodeid"]]
    Path(path).write_text(json.dumps(_results, indent=1, default=str), encoding="utf-8")
