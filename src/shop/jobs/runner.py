"""The worker: claims due outbox jobs, runs their handlers, and runs periodic tasks.

Each job is claimed in one short transaction (a lease: `locked_until`), run with no transaction
open, then marked done (or failed, with backoff) in another. A worker that dies leaves a lease
that runs out, and the job is run again: at least once, never lost.

Entry points: `run_worker` (the `shop worker` process and the in-process worker of
`shop run --role all`), `in_process_worker` (for the app lifespan) and `run_worker_process`
(a blocking call that handles SIGTERM/SIGINT, for the CLI).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import time
from collections.abc import AsyncIterator, Callable, Sequence
from datetime import datetime, timedelta

from shop.config import Settings
from shop.db.session import Database
from shop.integrations.mail import build_mail_sender
from shop.integrations.mail.base import MailSender
from shop.jobs import service
from shop.jobs.registry import JobContext, PermanentJobError, Registry, load_all, registry
from shop.jobs.repository import ClaimedJob
from shop.kit.clock import utcnow
from shop.observability import metrics

log = logging.getLogger(__name__)

DEFAULT_LEASE = timedelta(minutes=2)
DEFAULT_BATCH_SIZE = 10
SHUTDOWN_GRACE_SECONDS = 30.0


class UnknownTopicError(Exception):
    """No handler is registered for the topic (yet: an older worker during a rolling deploy)."""


class Worker:
    def __init__(
        self,
        database: Database,
        settings: Settings,
        *,
        registry: Registry = registry,
        mail_sender: MailSender | None = None,
        batch_size: int = DEFAULT_BATCH_SIZE,
        lease: timedelta = DEFAULT_LEASE,
        max_attempts: int = service.MAX_ATTEMPTS,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        if batch_size < 1 or max_attempts < 1 or lease <= timedelta(0):
            raise ValueError("batch_size, max_attempts and lease must be positive")
        self.database = database
        self.settings = settings
        self.registry = registry
        self.batch_size = batch_size
        self.lease = lease
        # Well inside the lease, so that a live worker's job is never taken by another.
        self.handler_timeout = lease.total_seconds() / 2
        self.max_attempts = max_attempts
        self.clock = clock
        self.context = JobContext(
            database=database,
            settings=settings,
            mail_sender=mail_sender or build_mail_sender(settings),
        )
        self._next_periodic: dict[str, float] = {}

    async def run_once(self) -> int:
        """Claim one batch of due jobs and run them; returns how many were claimed."""
        now = self.clock()
        # A cheap read first: an idle worker never takes SQLite's write lock.
        async with self.database.read() as session:
            if not await service.has_due_jobs(session, now=now, max_attempts=self.max_attempts):
                return 0
        async with self.database.transaction() as session:
            jobs = await service.claim_due_jobs(
                session,
                now=now,
                lease=self.lease,
                limit=self.batch_size,
                max_attempts=self.max_attempts,
            )
        outcomes = await asyncio.gather(*(self._run(job) for job in jobs), return_exceptions=True)
        for job, outcome in zip(jobs, outcomes, strict=True):
            if isinstance(outcome, BaseException):
                # The outcome could not be recorded (database gone?): the lease runs out and
                # the job runs again.
                log.error("job %s (%s): outcome not recorded: %r", job.id, job.topic, outcome)
        return len(jobs)

    async def _run(self, job: ClaimedJob) -> None:
        handler = self.registry.handlers.get(job.topic)
        started = time.monotonic()
        try:
            if handler is None:
                raise UnknownTopicError(f"no handler is registered for {job.topic!r}")
            async with asyncio.timeout(self.handler_timeout):
                await handler(self.context, job.payload)
        except Exception as exc:
            metrics.observe_job(job.topic, seconds=time.monotonic() - started, failed=True)
            error = service.describe_error(exc)
            async with self.database.transaction() as session:
                retry_at = await service.record_failure(
                    session,
                    job,
                    error=error,
                    now=self.clock(),
                    max_attempts=self.max_attempts,
                    permanent=isinstance(exc, PermanentJobError),
                )
            log.warning(
                "job %s (%s) attempt %d failed: %s; %s",
                job.id,
                job.topic,
                job.attempt,
                error,
                "no more retries" if retry_at is None else f"retry at {retry_at.isoformat()}",
            )
            return
        metrics.observe_job(job.topic, seconds=time.monotonic() - started, failed=False)
        async with self.database.transaction() as session:
            await service.complete(session, job, now=self.clock())
        log.info(
            "job %s (%s) done in %.0f ms (attempt %d)",
            job.id,
            job.topic,
            (time.monotonic() - started) * 1000,
            job.attempt,
        )

    async def run_periodic(self, *, force: bool = False) -> list[str]:
        """Run the periodic tasks that are due (all with `force`); returns their names.

        Every worker process keeps its own schedule, so with several workers a task runs more
        often than its interval: periodic tasks must be idempotent and cheap to repeat."""
        ran = []
        for task in list(self.registry.periodic.values()):
            now = time.monotonic()
            if not force and now < self._next_periodic.get(task.name, 0.0):
                continue
            self._next_periodic[task.name] = now + task.every.total_seconds()
            try:
                await task.function(self.context)
            except Exception:
                log.exception("periodic task %s failed; next run in %s", task.name, task.every)
            ran.append(task.name)
        return ran

    async def run_forever(self, stop: asyncio.Event) -> None:
        """Poll until `stop` is set. A batch in progress finishes before it returns."""
        poll = self.settings.worker_poll_seconds
        while not stop.is_set():
            processed = 0
            try:
                await self.run_periodic()
                processed = await self.run_once()
            except Exception:
                # The database may be down for a moment; leases make any lost marks harmless.
                log.exception("worker loop failed; trying again in %.1f s", poll)
            if processed < self.batch_size:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), timeout=poll)


async def run_worker(database: Database, settings: Settings, stop: asyncio.Event) -> None:
    """Run background work until `stop` is set: `shop worker`, or in-process with the app."""
    await _start(database, settings).run_forever(stop)
    log.info("worker stopped")


def _start(database: Database, settings: Settings) -> Worker:
    # Built before any task starts, so that a bad setting (SHOP_SMTP_URL) fails the start-up.
    worker = Worker(database, settings, registry=load_all())
    metrics.initialize_job_series(worker.registry.handlers)
    log.info(
        "worker started: %d topics, %d periodic tasks",
        len(worker.registry.handlers),
        len(worker.registry.periodic),
    )
    return worker


@contextlib.asynccontextmanager
async def in_process_worker(database: Database, settings: Settings) -> AsyncIterator[None]:
    """For the app lifespan (inside the block that owns `database`): the worker runs as a task
    while the block is open and finishes its batch when the block closes."""
    worker = _start(database, settings)
    stop = asyncio.Event()
    task = asyncio.create_task(worker.run_forever(stop), name="shop-worker")
    try:
        yield
    finally:
        stop.set()
        try:
            await asyncio.wait_for(task, timeout=SHUTDOWN_GRACE_SECONDS)
        except TimeoutError:
            log.warning(
                "worker did not stop within %.0f s; its leases will expire",
                SHUTDOWN_GRACE_SECONDS,
            )
        log.info("worker stopped")


DatabaseExtension = Callable[[Database, Settings], contextlib.AbstractAsyncContextManager[object]]


def run_worker_process(settings: Settings, extensions: Sequence[DatabaseExtension] = ()) -> None:
    """Blocking: the `shop worker` command. SIGTERM or SIGINT stops it after the current batch.
    `extensions` wrap the worker's database (e.g. to announce catalog changes to the web
    processes)."""

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stop.set)
        database = Database(settings)
        try:
            async with contextlib.AsyncExitStack() as stack:
                for extension in extensions:
                    await stack.enter_async_context(extension(database, settings))
                await run_worker(database, settings, stop)
        finally:
            await database.dispose()

    asyncio.run(main())
