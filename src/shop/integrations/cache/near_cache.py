"""A per-process cache of rendered responses, dropped as a whole when the data behind it changes.

Reading it costs a dictionary lookup: no network round trip. Correctness comes from
generations: a reader notes the generation *before* it queries the database and stores its
result under that generation; any invalidation in between bumps the generation, so a result
that may predate a commit is never served. Invalidations reach other processes (other uvicorn
workers, other pods) through an `InvalidationChannel`; while that channel is down, or when
there is none, entries expire after `ttl_seconds`, which bounds how stale another process's
copy can be.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class _Entry:
    body: bytes
    generation: int
    expires_at: float


class NearCache:
    def __init__(
        self,
        *,
        max_entries: int,
        ttl_seconds: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.max_entries = max_entries
        self.ttl_seconds = ttl_seconds
        self._clock = clock
        self._entries: OrderedDict[str, _Entry] = OrderedDict()
        self.generation = 0
        self.hits = 0
        self.misses = 0

    @property
    def enabled(self) -> bool:
        return self.max_entries > 0

    def get(self, key: str) -> bytes | None:
        entry = self._entries.get(key)
        if (
            entry is None
            or entry.generation != self.generation
            or entry.expires_at <= self._clock()
        ):
            self.misses += 1
            return None
        self._entries.move_to_end(key)
        self.hits += 1
        return entry.body

    def put(self, key: str, body: bytes, *, generation: int) -> None:
        """Store a body computed from data read while `generation` was current."""
        if not self.enabled or generation != self.generation:
            return
        self._entries[key] = _Entry(body, generation, self._clock() + self.ttl_seconds)
        self._entries.move_to_end(key)
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)

    def invalidate(self) -> None:
        """Drop everything (entries of older generations are never served and age out)."""
        self.generation += 1
        self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)
