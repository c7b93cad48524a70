"""`testhub run`: pytest on a suite against a shop, recorded, triaged and stored.

Exit codes: 0 every test passed, 1 a test failed, 2 a usage or environment error (no such path,
no shop at the URL, nothing collected, pytest itself could not run).
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any

import httpx
from pydantic import SecretStr

from testhub import metrics
from testhub.config import HubSettings
from testhub.store import repository
from testhub.store.database import HubDatabase
from testhub.store.models import Heal, HealStatus, Outcome, Run, TestResult
from testhub.triage import classify

EXIT_PASSED, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


# Installed pytest plugins a browser suite against a remote shop has no use for, and whose
# import alone costs seconds per run (and per xdist worker).
_UNUSED_PLUGINS = ("-p", "no:schemathesis", "-p", "no:pytest_cov")


class RunUsageError(RuntimeError):
    """Nothing to run, or nothing to run it against (exit code 2)."""


@dataclass
class RunOutcome:
    exit_code: int
    run_id: int | None = None
    counts: dict[str, int] = field(default_factory=dict)
    duration_seconds: float = 0.0
    junit_path: Path | None = None
    results: list[dict[str, Any]] = field(default_factory=list)
    problem: str | None = None


def settings_env(settings: HubSettings) -> dict[str, str]:
    """The settings that were given (not defaulted) as `TESTHUB_*` variables: the tests run in
    a pytest process of their own, which must see the caller's staff credentials, browser,
    timeouts and healing, while a default leaves the inherited environment alone."""
    env = {}
    for name, value in settings.model_dump(include=settings.model_fields_set).items():
        if isinstance(value, SecretStr):
            value = value.get_secret_value()
        if isinstance(value, Enum):
            value = value.value
        if isinstance(value, bool):
            value = "true" if value else "false"
        if isinstance(value, str | int | float | Path):
            env[f"TESTHUB_{name.upper()}"] = str(value)
    return env


def check_shop(base_url: str, *, timeout: float = 5.0) -> None:
    try:
        httpx.get(base_url, timeout=timeout, follow_redirects=True)
    except httpx.HTTPError as error:
        raise RunUsageError(f"no shop answers at {base_url}: {error}") from error


async def run_suite(
    path: Path,
    *,
    base_url: str,
    settings: HubSettings,
    junit: Path | None = None,
    pytest_args: tuple[str, ...] = (),
    database: HubDatabase | None = None,
    workers: int = 1,
) -> RunOutcome:
    """Run the tests under `path`; store the run unless it could not start (exit code 2).

    With `workers` > 1 the tests are spread over that many pytest-xdist processes, each with a
    browser of its own; tests must then not depend on each other's data (generated ones don't).
    """
    if workers < 1:
        return RunOutcome(EXIT_USAGE, problem=f"workers must be at least 1, not {workers}")
    if not await asyncio.to_thread(path.exists):
        return RunOutcome(EXIT_USAGE, problem=f"no such test path: {path}")
    try:
        await asyncio.to_thread(check_shop, base_url)
    except RunUsageError as error:
        return RunOutcome(EXIT_USAGE, problem=str(error))
    stamp = time.strftime("%Y%m%d-%H%M%S") + f"-{os.getpid()}-{time.monotonic_ns() % 10**6}"
    run_dir = settings.artifacts_dir / stamp
    run_dir.mkdir(parents=True, exist_ok=True)
    report_path = run_dir / "report.json"
    junit_path = junit or run_dir / "junit.xml"
    # Node ids name tests in the run history, so they must not depend on where `testhub run` was
    # started: pytest's own rootdir would be the common ancestor of the cwd and the suite.
    rootdir = path if await asyncio.to_thread(path.is_dir) else path.parent
    command = [
        sys.executable, "-m", "pytest", str(path), f"--rootdir={rootdir}",
        "-p", "testhub.run.plugin", "-p", "no:cacheprovider",
        "--base-url", base_url, f"--junitxml={junit_path}",
        "-o", "addopts=", "-q", *_UNUSED_PLUGINS, *pytest_args,
    ]  # fmt: skip
    if workers > 1:
        command += ["-n", str(workers)]
    # The run is a pytest session of its own, even when started from a test of an xdist worker.
    inherited = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("PYTEST_XDIST_", "PYTEST_CURRENT_TEST"))
    }
    env = {
        **inherited,
        **settings_env(settings),
        "TESTHUB_REPORT_PATH": str(report_path),
        "TESTHUB_RUN_DIR": str(run_dir),
        "TESTHUB_BASE_URL": base_url,
    }
    started = time.monotonic()
    process = await asyncio.create_subprocess_exec(
        *command, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT
    )
    try:
        output, _ = await asyncio.wait_for(process.communicate(), settings.run_timeout_seconds)
    except TimeoutError:
        process.kill()
        await process.wait()
        return RunOutcome(EXIT_USAGE, problem=f"the run exceeded {settings.run_timeout_seconds}s")
    duration = time.monotonic() - started
    (run_dir / "pytest.log").write_bytes(output)
    results = json.loads(report_path.read_text()) if report_path.is_file() else []
    if process.returncode not in (0, 1) or not results:
        tail = output.decode(errors="replace")[-2000:]
        return RunOutcome(EXIT_USAGE, problem=f"pytest exited with {process.returncode}:\n{tail}")
    for result in results:
        if result["outcome"] in ("failed", "error"):
            triage = classify(result)
            result["failure_class"] = triage.failure_class.value
            result["triage_explanation"] = triage.explanation
            result["triage_evidence"] = triage.evidence
    counts = {
        name: sum(r["outcome"] == name for r in results)
        for name in ("passed", "failed", "error", "skipped")
    }
    exit_code = EXIT_FAILED if counts["failed"] or counts["error"] else EXIT_PASSED
    outcome = RunOutcome(exit_code, None, counts, duration, junit_path, results)
    owned = database is None
    database = database or HubDatabase(settings.database_url)
    try:
        outcome.run_id = await _store(database, outcome, base_url=base_url, suite=str(path))
    finally:
        if owned:
            await database.dispose()
    metrics.record_run(outcome.counts, duration, results)
    return outcome


async def _store(database: HubDatabase, outcome: RunOutcome, *, base_url: str, suite: str) -> int:
    counts = outcome.counts
    async with database.session() as session:
        run = Run(
            base_url=base_url,
            suite=suite,
            exit_code=outcome.exit_code,
            passed=counts["passed"],
            failed=counts["failed"],
            errors=counts["error"],
            skipped=counts["skipped"],
            duration_seconds=round(outcome.duration_seconds, 3),
            junit_path=str(outcome.junit_path) if outcome.junit_path else None,
        )
        await repository.add_run(session, run)
        run.finished_at = run.started_at
        for result in outcome.results:
            session.add(
                TestResult(
                    run_id=run.id,
                    nodeid=result["nodeid"],
                    outcome=Outcome(result["outcome"]),
                    duration_seconds=float(result.get("duration") or 0),
                    message=result.get("message"),
                    traceback=result.get("traceback"),
                    console_errors=result.get("console_errors") or [],
                    failed_requests=result.get("failed_requests") or [],
                    screenshot_path=result.get("screenshot"),
                    trace_path=result.get("trace"),
                    failure_class=result.get("failure_class"),
                    triage_explanation=result.get("triage_explanation"),
                    triage_evidence=result.get("triage_evidence") or [],
                )
            )
            heals = [
                Heal(
                    run_id=run.id,
                    nodeid=event["nodeid"],
                    test_file=event["test_file"],
                    line=event["line"],
                    step_key=event["step_key"],
                    original_locator=event["original_locator"],
                    healed_locator=event["healed_locator"],
                    score=event["score"],
                    runner_up_score=event["runner_up_score"],
                    status=HealStatus(event["status"]),
                    reason=event["reason"],
                    candidates=event["candidates"],
                    patch=event["patch"],
                )
                for event in result.get("heals") or []
            ]
            await repository.add_heals(session, heals)
        return run.id
