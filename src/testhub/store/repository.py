"""Every query of the hub database."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from testhub.store.models import Generation, Heal, HealStatus, LlmCall, Outcome, Run, TestResult


async def add_run(session: AsyncSession, run: Run) -> Run:
    session.add(run)
    await session.flush()
    return run


async def get_run(session: AsyncSession, run_id: int) -> Run | None:
    statement = select(Run).where(Run.id == run_id).options(selectinload(Run.results))
    return (await session.scalars(statement)).first()


async def latest_runs(session: AsyncSession, *, limit: int = 50) -> Sequence[Run]:
    statement = select(Run).order_by(Run.started_at.desc(), Run.id.desc()).limit(limit)
    return (await session.scalars(statement)).all()


async def runs_since(session: AsyncSession, since: datetime) -> Sequence[Run]:
    statement = select(Run).where(Run.started_at >= since).order_by(Run.started_at, Run.id)
    return (await session.scalars(statement)).all()


async def result_history(session: AsyncSession, *, runs: int = 30) -> dict[str, list[Outcome]]:
    """Each test's outcomes over the latest runs, oldest first (for flip rates)."""
    run_ids = (
        await session.scalars(
            select(Run.id).order_by(Run.started_at.desc(), Run.id.desc()).limit(runs)
        )
    ).all()
    if not run_ids:
        return {}
    statement = (
        select(TestResult.nodeid, TestResult.outcome)
        .where(TestResult.run_id.in_(run_ids))
        .order_by(TestResult.run_id, TestResult.id)
    )
    history: dict[str, list[Outcome]] = {}
    for nodeid, outcome in (await session.execute(statement)).all():
        history.setdefault(nodeid, []).append(Outcome(outcome))
    return history


async def failure_classes(session: AsyncSession, *, limit: int = 10) -> list[tuple[str, int]]:
    statement = (
        select(TestResult.failure_class, func.count())
        .where(TestResult.failure_class.is_not(None))
        .group_by(TestResult.failure_class)
        .order_by(func.count().desc(), TestResult.failure_class)
        .limit(limit)
    )
    return [(str(name), int(count)) for name, count in (await session.execute(statement)).all()]


async def add_heals(session: AsyncSession, heals: list[Heal]) -> None:
    session.add_all(heals)
    await session.flush()


async def list_heals(
    session: AsyncSession, *, status: HealStatus | None = None, limit: int = 100
) -> Sequence[Heal]:
    statement = select(Heal).order_by(Heal.created_at.desc(), Heal.id.desc()).limit(limit)
    if status is not None:
        statement = statement.where(Heal.status == status)
    return (await session.scalars(statement)).all()


async def get_heal(session: AsyncSession, heal_id: int) -> Heal | None:
    return await session.get(Heal, heal_id)


async def add_generation(session: AsyncSession, generation: Generation) -> None:
    session.add(generation)
    await session.flush()


async def add_llm_call(session: AsyncSession, call: LlmCall) -> None:
    session.add(call)
    await session.flush()


async def llm_usage(session: AsyncSession) -> list[dict[str, Any]]:
    statement = select(
        LlmCall.provider,
        func.count(),
        func.sum(LlmCall.input_tokens),
        func.sum(LlmCall.output_tokens),
        func.sum(LlmCall.cost_usd),
    ).group_by(LlmCall.provider)
    return [
        {
            "provider": provider,
            "calls": int(calls),
            "input_tokens": int(tokens_in or 0),
            "output_tokens": int(tokens_out or 0),
            "cost_usd": float(cost or 0),
        }
        for provider, calls, tokens_in, tokens_out, cost in (await session.execute(statement)).all()
    ]


async def generation_counts(session: AsyncSession) -> dict[str, int]:
    statement = select(Generation.ok, func.count()).group_by(Generation.ok)
    return {
        ("ok" if ok else "failed"): int(count)
        for ok, count in (await session.execute(statement)).all()
    }
