"""The issue's "process killed between order commit and email send -> the email goes out after
restart", with a real process killed by SIGKILL."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select

from shop.config import PROJECT_ROOT, Settings
from shop.db.session import Database
from shop.jobs.registry import load_all
from shop.jobs.repository import LEASE_EXPIRED
from shop.jobs.runner import DEFAULT_LEASE, Worker
from shop.kit.clock import utcnow
from shop.models.jobs import OutboxJob
from tests.shop.mail.test_tasks import sent


async def run_until_killed(database_url: str, var_dir: Path, mode: str, *, wait_for: str) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHOP_")}
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.shop.mail.mail_then_die",
        database_url,
        str(var_dir),
        mode,
        cwd=PROJECT_ROOT,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    assert process.stdout is not None
    try:
        async with asyncio.timeout(60):
            while (line := (await process.stdout.readline()).decode().strip()) != wait_for:
                if not line and process.returncode is not None:
                    break
    finally:
        process.send_signal(signal.SIGKILL)
        await process.wait()
        assert process.stderr is not None
        errors = (await process.stderr.read()).decode()
    assert process.returncode == -signal.SIGKILL, errors


async def the_job(database: Database) -> OutboxJob:
    async with database.read() as session:
        [job] = list(await session.scalars(select(OutboxJob)))
        session.expunge_all()
    return job


class TestProcessKilled:
    async def test_killed_after_commit_mail_goes_out_after_restart(
        self, database: Database, database_url: str, app_settings: Settings, tmp_path: Path
    ) -> None:
        await run_until_killed(
            database_url, tmp_path / "child", "after-commit", wait_for="committed"
        )
        assert (await the_job(database)).attempts == 0
        assert sent(app_settings.mail_dir) == []

        worker = Worker(database, app_settings, registry=load_all())
        assert await worker.run_once() == 1
        assert await worker.run_once() == 0

        [message] = sent(app_settings.mail_dir)
        assert message["Subject"] == "Order SW-1001 confirmed"
        assert (await the_job(database)).done_at is not None

    async def test_killed_while_sending_mail_goes_out_once_its_lease_expires(
        self, database: Database, database_url: str, app_settings: Settings, tmp_path: Path
    ) -> None:
        await run_until_killed(database_url, tmp_path / "child", "during-send", wait_for="sending")
        job = await the_job(database)
        assert (job.attempts, job.done_at) == (1, None)

        now = Worker(database, app_settings, registry=load_all())
        assert await now.run_once() == 0  # its lease still holds
        later = Worker(
            database,
            app_settings,
            registry=load_all(),
            clock=lambda: utcnow() + DEFAULT_LEASE + timedelta(seconds=1),
        )
        assert await later.run_once() == 1
        assert await later.run_once() == 0

        assert len(sent(app_settings.mail_dir)) == 1
        job = await the_job(database)
        assert (job.attempts, job.last_error) == (2, LEASE_EXPIRED)
        assert job.done_at is not None
