"""Seeded hub histories for the analytics and dashboard tests: runs with results, heals, at
times relative to a fixed clock."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from testhub.store.database import HubDatabase
from testhub.store.models import Heal, HealStatus, Outcome, Run, TestResult

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


def result(
    nodeid: str,
    outcome: str = "passed",
    *,
    duration: float = 1.0,
    failure_class: str | None = None,
    explanation: str | None = None,
    screenshot: str | None = None,
    trace: str | None = None,
) -> TestResult:
    failed = outcome in ("failed", "error")
    return TestResult(
        nodeid=nodeid,
        outcome=Outcome(outcome),
        duration_seconds=duration,
        message="AssertionError: total 1999 != 2099" if failed else None,
        failure_class=failure_class or ("business_rule" if failed else None),
        triage_explanation=explanation or ("a business check failed" if failed else None),
        triage_evidence=["E assert 1999 == 2099"] if failed else [],
        screenshot_path=screenshot,
        trace_path=trace,
    )


async def add_run(
    database: HubDatabase,
    results: Sequence[TestResult],
    *,
    at: datetime,
    duration: float = 10.0,
    suite: str = "tests/generated",
    heals: Sequence[Heal] = (),
) -> int:
    """Store a run with its results (counts derived from them) and heals; return its id."""
    count = {name: sum(r.outcome == name for r in results) for name in Outcome}
    async with database.session() as session:
        run = Run(
            started_at=at,
            finished_at=at + timedelta(seconds=duration),
            base_url="http://127.0.0.1:8000",
            suite=suite,
            exit_code=1 if count[Outcome.FAILED] or count[Outcome.ERROR] else 0,
            passed=count[Outcome.PASSED],
            failed=count[Outcome.FAILED],
            errors=count[Outcome.ERROR],
            skipped=count[Outcome.SKIPPED],
            duration_seconds=duration,
        )
        session.add(run)
        await session.flush()
        for row in results:
            row.run_id = run.id
            session.add(row)
        for heal in heals:
            heal.run_id = run.id
            heal.created_at = at
            session.add(heal)
        return run.id


def heal(
    status: str = "healed",
    *,
    score: float | None = 0.8,
    nodeid: str = "tests/generated/test_cart.py::test_cart",
    patch: str
    | None = "-    page.get_by_test_id('add-to-cart')\n+    page.get_by_test_id('add-to-bag')",
) -> Heal:
    return Heal(
        nodeid=nodeid,
        test_file="tests/generated/test_cart.py",
        line=12,
        step_key="add_to_cart",
        original_locator="get_by_test_id('add-to-cart')",
        healed_locator="get_by_test_id('add-to-bag')" if status != "refused" else None,
        score=score,
        runner_up_score=0.3 if score is not None else None,
        status=HealStatus(status),
        reason="unique candidate above threshold" if status != "refused" else "no unique match",
        candidates=[{"score": score or 0.4}],
        patch=patch if status != "refused" else None,
    )


async def seed_history(database: HubDatabase, *, runs: int = 12) -> list[int]:
    """`runs` daily runs ending at NOW: a stable test, a flaky one (alternating), one that broke
    in the last five runs, a skipped one; heals in the last two runs."""
    ids = []
    for index in range(runs):
        at = NOW - timedelta(days=runs - 1 - index, hours=1)
        broke = index >= runs - 5
        results = [
            result("t/test_shop.py::test_stable", duration=2.0),
            result(
                "t/test_shop.py::test_flaky",
                "failed" if index % 2 else "passed",
                duration=3.0,
                failure_class="timing" if index % 2 else None,
                explanation="an operation timed out" if index % 2 else None,
            ),
            result(
                "t/test_shop.py::test_broken",
                "error" if broke else "passed",
                duration=1.0,
                failure_class="locator_drift" if broke else None,
                explanation="the locator matched nothing" if broke else None,
            ),
            result("t/test_shop.py::test_skipped", "skipped", duration=0.0),
        ]
        heals = [heal("healed"), heal("refused", score=None)] if index >= runs - 2 else []
        ids.append(await add_run(database, results, at=at, duration=10.0 + index, heals=heals))
    return ids
