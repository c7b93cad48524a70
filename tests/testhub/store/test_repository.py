from __future__ import annotations

from testhub.store import repository
from testhub.store.database import HubDatabase
from testhub.store.models import Heal, HealStatus, Outcome, Run, TestResult


async def test_runs_results_and_heals_round_trip(hub_database: HubDatabase) -> None:
    async with hub_database.session() as session:
        run = await repository.add_run(
            session, Run(base_url="http://shop", suite="tests/generated", passed=1, failed=1)
        )
        session.add_all(
            [
                TestResult(run_id=run.id, nodeid="t::a", outcome=Outcome.PASSED),
                TestResult(
                    run_id=run.id, nodeid="t::b", outcome=Outcome.FAILED,
                    failure_class="timing", console_errors=["boom"],
                ),
            ]
        )  # fmt: skip
        await repository.add_heals(
            session,
            [Heal(run_id=run.id, nodeid="t::b", test_file="t.py", step_key="k",
                  original_locator="x", status=HealStatus.REFUSED, reason="r")],
        )  # fmt: skip
        run_id = run.id

    async with hub_database.session() as session:
        stored = await repository.get_run(session, run_id)
        history = await repository.result_history(session)
        classes = await repository.failure_classes(session)
        heals = await repository.list_heals(session)

    assert stored is not None
    assert stored.started_at.tzinfo is not None
    assert [(r.nodeid, r.outcome, r.console_errors) for r in stored.results] == [
        ("t::a", "passed", []),
        ("t::b", "failed", ["boom"]),
    ]
    assert history == {"t::a": [Outcome.PASSED], "t::b": [Outcome.FAILED]}
    assert classes == [("timing", 1)]
    assert [(h.status, h.run_id) for h in heals] == [(HealStatus.REFUSED, run_id)]
