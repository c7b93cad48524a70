"""One function per dashboard view: the queries and computations a page needs, in one read-only
session passed in by the caller."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from testhub.analytics import flakiness, queries, trends
from testhub.analytics.flakiness import FlakyTest, Suggestion
from testhub.analytics.queries import FailureRow, LlmUsage, SlowTest, StatusCount
from testhub.analytics.stats import ratio
from testhub.store import repository
from testhub.store.models import Heal, HealStatus, Run
from testhub.triage.classify import FailureClass

CLASS_DESCRIPTIONS = {
    FailureClass.LOCATOR_DRIFT: "an element the test uses is no longer found by its locator",
    FailureClass.TIMING: "something took longer than the timeout",
    FailureClass.TEST_DATA: "data the test relies on is missing or in another state",
    FailureClass.BACKEND_ERROR: "the shop answered 5xx or the page logged console errors",
    FailureClass.BUSINESS_RULE: "the shop worked, but a business check (totals, stock) failed",
    FailureClass.ENVIRONMENT: "the shop or the browser could not be reached or started",
    FailureClass.UNKNOWN: "no triage rule matched",
}
DURATION_RUNS = 30  # runs in the per-run duration chart


@dataclass(frozen=True, slots=True)
class Window:
    days: int
    since: datetime
    today: date

    @classmethod
    def ending(cls, now: datetime, *, days: int) -> Window:
        today = now.date()
        since = datetime.combine(today - timedelta(days=days - 1), datetime.min.time(), now.tzinfo)
        return cls(days, since, today)


@dataclass(frozen=True, slots=True)
class ClassShare:
    name: str
    count: int
    share: float
    description: str


@dataclass(frozen=True, slots=True)
class HealSummary:
    counts: list[StatusCount]
    total: int
    accepted: int  # healed or applied
    success_rate: float | None


@dataclass(frozen=True, slots=True)
class Overview:
    window: Window
    points: list[trends.DayPoint]
    totals: trends.Totals
    recent: list[trends.RunRow]
    latest: Sequence[Run]
    slowest: list[SlowTest]
    flaky_counts: dict[Suggestion, int]
    heals: HealSummary
    classes: list[ClassShare]
    llm: list[LlmUsage]


@dataclass(frozen=True, slots=True)
class FlakyReport:
    runs: int
    assessed: int
    tests: list[FlakyTest]
    counts: dict[Suggestion, int]
    rule: str = flakiness.RULE_TEXT


@dataclass(frozen=True, slots=True)
class HealLedger:
    window: Window
    summary: HealSummary
    status: str | None
    heals: Sequence[Heal]


@dataclass(frozen=True, slots=True)
class FailureReport:
    window: Window
    classes: list[ClassShare]
    recent: dict[str, list[FailureRow]]


@dataclass(frozen=True, slots=True)
class RunList:
    runs: list[Run]
    page: int
    pages: int
    total: int


@dataclass(frozen=True, slots=True)
class RunDetail:
    run: Run
    heals: Sequence[Heal]
    counts: dict[str, int]


def describe(failure_class: str) -> str:
    try:
        return CLASS_DESCRIPTIONS[FailureClass(failure_class)]
    except ValueError:
        return ""  # a class recorded by a newer triage


def _shares(counts: list[tuple[str, int]]) -> list[ClassShare]:
    total = sum(count for _, count in counts)
    return [ClassShare(name, count, count / total, describe(name)) for name, count in counts]


def _heal_summary(counts: list[StatusCount]) -> HealSummary:
    total = sum(row.count for row in counts)
    accepted = sum(row.count for row in counts if row.status != HealStatus.REFUSED)
    return HealSummary(counts, total, accepted, ratio(accepted, total))


async def overview(session: AsyncSession, *, days: int, now: datetime, runs: int) -> Overview:
    window = Window.ending(now, days=days)
    in_window = await queries.runs_since(session, window.since)
    histories = await queries.outcome_histories(session, runs=runs)
    flaky_counts = Counter(test.suggestion for test in flakiness.rank(histories))
    return Overview(
        window=window,
        points=trends.daily(in_window, days=days, today=window.today),
        totals=trends.totals(in_window),
        recent=await queries.latest_runs(session, limit=DURATION_RUNS),
        latest=await repository.latest_runs(session, limit=15),
        slowest=await queries.slowest_tests(session, window.since, limit=10),
        flaky_counts=dict(flaky_counts),
        heals=_heal_summary(await queries.heal_status_counts(session, window.since)),
        classes=_shares(await queries.failure_class_counts(session, window.since)),
        llm=await queries.llm_usage_since(session, window.since),
    )


async def flaky(session: AsyncSession, *, runs: int) -> FlakyReport:
    histories = await queries.outcome_histories(session, runs=runs)
    ranked = flakiness.rank(histories)
    return FlakyReport(
        runs=runs,
        assessed=len(histories),
        tests=ranked,
        counts=dict(Counter(test.suggestion for test in ranked)),
    )


async def heal_ledger(
    session: AsyncSession, *, days: int, now: datetime, status: HealStatus | None, limit: int
) -> HealLedger:
    window = Window.ending(now, days=days)
    counts = await queries.heal_status_counts(session, window.since)
    heals = await queries.heals_since(
        session, window.since, status=status.value if status else None, limit=limit
    )
    return HealLedger(window, _heal_summary(counts), status.value if status else None, heals)


async def failure_report(
    session: AsyncSession, *, days: int, now: datetime, per_class: int
) -> FailureReport:
    window = Window.ending(now, days=days)
    classes = _shares(await queries.failure_class_counts(session, window.since))
    recent = {
        share.name: await queries.recent_failures(
            session, window.since, failure_class=share.name, limit=per_class
        )
        for share in classes
    }
    return FailureReport(window, classes, recent)


async def run_list(session: AsyncSession, *, page: int, per_page: int) -> RunList:
    runs, total = await queries.runs_page(session, offset=(page - 1) * per_page, limit=per_page)
    return RunList(runs, page, max(1, -(-total // per_page)), total)


async def run_detail(session: AsyncSession, run_id: int) -> RunDetail | None:
    run = await repository.get_run(session, run_id)
    if run is None:
        return None
    counts = Counter(str(result.outcome) for result in run.results)
    return RunDetail(run, await queries.heals_of_run(session, run_id), dict(counts))
