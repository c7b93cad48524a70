"""The cache of public catalog responses (category tree, brands, listings and search, product
detail): rendered JSON bytes kept in each process, dropped whenever a committed transaction
changed catalog data (shop.catalog.changes), in this process at once and in every other process
through Redis pub/sub when Redis is configured.

Without Redis, other processes learn nothing of a change, so entries then live only
`catalog_cache_ttl_seconds` (2 s by default): the bound on how stale another worker's copy of a
page can be. With Redis, entries live until invalidated (at most 5 minutes, a safety net), and
the cache is bypassed while the subscription is down. `SHOP_CATALOG_CACHE_ENTRIES=0` turns it off.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Any

from redis.asyncio import Redis

from shop.catalog.changes import was_changed
from shop.config import Settings
from shop.db.session import Database
from shop.integrations.cache.invalidation import RedisInvalidationChannel
from shop.integrations.cache.near_cache import NearCache
from shop.observability import metrics

logger = logging.getLogger(__name__)

CHANNEL = "shop:catalog:invalidate"
TTL_WITH_REDIS_SECONDS = 300.0


class CatalogReadCache:
    def __init__(self, near: NearCache, channel: RedisInvalidationChannel | None) -> None:
        self.near = near
        self.channel = channel
        # With a channel, nothing is trusted until the subscription is up.
        self.trusted = channel is None

    def get(self, key: str) -> bytes | None:
        body = self.near.get(key) if self.trusted else None
        metrics.count_cache_lookup("catalog", hit=body is not None)
        return body

    @property
    def generation(self) -> int:
        return self.near.generation

    def put(self, key: str, body: bytes, *, generation: int) -> None:
        if self.trusted:
            self.near.put(key, body, generation=generation)

    async def after_commit(self, info: dict[str, Any]) -> None:
        if not was_changed(info):
            return
        self.near.invalidate()
        if self.channel is not None:
            await self.channel.publish()

    def _subscribed(self) -> None:
        self.near.invalidate()  # messages may have been missed while unsubscribed
        self.trusted = True

    def _lost(self) -> None:
        self.trusted = False
        self.near.invalidate()

    async def listen(self) -> None:
        if self.channel is not None:
            await self.channel.listen(
                self.near.invalidate, on_subscribed=self._subscribed, on_lost=self._lost
            )


def build_catalog_cache(settings: Settings, redis: Redis | None) -> CatalogReadCache:
    ttl = TTL_WITH_REDIS_SECONDS if redis is not None else settings.catalog_cache_ttl_seconds
    near = NearCache(max_entries=settings.catalog_cache_entries, ttl_seconds=ttl)
    channel = RedisInvalidationChannel(redis, CHANNEL) if redis is not None else None
    return CatalogReadCache(near, channel)


@contextlib.asynccontextmanager
async def catalog_cache_running(
    database: Database, settings: Settings, redis: Redis | None
) -> AsyncIterator[CatalogReadCache]:
    """The process's catalog cache, wired to the database's commits and, with Redis, to the
    other processes. Processes that only write (the worker, CLI commands) use it too, so that
    their changes reach the web processes."""
    cache = build_catalog_cache(settings, redis)
    database.after_commit_hooks.append(cache.after_commit)
    listener = asyncio.create_task(cache.listen()) if cache.channel is not None else None
    try:
        yield cache
    finally:
        database.after_commit_hooks.remove(cache.after_commit)
        if listener is not None:
            listener.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await listener


@contextlib.asynccontextmanager
async def announce_catalog_changes(database: Database, settings: Settings) -> AsyncIterator[object]:
    """For processes that write but serve no catalog reads (`shop worker`): their commits that
    change the catalog invalidate the web processes' caches through Redis."""
    if settings.redis_url is None:
        yield None
        return
    redis = Redis.from_url(settings.redis_url)
    try:
        async with catalog_cache_running(database, settings, redis) as cache:
            yield cache
    finally:
        await redis.aclose()
