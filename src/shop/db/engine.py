"""Engines for both databases, with the connection settings each one needs to be correct."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

SQLITE_BUSY_TIMEOUT_MS = 10_000


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def create_engine(
    url: str,
    *,
    read_only: bool = False,
    pool_size: int = 10,
    statement_cache_size: int = 100,
    echo: bool = False,
) -> AsyncEngine:
    """Create an async engine.

    SQLite: WAL (readers never block the writer), a busy timeout, foreign keys, and write
    transactions begun IMMEDIATE so that concurrent writers queue on the lock instead of failing
    with "database is locked" when a deferred transaction tries to upgrade.
    PostgreSQL: asyncpg; `statement_cache_size=0` for PgBouncer in transaction mode.
    """
    if is_sqlite(url):
        engine = create_async_engine(
            url,
            echo=echo,
            connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000},
            pool_size=pool_size,
            max_overflow=pool_size,
        )
        _configure_sqlite(engine, begin="BEGIN" if read_only else "BEGIN IMMEDIATE")
        return engine
    connect_args: dict[str, Any] = {"statement_cache_size": statement_cache_size}
    if statement_cache_size == 0:
        # Also stop SQLAlchemy's own prepared statement cache from naming statements.
        connect_args["prepared_statement_cache_size"] = 0
    return create_async_engine(
        url,
        echo=echo,
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_pre_ping=True,
        connect_args=connect_args,
    )


def _configure_sqlite(engine: AsyncEngine, *, begin: str) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Hand transaction control to SQLAlchemy's "begin" event below.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        for pragma in (
            "PRAGMA journal_mode=WAL",
            f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}",
            "PRAGMA foreign_keys=ON",
            "PRAGMA synchronous=NORMAL",
        ):
            cursor.execute(pragma)
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql(begin)
