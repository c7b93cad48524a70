"""Request-scoped resources shared by every router: the database sessions and the settings."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from shop.config import Settings
from shop.db.session import Database


def get_database(request: Request) -> Database:
    database: Database = request.app.state.database
    return database


async def get_settings_dependency(request: Request) -> Settings:
    # async: a plain `def` dependency would be run in the thread pool on every request.
    settings: Settings = request.app.state.settings
    return settings


async def _database(request: Request) -> Database:
    return get_database(request)


DatabaseDep = Annotated[Database, Depends(_database)]


async def _write_session(request: Request) -> AsyncIterator[AsyncSession]:
    # The request boundary commits (or rolls back on error) before the response is sent.
    async with get_database(request).transaction() as session:
        setattr(request.state, _REQUEST_SESSION, session)
        try:
            yield session
        finally:
            setattr(request.state, _REQUEST_SESSION, None)


async def _read_session(request: Request) -> AsyncIterator[AsyncSession]:
    async with get_database(request).read() as session:
        setattr(request.state, _REQUEST_SESSION, session)
        try:
            yield session
        finally:
            setattr(request.state, _REQUEST_SESSION, None)


_REQUEST_SESSION = "db_session"


@asynccontextmanager
async def reading_session(request: Request) -> AsyncIterator[AsyncSession]:
    """For reads beside a route (the page header, the signed-in user): the route's own session
    when it has one, else a short read session. A second connection per request would let a
    burst of requests each hold one and wait for another, until the pool is exhausted."""
    current: AsyncSession | None = getattr(request.state, _REQUEST_SESSION, None)
    if current is not None:
        yield current
        return
    async with get_database(request).read() as session:
        yield session


WriteSession = Annotated[AsyncSession, Depends(_write_session, scope="function")]
ReadSession = Annotated[AsyncSession, Depends(_read_session, scope="function")]
SettingsDep = Annotated[Settings, Depends(get_settings_dependency)]


async def client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"


ClientIp = Annotated[str, Depends(client_ip)]
