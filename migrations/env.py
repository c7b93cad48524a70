"""Alembic environment: async engines for both databases, URL from the shop settings."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

from alembic import context
from sqlalchemy.engine import Connection

import shop.models  # noqa: F401  (registers every table on Base.metadata)
from shop.config import get_settings
from shop.db.base import Base
from shop.db.engine import create_engine

target_metadata = Base.metadata


def _include_object(obj: object, name: str | None, type_: str, reflected: bool, _: object) -> bool:
    # The search structures are created by hand in SQL (FTS5 / tsvector), not by the ORM.
    if type_ == "table" and name and name.startswith("product_search"):
        return False
    return name not in {"search_vector", "ix_products_search_vector"}


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        include_object=_include_object,
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run_async(url: str) -> None:
    engine = create_engine(url, pool_size=1)
    async with engine.connect() as connection:
        await connection.run_sync(_run)
        await connection.commit()
    await engine.dispose()


def run_migrations_online() -> None:
    url = context.config.attributes.get("database_url") or get_settings().database_url
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        asyncio.run(_run_async(url))
        return
    # Called from async code (tests, app start-up): run on a thread with its own loop.
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, _run_async(url)).result()


if context.is_offline_mode():
    raise SystemExit("offline SQL generation is not supported; run `shop migrate`")
run_migrations_online()
