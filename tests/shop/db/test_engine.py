from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import text

from shop.config import Settings
from shop.db.engine import create_engine
from shop.db.session import Database


@pytest.fixture
async def sqlite_url(tmp_path: Path) -> str:
    url = f"sqlite+aiosqlite:///{tmp_path / 'engine.db'}"
    engine = create_engine(url)
    async with engine.begin() as connection:
        await connection.execute(text("CREATE TABLE counter (id INTEGER PRIMARY KEY, n INTEGER)"))
        await connection.execute(text("INSERT INTO counter VALUES (1, 0)"))
    await engine.dispose()
    return url


class TestSqliteEngine:
    async def test_pragmas(self, sqlite_url: str) -> None:
        engine = create_engine(sqlite_url)
        async with engine.connect() as connection:
            journal = (await connection.execute(text("PRAGMA journal_mode"))).scalar()
            foreign_keys = (await connection.execute(text("PRAGMA foreign_keys"))).scalar()
            busy = (await connection.execute(text("PRAGMA busy_timeout"))).scalar()
        await engine.dispose()
        assert (journal, foreign_keys, busy) == ("wal", 1, 10_000)

    async def test_concurrent_read_modify_write_never_fails_with_locked(
        self, sqlite_url: str
    ) -> None:
        """Deferred transactions that read then write fail with "database is locked" under
        contention; IMMEDIATE ones queue. 20 concurrent increments must all land."""
        engine = create_engine(sqlite_url, pool_size=20)

        async def increment() -> None:
            async with engine.begin() as connection:
                n = (await connection.execute(text("SELECT n FROM counter"))).scalar_one()
                await asyncio.sleep(0.001)
                await connection.execute(text("UPDATE counter SET n = :n"), {"n": n + 1})

        await asyncio.gather(*(increment() for _ in range(20)))
        async with engine.connect() as connection:
            total = (await connection.execute(text("SELECT n FROM counter"))).scalar_one()
        await engine.dispose()
        assert total == 20


class TestDatabase:
    async def test_reads_go_to_the_replica_url(self, tmp_path: Path, sqlite_url: str) -> None:
        replica_path = tmp_path / "replica.db"
        replica_path.write_bytes(Path(sqlite_url.removeprefix("sqlite+aiosqlite:///")).read_bytes())
        replica_url = f"sqlite+aiosqlite:///{replica_path}"
        database = Database(
            Settings(var_dir=tmp_path, database_url=sqlite_url, database_read_url=replica_url)
        )
        async with database.transaction() as session:
            await session.execute(text("UPDATE counter SET n = 42"))
        async with database.read() as session:
            on_replica = (await session.execute(text("SELECT n FROM counter"))).scalar_one()
        await database.dispose()
        # The write went to the primary only, so the replica still shows the old value.
        assert on_replica == 0

    async def test_transaction_rolls_back_on_error(self, tmp_path: Path, sqlite_url: str) -> None:
        database = Database(Settings(var_dir=tmp_path, database_url=sqlite_url))

        async def failing_unit_of_work() -> None:
            async with database.transaction() as session:
                await session.execute(text("UPDATE counter SET n = 7"))
                raise RuntimeError("boom")

        with pytest.raises(RuntimeError):
            await failing_unit_of_work()
        async with database.read() as session:
            value = (await session.execute(text("SELECT n FROM counter"))).scalar_one()
        await database.dispose()
        assert value == 0
