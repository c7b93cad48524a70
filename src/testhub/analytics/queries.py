"""The aggregate queries of the analytics (the hub's per-row queries are in testhub.store).

Each returns plain rows, never ORM objects that could lazy-load later; the same SQL runs on SQLite
and PostgreSQL."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import QueryableAttribute

from testhub.analytics.trends import RunRow
from testhub.store.models import Heal, LlmCall, Outcome, Run, TestResult

# The dashboard reads at most this many runs for a chart: days of heavy CI stay cheap to draw.
MAX_RUNS_READ = 5000


@dataclass(frozen=True, slots=True)
class SlowTest:
    nodeid: str
    results: int
    mean_seconds: float
    max_seconds: float


@dataclass(frozen=True, slots=True)
class FailureRow:
    run_id: int
    result_id: int
    started_at: datetime
    nodeid: str
    failure_class: str
    explanation: str


@dataclass(frozen=True, slots=True)
class StatusCount:
    status: str
    count: int
    mean_score: float | None


@dataclass(frozen=True, slots=True)
class LlmUsage:
    provider: str
    calls: int
    failed: int
    input_tokens: int
    output_tokens: int
    cost_usd: float


@dataclass(frozen=True, slots=True)
class RecordedTotals:
    """Totals over everything stored, whichever process recorded it (for /metrics)."""

    runs: dict[str, int]  # passed | failed
    tests: dict[str, int]  # by outcome
    failures: dict[str, int]  # by failure class
    heals: dict[str, int]  # by status
    last_run_at: datetime | None


_RUN_COLUMNS = (
    Run.id,
    Run.started_at,
    Run.passed,
    Run.failed,
    Run.errors,
    Run.skipped,
    Run.duration_seconds,
)


def _run_row(row: Sequence[object]) -> RunRow:
    return RunRow(*row)  # type: ignore[arg-type]


async def runs_since(session: AsyncSession, since: datetime) -> list[RunRow]:
    """Runs started at or after `since`, oldest first (the newest MAX_RUNS_READ of them)."""
    newest = (
        select(*_RUN_COLUMNS)
        .where(Run.started_at >= since)
        .order_by(Run.started_at.desc(), Run.id.desc())
        .limit(MAX_RUNS_READ)
    )
    rows = [_run_row(row) for row in (await session.execute(newest)).all()]
    return rows[::-1]


async def latest_runs(session: AsyncSession, *, limit: int) -> list[RunRow]:
    """The newest runs, oldest first (for a per-run chart)."""
    statement = select(*_RUN_COLUMNS).order_by(Run.started_at.desc(), Run.id.desc()).limit(limit)
    rows = [_run_row(row) for row in (await session.execute(statement)).all()]
    return rows[::-1]


async def runs_page(session: AsyncSession, *, offset: int, limit: int) -> tuple[list[Run], int]:
    """A page of runs, newest first, and how many runs there are."""
    total = int((await session.execute(select(func.count()).select_from(Run))).scalar() or 0)
    statement = (
        select(Run).order_by(Run.started_at.desc(), Run.id.desc()).offset(offset).limit(limit)
    )
    return list((await session.scalars(statement)).all()), total


async def outcome_histories(session: AsyncSession, *, runs: int) -> list[tuple[str, list[str]]]:
    """Each test's outcomes over the latest `runs` runs, oldest first, tests by name."""
    latest = (
        select(Run.id, Run.started_at)
        .order_by(Run.started_at.desc(), Run.id.desc())
        .limit(runs)
        .subquery()
    )
    statement = (
        select(TestResult.nodeid, TestResult.outcome)
        .join(latest, latest.c.id == TestResult.run_id)
        .order_by(TestResult.nodeid, latest.c.started_at, latest.c.id, TestResult.id)
    )
    histories: dict[str, list[str]] = {}
    for nodeid, outcome in (await session.execute(statement)).all():
        histories.setdefault(nodeid, []).append(str(outcome))
    return list(histories.items())


async def slowest_tests(session: AsyncSession, since: datetime, *, limit: int) -> list[SlowTest]:
    mean = func.avg(TestResult.duration_seconds)
    statement = (
        select(TestResult.nodeid, func.count(), mean, func.max(TestResult.duration_seconds))
        .join(Run, Run.id == TestResult.run_id)
        .where(Run.started_at >= since, TestResult.outcome != Outcome.SKIPPED)
        .group_by(TestResult.nodeid)
        .order_by(mean.desc(), TestResult.nodeid)
        .limit(limit)
    )
    return [
        SlowTest(str(nodeid), int(count), float(avg or 0), float(top or 0))
        for nodeid, count, avg, top in (await session.execute(statement)).all()
    ]


