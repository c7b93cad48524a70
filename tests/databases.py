"""Test databases built by the real migrations: one migrated template per backend and xdist
worker, then a cheap clone per test (file copy on SQLite, CREATE DATABASE ... TEMPLATE on
PostgreSQL)."""

from __future__ import annotations

import asyncio
import itertools
import os
import shutil
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import asyncpg

from shop.db.migrate import upgrade_to_head

PG_ADMIN_DSN = os.environ.get("SHOP_TEST_PG_DSN", "postgresql://postgres@127.0.0.1:5432/postgres")
_counter = itertools.count()


def pg_url(name: str) -> str:
    base = PG_ADMIN_DSN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://", 1)
    return f"{base}/{name}"


T = TypeVar("T")


def run_outside_loop(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine to completion from sync code, even while a test's loop is running."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


async def _execute(*statements: str) -> None:
    connection = await asyncpg.connect(PG_ADMIN_DSN)
    try:
        for statement in statements:
            await connection.execute(statement)
    finally:
        await connection.close()


async def _ping() -> bool:
    try:
        connection = await asyncpg.connect(PG_ADMIN_DSN, timeout=3)
    except (OSError, asyncpg.PostgresError):
        return False
    await connection.close()
    return True


def postgres_available() -> bool:
    return run_outside_loop(_ping())


class SqliteTemplate:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.template = directory / "template.db"

    def build(self) -> None:
        upgrade_to_head(f"sqlite+aiosqlite:///{self.template}")

    def clone(self) -> str:
        target = self.directory / f"test_{next(_counter)}.db"
        shutil.copyfile(self.template, target)
        return f"sqlite+aiosqlite:///{target}"

    def drop(self, url: str) -> None:
        path = Path(url.removeprefix("sqlite+aiosqlite:///"))
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)


class PostgresTemplate:
    def __init__(self, worker: str) -> None:
        self.prefix = f"shoptest_{worker}_{os.getpid()}"
        self.template = f"{self.prefix}_tpl"
        self._dropper = ThreadPoolExecutor(max_workers=1, thread_name_prefix="pg-drop")

    def _admin(self, *statements: str) -> None:
        run_outside_loop(_execute(*statements))

    def build(self) -> None:
        self._admin(
            f'DROP DATABASE IF EXISTS "{self.template}" WITH (FORCE)',
            f'CREATE DATABASE "{self.template}"',
        )
        upgrade_to_head(pg_url(self.template))

    def clone(self) -> str:
        name = f"{self.prefix}_{next(_counter)}"
        self._admin(f'CREATE DATABASE "{name}" TEMPLATE "{self.template}" STRATEGY FILE_COPY')
        return pg_url(name)

    def drop(self, url: str) -> None:
        name = url.rsplit("/", 1)[1]
        self._admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def destroy(self) -> None:
        self._admin(f'DROP DATABASE IF EXISTS "{self.template}" WITH (FORCE)')
