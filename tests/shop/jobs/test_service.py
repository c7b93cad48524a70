from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from shop.db.session import Database
from shop.jobs import service
from shop.models.jobs import OutboxJob
from tests.builders.accounts import FrozenClock
from tests.shop.jobs.conftest import TOPIC


async def all_jobs(database: Database) -> list[OutboxJob]:
    async with database.read() as session:
        jobs = list(await session.scalars(select(OutboxJob).order_by(OutboxJob.id)))
        session.expunge_all()  # keep the loaded values after the read session ends
    return jobs


async def enqueue_flush_then_fail(database: Database) -> None:
    async with database.transaction() as session:
        await service.enqueue(session, TOPIC, {"key": "a"})
        await session.flush()
        raise RuntimeError("the order failed after the job was written")


class TestEnqueue:
    async def test_committed_job_is_stored(self, database: Database, clock: FrozenClock) -> None:
        async with database.transaction() as session:
            await service.enqueue(session, TOPIC, {"key": "a", "n": [1, 2]})

        [job] = await all_jobs(database)
        assert (job.topic, job.payload, job.attempts) == (TOPIC, {"key": "a", "n": [1, 2]}, 0)
        assert (job.created_at, job.run_after) == (clock.now, clock.now)
        assert (job.locked_until, job.done_at, job.last_error) == (None, None, None)

    async def test_rolled_back_transaction_leaves_no_job(self, database: Database) -> None:
        with pytest.raises(RuntimeError):
            await enqueue_flush_then_fail(database)

        assert await all_jobs(database) == []

    async def test_run_after_is_kept(self, database: Database, clock: FrozenClock) -> None:
        later = clock.now + timedelta(hours=2)
        async with database.transaction() as session:
            await service.enqueue(session, TOPIC, {"key": "a"}, run_after=later)

        [job] = await all_jobs(database)
        assert job.run_after == later

    @pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
    @pytest.mark.parametrize("topic", ["", "mail", "Mail.Send", "mail.", "a." + "b" * 60])
    async def test_rejects_a_topic_that_is_not_feature_dot_action(
        self, session: AsyncSession, topic: str
    ) -> None:
        with pytest.raises(ValueError, match="is not like 'feature.action'"):
            await service.enqueue(session, topic, {})
        assert list(session.new) == []

    @pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
    async def test_rejects_a_payload_that_is_not_json(self, session: AsyncSession) -> None:
        with pytest.raises(TypeError):
            await service.enqueue(session, TOPIC, {"when": datetime.now()})  # noqa: DTZ005
        assert list(session.new) == []

    @pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
    async def test_rejects_a_naive_run_after(self, session: AsyncSession) -> None:
        with pytest.raises(ValueError, match="timezone-aware"):
            await service.enqueue(
                session,
                TOPIC,
                {},
                run_after=datetime(2030, 1, 1),  # noqa: DTZ001
            )
        assert list(session.new) == []


class TestRetryDelay:
    def test_doubles_from_thirty_seconds_up_to_an_hour(self) -> None:
        delays = [service.retry_delay(attempt).total_seconds() for attempt in range(1, 10)]
        assert delays == [30, 60, 120, 240, 480, 960, 1920, 3600, 3600]

    def test_huge_attempt_counts_stay_at_the_cap(self) -> None:
        assert service.retry_delay(10_000) == timedelta(hours=1)


class TestDescribeError:
    def test_type_and_message(self) -> None:
        assert service.describe_error(ValueError("bad thing")) == "ValueError: bad thing"

    def test_type_alone_without_message(self) -> None:
        assert service.describe_error(TimeoutError()) == "TimeoutError"

    def test_hides_credentials_and_addresses(self) -> None:
        error = OSError("smtp://mailer:s3cret@mail.example.com:587 refused jane.doe@example.com")
        assert service.describe_error(error) == (
            "OSError: smtp://***@mail.example.com:587 refused j***@example.com"
        )

    def test_is_truncated(self) -> None:
        assert len(service.describe_error(RuntimeError("x" * 5000))) == service.MAX_ERROR_LENGTH


async def add_job(database: Database, **values: object) -> int:
    defaults: dict[str, object] = {
        "topic": TOPIC,
        "payload": {"key": "x"},
        "created_at": datetime.fromisoformat("2026-01-01T00:00:00+00:00"),
        "run_after": datetime.fromisoformat("2026-01-01T00:00:00+00:00"),
        "attempts": 0,
    }
    defaults.update(values)
    async with database.transaction() as session:
        job = OutboxJob(**defaults)
        session.add(job)
        await session.flush()
        return job.id


class TestRequeue:
    async def test_gives_stopped_jobs_fresh_attempts(
        self, database: Database, clock: FrozenClock
    ) -> None:
        stopped = await add_job(database, attempts=8, last_error="boom")
        retrying = await add_job(database, attempts=3)
        done = await add_job(database, attempts=8, done_at=clock.now)

        async with database.transaction() as session:
            assert await service.requeue(session) == 1

        jobs = {job.id: job for job in await all_jobs(database)}
        assert (jobs[stopped].attempts, jobs[stopped].run_after) == (0, clock.now)
        assert jobs[stopped].last_error == "boom"  # kept for the record
        assert (jobs[retrying].attempts, jobs[done].attempts) == (3, 8)

    async def test_given_ids_only(self, database: Database, clock: FrozenClock) -> None:
        first = await add_job(database, attempts=8)
        second = await add_job(database, attempts=8)

        async with database.transaction() as session:
            assert await service.requeue(session, job_ids=[second]) == 1

        jobs = {job.id: job.attempts for job in await all_jobs(database)}
        assert jobs == {first: 8, second: 0}


class TestStoppedJobs:
    async def test_lists_jobs_out_of_attempts(self, database: Database) -> None:
        stopped = await add_job(database, attempts=8, last_error="boom")
        await add_job(database, attempts=2)

        async with database.read() as session:
            jobs = await service.stopped_jobs(session)
            session.expunge_all()

        assert [(job.id, job.last_error) for job in jobs] == [(stopped, "boom")]


class TestPurgeDone:
    async def test_removes_finished_jobs_older_than_the_limit(
        self, database: Database, clock: FrozenClock
    ) -> None:
        old = await add_job(database, done_at=clock.now - timedelta(days=8))
        recent = await add_job(database, done_at=clock.now - timedelta(days=6))
        pending = await add_job(database, created_at=clock.now - timedelta(days=30))

        async with database.transaction() as session:
            assert await service.purge_done(session, older_than=timedelta(days=7)) == 1

        assert [job.id for job in await all_jobs(database)] == [recent, pending]
        assert old not in [job.id for job in await all_jobs(database)]


class TestJobCounts:
    async def test_counts_every_state(self, database: Database, clock: FrozenClock) -> None:
        await add_job(database, run_after=clock.now - timedelta(seconds=1))
        await add_job(database, run_after=clock.now + timedelta(minutes=5))
        await add_job(database, attempts=1, locked_until=clock.now + timedelta(minutes=1))
        await add_job(database, attempts=8)
        await add_job(database, attempts=1, done_at=clock.now)
        await add_job(database, attempts=1, done_at=clock.now)

        async with database.read() as session:
            counts = await service.job_counts(session)

        assert counts == {"due": 1, "scheduled": 1, "running": 1, "stopped": 1, "done": 2}