async def failure_class_counts(session: AsyncSession, since: datetime) -> list[tuple[str, int]]:
    """Failure classes of results in runs since `since`, most frequent first."""
    count = func.count()
    statement = (
        select(TestResult.failure_class, count)
        .join(Run, Run.id == TestResult.run_id)
        .where(Run.started_at >= since, TestResult.failure_class.is_not(None))
        .group_by(TestResult.failure_class)
        .order_by(count.desc(), TestResult.failure_class)
    )
    return [(str(name), int(n)) for name, n in (await session.execute(statement)).all()]


async def recent_failures(
    session: AsyncSession, since: datetime, *, failure_class: str | None = None, limit: int
) -> list[FailureRow]:
    """Failed results since `since` (of one class, if given), newest first."""
    statement = (
        select(
            TestResult.run_id,
            TestResult.id,
            Run.started_at,
            TestResult.nodeid,
            TestResult.failure_class,
            TestResult.triage_explanation,
        )
        .join(Run, Run.id == TestResult.run_id)
        .where(Run.started_at >= since, TestResult.failure_class.is_not(None))
        .order_by(Run.started_at.desc(), TestResult.id.desc())
        .limit(limit)
    )
    if failure_class is not None:
        statement = statement.where(TestResult.failure_class == failure_class)
    return [
        FailureRow(run_id, result_id, started, nodeid, str(name), explanation or "")
        for run_id, result_id, started, nodeid, name, explanation in (
            await session.execute(statement)
        ).all()
    ]


async def heal_status_counts(session: AsyncSession, since: datetime) -> list[StatusCount]:
    statement = (
        select(Heal.status, func.count(), func.avg(Heal.score))
        .where(Heal.created_at >= since)
        .group_by(Heal.status)
        .order_by(Heal.status)
    )
    return [
        StatusCount(str(status), int(count), float(score) if score is not None else None)
        for status, count, score in (await session.execute(statement)).all()
    ]


async def heals_since(
    session: AsyncSession, since: datetime, *, status: str | None, limit: int
) -> Sequence[Heal]:
    statement = (
        select(Heal)
        .where(Heal.created_at >= since)
        .order_by(Heal.created_at.desc(), Heal.id.desc())
        .limit(limit)
    )
    if status is not None:
        statement = statement.where(Heal.status == status)
    return (await session.scalars(statement)).all()


async def heals_of_run(session: AsyncSession, run_id: int) -> Sequence[Heal]:
    statement = select(Heal).where(Heal.run_id == run_id).order_by(Heal.id)
    return (await session.scalars(statement)).all()


async def llm_usage_since(session: AsyncSession, since: datetime) -> list[LlmUsage]:
    statement = (
        select(
            LlmCall.provider,
            func.count(),
            func.sum(case((LlmCall.ok.is_(False), 1), else_=0)),
            func.sum(LlmCall.input_tokens),
            func.sum(LlmCall.output_tokens),
            func.sum(LlmCall.cost_usd),
        )
        .where(LlmCall.created_at >= since)
        .group_by(LlmCall.provider)
        .order_by(LlmCall.provider)
    )
    return [
        LlmUsage(str(provider), int(calls), int(failed or 0), int(tin or 0), int(tout or 0),
                 float(cost or 0))
        for provider, calls, failed, tin, tout, cost in (await session.execute(statement)).all()
    ]  # fmt: skip


async def get_result(session: AsyncSession, run_id: int, result_id: int) -> TestResult | None:
    statement = select(TestResult).where(TestResult.id == result_id, TestResult.run_id == run_id)
    return (await session.scalars(statement)).first()


async def recorded_totals(session: AsyncSession) -> RecordedTotals:
    failed_run = case((Run.failed + Run.errors > 0, "failed"), else_="passed")
    runs = {
        str(result): int(count)
        for result, count in (
            await session.execute(select(failed_run, func.count()).group_by(failed_run))
        ).all()
    }
    tests = await _counts(session, TestResult.outcome)
    failures = await _counts(session, TestResult.failure_class)
    heals = await _counts(session, Heal.status)
    last_run_at = (await session.execute(select(func.max(Run.started_at)))).scalar()
    if isinstance(last_run_at, str):  # SQLite may hand max() back as text
        last_run_at = datetime.fromisoformat(last_run_at)
    if last_run_at is not None and last_run_at.tzinfo is None:
        last_run_at = last_run_at.replace(tzinfo=UTC)
    return RecordedTotals(runs, tests, failures, heals, last_run_at)


async def _counts(session: AsyncSession, column: QueryableAttribute[Any]) -> dict[str, int]:
    statement = select(column, func.count()).where(column.is_not(None)).group_by(column)
    return {str(key): int(count) for key, count in (await session.execute(statement)).all()}
