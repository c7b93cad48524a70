"""Every SQL statement of the outbox."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    FromClause,
    Table,
    and_,
    case,
    delete,
    func,
    literal,
    or_,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession

from shop.models.jobs import OutboxJob

_jobs = cast(Table, OutboxJob.__table__)

LEASE_EXPIRED = "the previous run did not finish before its lease expired (worker stopped?)"


@dataclass(frozen=True, slots=True)
class ClaimedJob:
    id: int
    topic: str
    payload: dict[str, Any]
    attempt: int  # 1 for the first run; also the fencing token of this claim


def add_job(
    session: AsyncSession,
    *,
    topic: str,
    payload: dict[str, Any],
    now: datetime,
    run_after: datetime,
) -> OutboxJob:
    job = OutboxJob(topic=topic, payload=payload, created_at=now, run_after=run_after, attempts=0)
    session.add(job)
    return job


def _due(jobs: FromClause, now: datetime, max_attempts: int) -> ColumnElement[bool]:
    return and_(
        jobs.c.done_at.is_(None),
        jobs.c.run_after <= now,
        jobs.c.attempts < max_attempts,
        or_(jobs.c.locked_until.is_(None), jobs.c.locked_until < now),
    )


async def has_due(session: AsyncSession, *, now: datetime, max_attempts: int) -> bool:
    statement = select(_jobs.c.id).where(_due(_jobs, now, max_attempts)).limit(1)
    return await session.scalar(statement) is not None


async def claim_due(
    session: AsyncSession,
    *,
    now: datetime,
    lease_until: datetime,
    limit: int,
    max_attempts: int,
) -> list[ClaimedJob]:
    """Lease up to `limit` due jobs in one statement, oldest first.

    PostgreSQL: the candidate rows are locked with SKIP LOCKED, so concurrent workers pick
    disjoint sets without waiting. SQLite: the write transaction began IMMEDIATE, so there is
    one claimer at a time; the due condition is repeated in the UPDATE either way."""
    candidate = _jobs.alias("candidate")
    chosen = (
        select(candidate.c.id)
        .where(_due(candidate, now, max_attempts))
        .order_by(candidate.c.run_after, candidate.c.id)
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        chosen = chosen.with_for_update(skip_locked=True)
    # Materialized: as a plain IN (subquery) PostgreSQL may re-run the locking subquery while
    # updating, and its LIMIT then picks further rows (those just leased no longer qualify).
    candidates = chosen.cte("candidates").prefix_with("MATERIALIZED")
    statement = (
        update(_jobs)
        .where(_jobs.c.id.in_(select(candidates.c.id)), _due(_jobs, now, max_attempts))
        .values(
            locked_until=lease_until,
            attempts=_jobs.c.attempts + 1,
            # A lease that ran out means the last run died; say so where operators look.
            last_error=case(
                (_jobs.c.locked_until.is_not(None), literal(LEASE_EXPIRED)),
                else_=_jobs.c.last_error,
            ),
        )
        .returning(_jobs.c.id, _jobs.c.topic, _jobs.c.payload, _jobs.c.attempts)
    )
    rows = (await session.execute(statement)).all()
    claimed = [ClaimedJob(row.id, row.topic, row.payload, row.attempts) for row in rows]
    return sorted(claimed, key=lambda job: job.id)


async def mark_done(session: AsyncSession, job_id: int, *, now: datetime) -> bool:
    result = await session.execute(
        update(_jobs)
        .where(_jobs.c.id == job_id, _jobs.c.done_at.is_(None))
        .values(done_at=now, locked_until=None)
    )
    return _rowcount(result) == 1


async def mark_failed(
    session: AsyncSession,
    job_id: int,
    *,
    attempt: int,
    error: str,
    run_after: datetime,
    stop_at_attempts: int | None = None,
) -> bool:
    """Record a failure of the claim `attempt`. A newer claim (the lease ran out and another
    worker took the job) is left alone. `stop_at_attempts` ends the retries now."""
    values: dict[str, Any] = {"locked_until": None, "last_error": error, "run_after": run_after}
    if stop_at_attempts is not None:
        values["attempts"] = max(attempt, stop_at_attempts)
    result = await session.execute(
        update(_jobs)
        .where(_jobs.c.id == job_id, _jobs.c.attempts == attempt, _jobs.c.done_at.is_(None))
        .values(values)
    )
    return _rowcount(result) == 1


async def requeue(
    session: AsyncSession, *, job_ids: Sequence[int] | None, max_attempts: int, now: datetime
) -> int:
    """Give jobs that stopped retrying (or the given unfinished ones) a fresh set of attempts."""
    condition: ColumnElement[bool] = _jobs.c.done_at.is_(None)
    if job_ids is None:
        condition = and_(condition, _jobs.c.attempts >= max_attempts)
    else:
        condition = and_(condition, _jobs.c.id.in_(list(job_ids)))
    result = await session.execute(
        update(_jobs).where(condition).values(attempts=0, run_after=now, locked_until=None)
    )
    return _rowcount(result)


async def stopped_jobs(session: AsyncSession, *, max_attempts: int, limit: int) -> list[OutboxJob]:
    rows = await session.scalars(
        select(OutboxJob)
        .where(OutboxJob.done_at.is_(None), OutboxJob.attempts >= max_attempts)
        .order_by(OutboxJob.id)
        .limit(limit)
    )
    return list(rows)


async def delete_done_before(session: AsyncSession, *, before: datetime) -> int:
    result = await session.execute(
        delete(_jobs).where(_jobs.c.done_at.is_not(None), _jobs.c.done_at < before)
    )
    return _rowcount(result)


async def count_by_state(
    session: AsyncSession, *, now: datetime, max_attempts: int
) -> dict[str, int]:
    state = case(
        (_jobs.c.done_at.is_not(None), literal("done")),
        (_jobs.c.locked_until >= now, literal("running")),
        (_jobs.c.attempts >= max_attempts, literal("stopped")),
        (_jobs.c.run_after > now, literal("scheduled")),
        else_=literal("due"),
    )
    rows = await session.execute(select(state, func.count()).group_by(state))
    counts = dict.fromkeys(("due", "scheduled", "running", "stopped", "done"), 0)
    counts.update({str(name): int(total) for name, total in rows})
    return counts


def _rowcount(result: Any) -> int:
    return int(result.rowcount)
