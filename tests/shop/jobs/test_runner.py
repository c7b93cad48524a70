from __future__ import annotations

import asyncio
import signal
import sys
from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr
from sqlalchemy import select

from shop.config import PROJECT_ROOT, Settings
from shop.db.session import Database
from shop.jobs import service
from shop.jobs.registry import JobContext, PermanentJobError, Registry
from shop.jobs.repository import LEASE_EXPIRED
from shop.jobs.runner import Worker, in_process_worker
from shop.mail import service as mail_service
from shop.models.jobs import OutboxJob
from tests.builders.accounts import FrozenClock
from tests.builders.mail import order_shipped_context
from tests.live import shop_env
from tests.shop.jobs.conftest import TOPIC, Recorder, WorkerFactory


async def enqueue(database: Database, *keys: str, topic: str = TOPIC) -> None:
    async with database.transaction() as session:
        for key in keys:
            await service.enqueue(session, topic, {"key": key})


async def enqueue_then_fail(database: Database) -> None:
    async with database.transaction() as session:
        await service.enqueue(session, TOPIC, {"key": "a"})
        raise RuntimeError("rolled back")


async def the_job(database: Database) -> OutboxJob:
    async with database.read() as session:
        jobs = list(await session.scalars(select(OutboxJob)))
        session.expunge_all()  # keep the loaded values after the read session ends
    assert len(jobs) == 1
    return jobs[0]


