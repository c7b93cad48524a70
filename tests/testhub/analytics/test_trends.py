from __future__ import annotations

from datetime import UTC, date, datetime

from testhub.analytics.trends import RunRow, daily, totals


def _run(run_id: int, day: int, hour: int, *, passed: int, failed: int = 0, errors: int = 0,
         skipped: int = 0, duration: float = 10.0) -> RunRow:  # fmt: skip
    at = datetime(2026, 11, day, hour, tzinfo=UTC)
    return RunRow(run_id, at, passed, failed, errors, skipped, duration)


class TestDaily:
    def test_one_point_per_day_empty_days_included(self) -> None:
        runs = [
            _run(1, 24, 9, passed=3, duration=10),
            _run(2, 24, 23, passed=2, failed=1, duration=20),
            _run(3, 26, 0, passed=1, errors=1, skipped=2, duration=30),
        ]

        points = daily(runs, days=4, today=date(2026, 11, 26))

        assert [(p.day.day, p.runs, p.failed_runs, p.passed_runs) for p in points] == [
            (23, 0, 0, 0),
            (24, 2, 1, 1),
            (25, 0, 0, 0),
            (26, 1, 1, 0),
        ]
        assert [p.pass_rate for p in points] == [None, 5 / 6, None, 0.5]
        assert (points[1].median_duration, points[1].p95_duration) == (15.0, 19.5)
        assert points[3].skipped_tests == 2
        assert points[0].median_duration is None

    def test_runs_before_the_window_are_not_drawn(self) -> None:
        points = daily([_run(1, 20, 12, passed=1)], days=2, today=date(2026, 11, 26))

        assert sum(p.runs for p in points) == 0


def test_totals_exclude_skips_from_the_pass_rate() -> None:
    result = totals(
        [_run(1, 24, 9, passed=3, skipped=5), _run(2, 25, 9, passed=1, failed=1, errors=1)]
    )

    assert (result.runs, result.failed_runs, result.passed_tests, result.failed_tests) == (
        2, 1, 4, 2,
    )  # fmt: skip
    assert result.pass_rate == 4 / 6
    assert result.median_duration == 10.0


def test_totals_of_nothing() -> None:
    result = totals([])

    assert (result.runs, result.pass_rate, result.median_duration) == (0, None, None)
