"""Tells every process that a cache must be dropped: Redis pub/sub between processes and pods.

A process that misses messages (Redis down, connection lost) cannot know what changed, so the
listener reports when it is (re)subscribed and when it lost the subscription; the cache is not
trusted in between."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from redis.asyncio import Redis
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)


class RedisInvalidationChannel:
    def __init__(self, redis: Redis, channel: str, *, retry_seconds: float = 1.0) -> None:
        self.redis = redis
        self.channel = channel
        self.retry_seconds = retry_seconds

    async def publish(self) -> None:
        await self.redis.publish(self.channel, b"invalidate")

    async def listen(
        self,
        on_message: Callable[[], None],
        *,
        on_subscribed: Callable[[], None],
        on_lost: Callable[[], None],
    ) -> None:
        """Runs until cancelled; reconnects after a lost connection."""
        while True:
            try:
                async with self.redis.pubsub() as pubsub:
                    await pubsub.subscribe(self.channel)
                    on_subscribed()
                    async for message in pubsub.listen():
                        if message.get("type") == "message":
                            on_message()
            except (RedisError, OSError) as error:
                logger.warning("cache invalidation channel lost (%s); retrying", error)
            on_lost()
            await asyncio.sleep(self.retry_seconds)