class TestRunOnce:
    async def test_committed_job_runs_once(
        self,
        database: Database,
        make_worker: WorkerFactory,
        recorder: Recorder,
        clock: FrozenClock,
    ) -> None:
        await enqueue(database, "a")
        worker = make_worker()

        assert await worker.run_once() == 1
        assert await worker.run_once() == 0

        assert recorder.runs == Counter({"a": 1})
        job = await the_job(database)
        assert (job.done_at, job.attempts, job.locked_until, job.last_error) == (
            clock.now,
            1,
            None,
            None,
        )

    async def test_job_of_a_rolled_back_transaction_never_runs(
        self, database: Database, make_worker: WorkerFactory, recorder: Recorder
    ) -> None:
        with pytest.raises(RuntimeError):
            await enqueue_then_fail(database)

        assert await make_worker().run_once() == 0
        assert recorder.runs == Counter()

    async def test_waits_until_run_after(
        self,
        database: Database,
        make_worker: WorkerFactory,
        recorder: Recorder,
        clock: FrozenClock,
    ) -> None:
        async with database.transaction() as session:
            await service.enqueue(
                session, TOPIC, {"key": "a"}, run_after=clock.now + timedelta(minutes=5)
            )
        worker = make_worker()

        assert await worker.run_once() == 0
        clock.advance(5 * 60)
        assert await worker.run_once() == 1
        assert recorder.runs == Counter({"a": 1})

    async def test_runs_a_batch_and_leaves_the_rest(
        self, database: Database, make_worker: WorkerFactory, recorder: Recorder
    ) -> None:
        await enqueue(database, "a", "b", "c")
        worker = make_worker(batch_size=2)

        assert await worker.run_once() == 2
        assert recorder.runs == Counter({"a": 1, "b": 1})
        assert await worker.run_once() == 1
        assert recorder.runs == Counter({"a": 1, "b": 1, "c": 1})

    async def test_failure_is_retried_with_backoff(
        self,
        database: Database,
        make_worker: WorkerFactory,
        recorder: Recorder,
        clock: FrozenClock,
    ) -> None:
        await enqueue(database, "a")
        recorder.failures = 2
        worker = make_worker()
        start = clock.now

        assert await worker.run_once() == 1
        job = await the_job(database)
        assert (job.attempts, job.last_error, job.done_at) == (1, "RuntimeError: boom", None)
        assert (job.run_after, job.locked_until) == (start + timedelta(seconds=30), None)

        clock.advance(29)
        assert await worker.run_once() == 0
        clock.advance(1)
        assert await worker.run_once() == 1
        job = await the_job(database)
        assert (job.attempts, job.run_after) == (2, clock.now + timedelta(seconds=60))

        clock.advance(60)
        assert await worker.run_once() == 1
        job = await the_job(database)
        assert (job.attempts, job.done_at, job.last_error) == (3, clock.now, "RuntimeError: boom")
        assert recorder.runs == Counter({"a": 1})

    async def test_stops_retrying_after_max_attempts_until_requeued(
        self,
        database: Database,
        make_worker: WorkerFactory,
        recorder: Recorder,
        clock: FrozenClock,
    ) -> None:
        await enqueue(database, "a")
        recorder.failures = 2
        worker = make_worker(max_attempts=2)

        assert await worker.run_once() == 1
        clock.advance(30)
        assert await worker.run_once() == 1
        clock.advance(24 * 3600)
        assert await worker.run_once() == 0
        job = await the_job(database)
        assert (job.attempts, job.done_at, job.last_error) == (2, None, "RuntimeError: boom")

        async with database.transaction() as session:
            assert await service.requeue(session, max_attempts=2) == 1
        assert await worker.run_once() == 1
        assert recorder.runs == Counter({"a": 1})

    async def test_permanent_error_stops_at_once(
        self,
        database: Database,
        make_worker: WorkerFactory,
        recorder: Recorder,
        clock: FrozenClock,
    ) -> None:
        await enqueue(database, "a")
        recorder.failures = 1
        recorder.error = PermanentJobError("payload has no recipient")
        worker = make_worker()

        assert await worker.run_once() == 1
        clock.advance(24 * 3600)
        assert await worker.run_once() == 0
        job = await the_job(database)
        assert (job.attempts, job.done_at) == (service.MAX_ATTEMPTS, None)
        assert job.last_error == "PermanentJobError: payload has no recipient"

    async def test_unknown_topic_is_retried(
        self, database: Database, make_worker: WorkerFactory, clock: FrozenClock
    ) -> None:
        await enqueue(database, "a", topic="test.nobody_listens")

        assert await make_worker().run_once() == 1
        job = await the_job(database)
        assert (job.attempts, job.done_at) == (1, None)
        assert job.last_error == (
            "UnknownTopicError: no handler is registered for 'test.nobody_listens'"
        )
        assert job.run_after == clock.now + timedelta(seconds=30)

    async def test_handler_running_past_half_the_lease_fails(
        self, database: Database, make_worker: WorkerFactory, recorder: Recorder
    ) -> None:
        await enqueue(database, "a")
        recorder.delay = 1.0
        worker = make_worker(lease=timedelta(seconds=0.2))

        assert await worker.run_once() == 1
        job = await the_job(database)
        assert (job.attempts, job.done_at, job.last_error) == (1, None, "TimeoutError")
        assert recorder.runs == Counter()

    async def test_lease_expiry_reruns_the_job_of_a_dead_worker(
        self,
        database: Database,
        make_worker: WorkerFactory,
        recorder: Recorder,
        clock: FrozenClock,
    ) -> None:
        await enqueue(database, "a")
        # A worker claims the job and dies before it can mark it.
        async with database.transaction() as session:
            [claimed] = await service.claim_due_jobs(
                session, now=clock.now, lease=timedelta(minutes=2), limit=10, max_attempts=8
            )
        worker = make_worker()

        assert await worker.run_once() == 0
        clock.advance(120)
        assert await worker.run_once() == 0  # the lease ends after, not at, locked_until
        clock.advance(1)
        assert await worker.run_once() == 1

        assert recorder.runs == Counter({"a": 1})
        job = await the_job(database)
        assert (claimed.attempt, job.attempts, job.done_at) == (1, 2, clock.now)
        assert job.last_error == LEASE_EXPIRED

    async def test_late_failure_of_a_stale_claim_changes_nothing(
        self, database: Database, clock: FrozenClock
    ) -> None:
        await enqueue(database, "a")
        lease = timedelta(minutes=2)
        async with database.transaction() as session:
            [stale] = await service.claim_due_jobs(
                session, now=clock.now, lease=lease, limit=10, max_attempts=8
            )
        clock.advance(121)
        async with database.transaction() as session:
            [current] = await service.claim_due_jobs(
                session, now=clock.now, lease=lease, limit=10, max_attempts=8
            )

        async with database.transaction() as session:
            await service.record_failure(
                session, stale, error="late", now=clock.now, max_attempts=8
            )

        job = await the_job(database)
        assert (current.attempt, job.attempts) == (2, 2)
        assert (job.locked_until, job.last_error) == (clock.now + lease, LEASE_EXPIRED)


class TestConcurrentWorkers:
    async def test_race_two_workers_never_run_the_same_job(
        self,
        database: Database,
        app_settings: Settings,
        make_worker: WorkerFactory,
        recorder: Recorder,
    ) -> None:
        keys = [f"job-{n}" for n in range(40)]
        await enqueue(database, *keys)
        recorder.delay = 0.005
        # Two processes' worth of workers: each with its own engine and connection pool.
        other = Database(app_settings)
        try:
            workers = [make_worker(batch_size=3), make_worker(batch_size=3, database=other)]
            claimed = Counter[int]()

            async def drain(index: int, worker: Worker) -> None:
                while (count := await worker.run_once()) > 0:
                    claimed[index] += count

            await asyncio.gather(*(drain(i, w) for i, w in enumerate(workers)))
        finally:
            await other.dispose()

        assert recorder.runs == Counter(dict.fromkeys(keys, 1))
        assert claimed[0] + claimed[1] == 40
        async with database.read() as session:
            undone = await session.scalar(select(OutboxJob.id).where(OutboxJob.done_at.is_(None)))
        assert undone is None


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)  # no jobs table involved
class TestRunPeriodic:
    async def test_runs_each_task_at_its_interval(
        self, database: Database, app_settings: Settings
    ) -> None:
        own = Registry()
        calls: list[str] = []

        @own.register_periodic("test.hourly", every=timedelta(hours=1))
        async def hourly(ctx: JobContext) -> None:
            calls.append("hourly")

        @own.register_periodic("test.broken", every=timedelta(hours=1))
        async def broken(ctx: JobContext) -> None:
            calls.append("broken")
            raise RuntimeError("periodic failure")

        worker = Worker(database, app_settings, registry=own)

        assert await worker.run_periodic() == ["test.hourly", "test.broken"]
        assert await worker.run_periodic() == []
        assert await worker.run_periodic(force=True) == ["test.hourly", "test.broken"]
        assert calls == ["hourly", "broken", "hourly", "broken"]


