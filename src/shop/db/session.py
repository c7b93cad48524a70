"""The process's database handle: a primary for writes and an optional replica for reads."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from shop.config import Settings
from shop.db.engine import create_engine, is_sqlite

logger = logging.getLogger(__name__)

# Called with the committed session's `info` after every successful write transaction, e.g. to
# invalidate caches of what the transaction changed. A failing hook is logged, never raised: the
# data is committed already.
AfterCommitHook = Callable[[dict[str, Any]], Awaitable[None]]


class Database:
    """Owns the engines. Read-only work goes to the replica when one is configured."""

    def __init__(self, settings: Settings) -> None:
        options = {
            "pool_size": settings.database_pool_size,
            "statement_cache_size": settings.database_statement_cache_size,
            "echo": settings.database_echo,
        }
        self.url = settings.database_url
        self.is_sqlite = is_sqlite(self.url)
        self.primary: AsyncEngine = create_engine(self.url, **options)  # type: ignore[arg-type]
        read_url = settings.database_read_url or self.url
        # SQLite always gets a second engine: reads must not take the IMMEDIATE write lock.
        if read_url != self.url or self.is_sqlite:
            self.replica = create_engine(read_url, read_only=True, **options)  # type: ignore[arg-type]
        else:
            self.replica = self.primary
        self._writer = async_sessionmaker(self.primary, expire_on_commit=False)
        self._reader = async_sessionmaker(self.replica, expire_on_commit=False)
        self.after_commit_hooks: list[AfterCommitHook] = []

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """A write unit of work: commits on success, rolls back on any exception."""
        async with self._writer() as session:
            async with session.begin():
                yield session
            for hook in self.after_commit_hooks:
                try:
                    await hook(session.info)
                except Exception:
                    logger.exception("after-commit hook %r failed", hook)

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncSession]:
        """A read-only unit of work on the replica (or the primary when there is none)."""
        async with self._reader() as session:
            try:
                yield session
            finally:
                await session.rollback()

    async def dispose(self) -> None:
        await self.primary.dispose()
        if self.replica is not self.primary:
            await self.replica.dispose()
