"""The analytics over a seeded history, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest

from testhub.analytics import queries, report
from testhub.analytics.flakiness import Suggestion
from testhub.store.database import HubDatabase
from testhub.store.models import HealStatus, LlmCall
from tests.testhub.analytics.history import NOW, add_run, heal, result, seed_history


class TestOverview:
    async def test_summarises_the_window(self, hub_database: HubDatabase) -> None:
        await seed_history(hub_database, runs=12)

        async with hub_database.session() as session:
            view = await report.overview(session, days=14, now=NOW, runs=30)

        totals = view.totals
        assert (totals.runs, totals.failed_runs) == (12, 8)
        assert (totals.passed_tests, totals.failed_tests, totals.skipped_tests) == (25, 11, 12)
        assert totals.pass_rate == pytest.approx(25 / 36)
        assert totals.median_duration == pytest.approx(15.5)
        assert totals.p95_duration == pytest.approx(20.45)
        assert len(view.points) == 14
        assert [p.runs for p in view.points] == [0, 0] + [1] * 12
        assert view.points[-1].day == NOW.date()
        assert [r.duration_seconds for r in view.recent] == [10.0 + i for i in range(12)]
        assert [run.id for run in view.latest][:2] == [12, 11]
        assert view.flaky_counts == {Suggestion.QUARANTINE: 1, Suggestion.FIX: 1}
        assert (view.heals.total, view.heals.accepted, view.heals.success_rate) == (4, 2, 0.5)
        assert [(c.name, c.count, round(c.share, 3)) for c in view.classes] == [
            ("timing", 6, 0.545),
            ("locator_drift", 5, 0.455),
        ]
        assert [(t.nodeid, t.results, t.mean_seconds) for t in view.slowest] == [
            ("t/test_shop.py::test_flaky", 12, 3.0),
            ("t/test_shop.py::test_stable", 12, 2.0),
            ("t/test_shop.py::test_broken", 12, 1.0),
        ]

    async def test_a_short_window_leaves_older_runs_out(self, hub_database: HubDatabase) -> None:
        await seed_history(hub_database, runs=12)

        async with hub_database.session() as session:
            view = await report.overview(session, days=3, now=NOW, runs=30)

        assert view.window.since.isoformat() == "2026-11-24T00:00:00+00:00"
        assert view.totals.runs == 3
        assert [(c.name, c.count) for c in view.classes] == [("locator_drift", 3), ("timing", 2)]

    async def test_an_empty_store(self, hub_database: HubDatabase) -> None:
        async with hub_database.session() as session:
            view = await report.overview(session, days=7, now=NOW, runs=30)

        assert (view.totals.runs, view.totals.pass_rate, view.classes) == (0, None, [])
        assert (view.heals.total, view.heals.success_rate, view.flaky_counts) == (0, None, {})
        assert len(view.points) == 7


async def test_flaky_report_ranks_tests(hub_database: HubDatabase) -> None:
    await seed_history(hub_database, runs=12)

    async with hub_database.session() as session:
        view = await report.flaky(session, runs=30)
        last_four = await report.flaky(session, runs=4)

    assert view.assessed == 4
    assert [(t.nodeid, t.suggestion, t.flips) for t in view.tests] == [
        ("t/test_shop.py::test_flaky", Suggestion.QUARANTINE, 11),
        ("t/test_shop.py::test_broken", Suggestion.FIX, 1),
    ]
    assert view.tests[0].outcomes == ("passed", "failed") * 6
    # Over four runs the flaky test has too few results for quarantine; the broken one failed 4x.
    assert [(t.nodeid, t.suggestion) for t in last_four.tests] == [
        ("t/test_shop.py::test_flaky", Suggestion.WATCH),
    ]


class TestHealLedger:
    async def test_counts_and_lists_heals(self, hub_database: HubDatabase) -> None:
        await seed_history(hub_database, runs=12)
        await add_run(
            hub_database,
            [result("t::x")],
            at=NOW - timedelta(days=40),
            heals=[heal("applied", score=0.9)],
        )

        async with hub_database.session() as session:
            ledger = await report.heal_ledger(session, days=30, now=NOW, status=None, limit=10)
            refused = await report.heal_ledger(
                session, days=30, now=NOW, status=HealStatus.REFUSED, limit=10
            )
            year = await report.heal_ledger(session, days=365, now=NOW, status=None, limit=10)

        assert [(c.status, c.count, c.mean_score) for c in ledger.summary.counts] == [
            ("healed", 2, pytest.approx(0.8)),
            ("refused", 2, None),
        ]
        # Newest first: the last run's heals, the later-recorded one first.
        assert [(h.run_id, h.status, h.patch is not None) for h in ledger.heals] == [
            (12, "refused", False),
            (12, "healed", True),
            (11, "refused", False),
            (11, "healed", True),
        ]
        assert [h.status for h in refused.heals] == ["refused", "refused"]
        assert refused.status == "refused"
        assert (year.summary.total, year.summary.accepted) == (5, 3)


async def test_failure_report_keeps_examples_per_class(hub_database: HubDatabase) -> None:
    await seed_history(hub_database, runs=12)

    async with hub_database.session() as session:
        view = await report.failure_report(session, days=14, now=NOW, per_class=2)

    assert [c.name for c in view.classes] == ["timing", "locator_drift"]
    assert view.classes[0].description == "something took longer than the timeout"
    assert [(f.run_id, f.nodeid) for f in view.recent["timing"]] == [
        (12, "t/test_shop.py::test_flaky"),
        (10, "t/test_shop.py::test_flaky"),
    ]
    assert [f.run_id for f in view.recent["locator_drift"]] == [12, 11]
    assert view.recent["locator_drift"][0].explanation == "the locator matched nothing"


async def test_run_detail(hub_database: HubDatabase) -> None:
    ids = await seed_history(hub_database, runs=12)

    async with hub_database.session() as session:
        detail = await report.run_detail(session, ids[-1])
        missing = await report.run_detail(session, 999)

    assert missing is None
    assert detail is not None
    assert detail.counts == {"passed": 1, "failed": 1, "error": 1, "skipped": 1}
    assert [r.nodeid for r in detail.run.results][:2] == [
        "t/test_shop.py::test_stable",
        "t/test_shop.py::test_flaky",
    ]
    assert [h.status for h in detail.heals] == ["healed", "refused"]


async def test_recorded_totals(hub_database: HubDatabase) -> None:
    async with hub_database.session() as session:
        empty = await queries.recorded_totals(session)
    await seed_history(hub_database, runs=12)

    async with hub_database.session() as session:
        totals = await queries.recorded_totals(session)

    assert (empty.runs, empty.tests, empty.last_run_at) == ({}, {}, None)
    assert totals.runs == {"passed": 4, "failed": 8}
    assert totals.tests == {"passed": 25, "failed": 6, "error": 5, "skipped": 12}
    assert totals.failures == {"timing": 6, "locator_drift": 5}
    assert totals.heals == {"healed": 2, "refused": 2}
    assert totals.last_run_at == NOW - timedelta(hours=1)


async def test_llm_usage_in_the_window(hub_database: HubDatabase) -> None:
    def call(provider: str, *, ok: bool = True, days_ago: int = 0) -> LlmCall:
        return LlmCall(
            created_at=NOW - timedelta(days=days_ago),
            provider=provider,
            model="m",
            purpose="plan",
            ok=ok,
            input_tokens=100,
            output_tokens=20,
            cost_usd=0.0015,
            duration_seconds=1.0,
        )

    async with hub_database.session() as session:
        session.add_all(
            [
                call("openai"),
                call("openai", ok=False),
                call("anthropic"),
                call("ollama", days_ago=30),
            ]
        )

    async with hub_database.session() as session:
        view = await report.overview(session, days=7, now=NOW, runs=30)

    assert [(u.provider, u.calls, u.failed, u.input_tokens, u.output_tokens) for u in view.llm] == [
        ("anthropic", 1, 0, 100, 20),
        ("openai", 2, 1, 200, 40),
    ]
    assert view.llm[1].cost_usd == pytest.approx(0.003)