class TestRunForever:
    async def test_works_until_stopped(
        self, database: Database, make_worker: WorkerFactory, recorder: Recorder
    ) -> None:
        worker = make_worker()
        stop = asyncio.Event()
        task = asyncio.create_task(worker.run_forever(stop))
        await enqueue(database, "a", "b")

        async with asyncio.timeout(10):
            while sum(recorder.runs.values()) < 2:
                await recorder.ran.wait()
                recorder.ran.clear()
        stop.set()
        async with asyncio.timeout(5):
            await task

        assert recorder.runs == Counter({"a": 1, "b": 1})

    @pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
    async def test_survives_a_failing_database(
        self, app_settings: Settings, make_worker: WorkerFactory
    ) -> None:
        broken = Database(
            app_settings.model_copy(
                update={"database_url": "postgresql+asyncpg://nobody@127.0.0.1:1/none"}
            )
        )
        worker = make_worker(database=broken)
        stop = asyncio.Event()
        task = asyncio.create_task(worker.run_forever(stop))
        await asyncio.sleep(0.1)

        assert not task.done()
        stop.set()
        async with asyncio.timeout(5):
            await task
        await broken.dispose()


class TestWorkerOptions:
    @pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
    @pytest.mark.parametrize(
        "options",
        [{"batch_size": 0}, {"max_attempts": 0}, {"lease": timedelta(0)}],
    )
    def test_rejects_non_positive_values(
        self, database: Database, app_settings: Settings, options: dict[str, Any]
    ) -> None:
        with pytest.raises(ValueError, match="must be positive"):
            Worker(database, app_settings, **options)


async def enqueue_mail(database: Database) -> None:
    async with database.transaction() as session:
        await mail_service.enqueue_mail(
            session,
            to="jane@example.com",
            template="order_shipped",
            context=order_shipped_context(),
            message_id="order-SW-1001-shipped",
        )


async def wait_for_mail(mail_dir: Path, *, seconds: float = 30) -> None:
    # Another process (or task) writes the file: polling is all there is.
    async with asyncio.timeout(seconds):
        while not list(mail_dir.glob("*.eml")):  # noqa: ASYNC110
            await asyncio.sleep(0.05)


class TestInProcessWorker:
    async def test_runs_jobs_while_the_block_is_open(
        self, database: Database, app_settings: Settings
    ) -> None:
        settings = app_settings.model_copy(update={"worker_poll_seconds": 0.05})
        await enqueue_mail(database)

        async with in_process_worker(database, settings):
            await wait_for_mail(settings.mail_dir)

        async with database.read() as session:
            done = await session.scalar(select(OutboxJob.done_at))
        assert done is not None

    @pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
    async def test_a_bad_smtp_url_fails_the_start(
        self, database: Database, app_settings: Settings
    ) -> None:
        settings = app_settings.model_copy(
            update={"smtp_url": SecretStr("http://mail.example.com")}
        )

        with pytest.raises(ValueError, match="smtp://"):
            async with in_process_worker(database, settings):
                pass


class TestWorkerProcess:
    async def test_sends_mail_and_stops_on_sigterm(
        self, database: Database, database_url: str, app_settings: Settings
    ) -> None:
        await enqueue_mail(database)
        env = shop_env(database_url, app_settings.var_dir, SHOP_WORKER_POLL_SECONDS="0.1")
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            "from shop.config import get_settings\n"
            "from shop.jobs.runner import run_worker_process\n"
            "run_worker_process(get_settings())",
            cwd=PROJECT_ROOT,
            env=env,
            stderr=asyncio.subprocess.PIPE,
        )
        try:
            await wait_for_mail(app_settings.mail_dir)
        finally:
            process.send_signal(signal.SIGTERM)
            async with asyncio.timeout(30):
                _, errors = await process.communicate()

        assert process.returncode == 0, errors.decode()
        assert len(list(app_settings.mail_dir.glob("*.eml"))) == 1
