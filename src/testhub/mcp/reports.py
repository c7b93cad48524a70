"""Run reports and the heal ledger, read from the hub store, in the shapes the tools return."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from testhub.store.database import HubDatabase
from testhub.store.models import Heal, Run, TestResult


class TestOutcome(BaseModel):
    __test__ = False  # a model, not a pytest class

    nodeid: str
    outcome: str
    duration_seconds: float
    message: str | None = None
    failure_class: str | None = None
    triage_explanation: str | None = None
    triage_evidence: list[str] = Field(default_factory=list)
    console_errors: list[str] = Field(default_factory=list)
    failed_requests: list[str] = Field(default_factory=list)
    screenshot_path: str | None = None
    trace_path: str | None = None


class RunSummary(BaseModel):
    run_id: int
    started_at: datetime
    finished_at: datetime | None
    base_url: str
    suite: str
    exit_code: int | None
    passed: int
    failed: int
    errors: int
    skipped: int
    duration_seconds: float


class RunReport(RunSummary):
    tests: list[TestOutcome]


class HealEntry(BaseModel):
    heal_id: int
    created_at: datetime
    run_id: int | None
    nodeid: str
    test_file: str
    line: int | None
    status: str
    original_locator: str
    healed_locator: str | None
    score: float | None
    runner_up_score: float | None
    reason: str
    patch: str | None


def _clip(text: str | None, limit: int) -> str | None:
    if text is None or len(text) <= limit:
        return text
    return text[: limit - 1] + "…"


def summary_of(run: Run) -> RunSummary:
    return RunSummary(
        run_id=run.id,
        started_at=run.started_at,
        finished_at=run.finished_at,
        base_url=run.base_url,
        suite=run.suite,
        exit_code=run.exit_code,
        passed=run.passed,
        failed=run.failed,
        errors=run.errors,
        skipped=run.skipped,
        duration_seconds=round(run.duration_seconds, 2),
    )


def outcome_of(result: TestResult) -> TestOutcome:
    return TestOutcome(
        nodeid=result.nodeid,
        outcome=str(result.outcome),
        duration_seconds=round(result.duration_seconds, 3),
        message=_clip(result.message, 2000),
        failure_class=result.failure_class,
        triage_explanation=result.triage_explanation,
        triage_evidence=[
            _clip(str(item), 500) or "" for item in (result.triage_evidence or [])[:20]
        ],
        console_errors=[_clip(e, 300) or "" for e in (result.console_errors or [])[:20]],
        failed_requests=[
            _clip(f"{r.get('method', '')} {r.get('url', '')} {r.get('status', '')}".strip(), 300)
            or ""
            for r in (result.failed_requests or [])[:20]
        ],
        screenshot_path=result.screenshot_path,
        trace_path=result.trace_path,
    )


def heal_entry(heal: Heal) -> HealEntry:
    return HealEntry(
        heal_id=heal.id,
        created_at=heal.created_at,
        run_id=heal.run_id,
        nodeid=heal.nodeid,
        test_file=heal.test_file,
        line=heal.line,
        status=str(heal.status),
        original_locator=heal.original_locator,
        healed_locator=heal.healed_locator,
        score=heal.score,
        runner_up_score=heal.runner_up_score,
        reason=heal.reason,
        patch=heal.patch,
    )


async def recent_runs(database: HubDatabase, *, limit: int) -> list[RunSummary]:
    async with database.session() as session:
        runs = await session.scalars(select(Run).order_by(Run.id.desc()).limit(limit))
        return [summary_of(run) for run in runs]


async def run_report(database: HubDatabase, run_id: int | None) -> RunReport:
    """One run with its tests; the latest run when no id is given."""
    async with database.session() as session:
        query = select(Run).options(selectinload(Run.results))
        query = (
            query.where(Run.id == run_id)
            if run_id is not None
            else query.order_by(Run.id.desc()).limit(1)
        )
        run = await session.scalar(query)
        if run is None:
            raise LookupError(f"no run {run_id}" if run_id is not None else "no run yet")
        return RunReport(
            **summary_of(run).model_dump(),
            tests=[outcome_of(result) for result in run.results],
        )


async def heal_ledger(
    database: HubDatabase, *, status: str | None = None, limit: int = 50
) -> list[HealEntry]:
    async with database.session() as session:
        query = select(Heal).order_by(Heal.id.desc()).limit(limit)
        if status is not None:
            query = query.where(Heal.status == status)
        return [heal_entry(heal) for heal in await session.scalars(query)]
