"""Runs over time: one point per UTC day (runs, tests by verdict, pass rate, run durations)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from testhub.analytics.stats import percentile, ratio


@dataclass(frozen=True, slots=True)
class RunRow:
    """What the trends need of a stored run."""

    id: int
    started_at: datetime
    passed: int
    failed: int
    errors: int
    skipped: int
    duration_seconds: float

    @property
    def failed_tests(self) -> int:
        return self.failed + self.errors

    @property
    def ok(self) -> bool:
        return self.failed_tests == 0

    @property
    def pass_rate(self) -> float | None:
        """Passed among decisive tests (skips excluded)."""
        return ratio(self.passed, self.passed + self.failed_tests)


@dataclass(frozen=True, slots=True)
class DayPoint:
    day: date
    runs: int
    failed_runs: int
    passed_tests: int
    failed_tests: int
    skipped_tests: int
    median_duration: float | None
    p95_duration: float | None

    @property
    def passed_runs(self) -> int:
        return self.runs - self.failed_runs

    @property
    def pass_rate(self) -> float | None:
        return ratio(self.passed_tests, self.passed_tests + self.failed_tests)


@dataclass(frozen=True, slots=True)
class Totals:
    runs: int
    failed_runs: int
    passed_tests: int
    failed_tests: int
    skipped_tests: int
    median_duration: float | None
    p95_duration: float | None

    @property
    def pass_rate(self) -> float | None:
        return ratio(self.passed_tests, self.passed_tests + self.failed_tests)


def daily(runs: Sequence[RunRow], *, days: int, today: date) -> list[DayPoint]:
    """A point for each of the `days` days ending `today` (UTC), empty days included, so that
    a quiet day shows as a gap rather than disappearing from the chart."""
    by_day: dict[date, list[RunRow]] = {}
    for run in runs:
        by_day.setdefault(run.started_at.date(), []).append(run)
    points = []
    for offset in range(days - 1, -1, -1):
        day = today - timedelta(days=offset)
        rows = by_day.get(day, [])
        durations = [row.duration_seconds for row in rows]
        points.append(
            DayPoint(
                day=day,
                runs=len(rows),
                failed_runs=sum(not row.ok for row in rows),
                passed_tests=sum(row.passed for row in rows),
                failed_tests=sum(row.failed_tests for row in rows),
                skipped_tests=sum(row.skipped for row in rows),
                median_duration=percentile(durations, 0.5),
                p95_duration=percentile(durations, 0.95),
            )
        )
    return points


def totals(runs: Sequence[RunRow]) -> Totals:
    durations = [row.duration_seconds for row in runs]
    return Totals(
        runs=len(runs),
        failed_runs=sum(not row.ok for row in runs),
        passed_tests=sum(row.passed for row in runs),
        failed_tests=sum(row.failed_tests for row in runs),
        skipped_tests=sum(row.skipped for row in runs),
        median_duration=percentile(durations, 0.5),
        p95_duration=percentile(durations, 0.95),
    )
