"""The outbox: side effects written in the caller's transaction, run by the worker after commit.

`enqueue` adds a row to the caller's unit of work. If that transaction rolls back the job never
existed; once it commits the job survives any crash until a worker has run it. Delivery is at
least once: a handler may run again after a crash, so handlers are idempotent.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from shop.integrations.mail.base import mask_addresses
from shop.jobs import repository
from shop.jobs.repository import ClaimedJob
from shop.kit.clock import utcnow
from shop.models.jobs import OutboxJob

MAX_ATTEMPTS = 8
BACKOFF_BASE = timedelta(seconds=30)
BACKOFF_CAP = timedelta(hours=1)
MAX_ERROR_LENGTH = 1000
_TOPIC = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$")
_URL_CREDENTIALS = re.compile(r"(://)[^/@\s]+@")


async def enqueue(
    session: AsyncSession,
    topic: str,
    payload: dict[str, Any],
    *,
    run_after: datetime | None = None,
) -> None:
    """Schedule `topic` with `payload` (JSON) to run after the caller's transaction commits."""
    if len(topic) > 60 or not _TOPIC.match(topic):
        raise ValueError(f"job topic {topic!r} is not like 'feature.action' (max 60 characters)")
    # Fail in the caller, not in the worker hours later, when the payload is not JSON.
    json.dumps(payload)
    if run_after is not None and run_after.tzinfo is None:
        raise ValueError("run_after must be timezone-aware")
    now = utcnow()
    repository.add_job(session, topic=topic, payload=payload, now=now, run_after=run_after or now)


def retry_delay(attempt: int) -> timedelta:
    """30 s, 1 min, 2 min ... capped at an hour: 8 attempts span about an hour."""
    delay: timedelta = BACKOFF_BASE * (2 ** min(max(attempt - 1, 0), 20))
    return min(delay, BACKOFF_CAP)


def describe_error(exc: BaseException) -> str:
    """What is stored as `last_error`: type and message, without credentials or addresses."""
    text = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    text = mask_addresses(_URL_CREDENTIALS.sub(r"\1***@", text))
    return text[:MAX_ERROR_LENGTH]


async def has_due_jobs(session: AsyncSession, *, now: datetime, max_attempts: int) -> bool:
    return await repository.has_due(session, now=now, max_attempts=max_attempts)


async def claim_due_jobs(
    session: AsyncSession, *, now: datetime, lease: timedelta, limit: int, max_attempts: int
) -> list[ClaimedJob]:
    return await repository.claim_due(
        session, now=now, lease_until=now + lease, limit=limit, max_attempts=max_attempts
    )


async def complete(session: AsyncSession, job: ClaimedJob, *, now: datetime) -> None:
    await repository.mark_done(session, job.id, now=now)


async def record_failure(
    session: AsyncSession,
    job: ClaimedJob,
    *,
    error: str,
    now: datetime,
    max_attempts: int,
    permanent: bool = False,
) -> datetime | None:
    """Store the error and schedule the next attempt; returns when it is due, or None when
    the job stops retrying: it then stays (done_at NULL, attempts >= max) until re-queued."""
    stop = permanent or job.attempt >= max_attempts
    retry_at = now + retry_delay(job.attempt)
    await repository.mark_failed(
        session,
        job.id,
        attempt=job.attempt,
        error=error,
        run_after=retry_at,
        stop_at_attempts=max_attempts if stop else None,
    )
    return None if stop else retry_at


async def requeue(
    session: AsyncSession,
    *,
    job_ids: Sequence[int] | None = None,
    max_attempts: int = MAX_ATTEMPTS,
) -> int:
    """Run stopped jobs again with fresh attempts (all stopped jobs, or the given ones)."""
    return await repository.requeue(
        session, job_ids=job_ids, max_attempts=max_attempts, now=utcnow()
    )


async def stopped_jobs(
    session: AsyncSession, *, max_attempts: int = MAX_ATTEMPTS, limit: int = 100
) -> list[OutboxJob]:
    return await repository.stopped_jobs(session, max_attempts=max_attempts, limit=limit)


async def purge_done(session: AsyncSession, *, older_than: timedelta) -> int:
    return await repository.delete_done_before(session, before=utcnow() - older_than)


async def job_counts(session: AsyncSession, *, max_attempts: int = MAX_ATTEMPTS) -> dict[str, int]:
    """Jobs by state (due, scheduled, running, stopped, done): for health pages and metrics."""
    return await repository.count_by_state(session, now=utcnow(), max_attempts=max_attempts)
