"""The sandbox provider's state: one SQLite file shared by every process that mounts the app.

A dict would not do: with `shop run --workers 2` each worker process mounts its own copy of the
sandbox, and a payment created through one must be visible to the other (and an idempotency key
used on one must replay on the other). Every operation runs in one `BEGIN IMMEDIATE` transaction,
so concurrent writers from any process take turns and each operation is atomic.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import anyio.to_thread

T = TypeVar("T")
BUSY_TIMEOUT_SECONDS = 10.0

SCHEMA = """
CREATE TABLE IF NOT EXISTS payments (
    id TEXT PRIMARY KEY,
    amount INTEGER NOT NULL,
    currency TEXT NOT NULL,
    status TEXT NOT NULL,
    capture_method TEXT NOT NULL,
    token TEXT NOT NULL,
    captured_amount INTEGER NOT NULL DEFAULT 0,
    refunded_amount INTEGER NOT NULL DEFAULT 0,
    failure_code TEXT,
    failure_message TEXT,
    metadata TEXT NOT NULL,
    created REAL NOT NULL,
    capture_at REAL,
    CHECK (refunded_amount <= captured_amount)
);
CREATE INDEX IF NOT EXISTS payments_capture_at ON payments (capture_at)
    WHERE capture_at IS NOT NULL;
CREATE TABLE IF NOT EXISTS refunds (
    id TEXT PRIMARY KEY,
    payment_id TEXT NOT NULL REFERENCES payments (id),
    amount INTEGER NOT NULL CHECK (amount > 0),
    status TEXT NOT NULL,
    metadata TEXT NOT NULL,
    created REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS refunds_payment ON refunds (payment_id, created);
CREATE TABLE IF NOT EXISTS events (
    id TEXT PRIMARY KEY,
    payment_id TEXT NOT NULL REFERENCES payments (id),
    type TEXT NOT NULL,
    body BLOB NOT NULL,
    created REAL NOT NULL,
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at REAL NOT NULL,
    locked_until REAL,
    delivered_at REAL,
    last_error TEXT
);
CREATE INDEX IF NOT EXISTS events_due ON events (status, next_attempt_at);
CREATE INDEX IF NOT EXISTS events_payment ON events (payment_id, created);
CREATE TABLE IF NOT EXISTS idempotency (
    scope TEXT NOT NULL,
    key TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    status INTEGER NOT NULL,
    body TEXT NOT NULL,
    created REAL NOT NULL,
    PRIMARY KEY (scope, key)
);
"""


class SandboxStore:
    """Runs functions of a sqlite3 connection in a worker thread, one transaction each."""

    def __init__(self, db_path: Path) -> None:
        self.db_path = Path(db_path)
        self.db_path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        connection = self._connection()
        # WAL: readers in one process never wait for a writer in another.
        connection.execute("PRAGMA journal_mode=WAL")
        connection.executescript(SCHEMA)

    def _connection(self) -> sqlite3.Connection:
        # sqlite3 connections belong to their thread; anyio reuses its worker threads.
        connection: sqlite3.Connection | None = getattr(self._local, "connection", None)
        if connection is None:
            connection = sqlite3.connect(
                self.db_path, timeout=BUSY_TIMEOUT_SECONDS, isolation_level=None
            )
            connection.row_factory = sqlite3.Row
            connection.execute(f"PRAGMA busy_timeout={int(BUSY_TIMEOUT_SECONDS * 1000)}")
            connection.execute("PRAGMA synchronous=NORMAL")
            connection.execute("PRAGMA foreign_keys=ON")
            self._local.connection = connection
        return connection

    def transaction(self, operation: Callable[[sqlite3.Connection], T], *, write: bool) -> T:
        connection = self._connection()
        # IMMEDIATE takes the write lock up front: two processes' writers queue on the busy
        # timeout instead of failing when a deferred transaction tries to upgrade.
        connection.execute("BEGIN IMMEDIATE" if write else "BEGIN")
        try:
            result = operation(connection)
        except BaseException:
            connection.execute("ROLLBACK")
            raise
        connection.execute("COMMIT")
        return result

    async def write(self, operation: Callable[[sqlite3.Connection], T]) -> T:
        return await anyio.to_thread.run_sync(lambda: self.transaction(operation, write=True))

    async def read(self, operation: Callable[[sqlite3.Connection], T]) -> T:
        return await anyio.to_thread.run_sync(lambda: self.transaction(operation, write=False))
