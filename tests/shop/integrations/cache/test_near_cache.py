"""The per-process near cache: generations make a result computed before a change unservable."""

from __future__ import annotations

from shop.integrations.cache.near_cache import NearCache


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def cache(*, max_entries: int = 3, ttl: float = 10.0, clock: Clock | None = None) -> NearCache:
    return NearCache(max_entries=max_entries, ttl_seconds=ttl, clock=clock or Clock())


class TestGetAndPut:
    def test_serves_what_was_put(self) -> None:
        near = cache()
        near.put("a", b"1", generation=near.generation)
        assert near.get("a") == b"1"
        assert (near.hits, near.misses) == (1, 0)

    def test_miss_is_counted(self) -> None:
        near = cache()
        assert near.get("a") is None
        assert (near.hits, near.misses) == (0, 1)

    def test_result_read_before_an_invalidation_is_not_stored(self) -> None:
        near = cache()
        generation = near.generation  # a reader starts its query ...
        near.invalidate()  # ... a write commits meanwhile ...
        near.put("a", b"stale", generation=generation)  # ... the reader's result is dropped
        assert near.get("a") is None
        assert len(near) == 0

    def test_invalidate_drops_everything(self) -> None:
        near = cache()
        near.put("a", b"1", generation=near.generation)
        near.put("b", b"2", generation=near.generation)
        near.invalidate()
        assert near.get("a") is None
        assert near.get("b") is None

    def test_entries_expire(self) -> None:
        clock = Clock()
        near = cache(ttl=2.0, clock=clock)
        near.put("a", b"1", generation=near.generation)
        clock.now += 1.9
        assert near.get("a") == b"1"
        clock.now += 0.2
        assert near.get("a") is None

    def test_least_recently_used_goes_first(self) -> None:
        near = cache(max_entries=2)
        near.put("a", b"1", generation=0)
        near.put("b", b"2", generation=0)
        assert near.get("a") == b"1"  # a is now the most recent
        near.put("c", b"3", generation=0)
        assert near.get("b") is None
        assert near.get("a") == b"1"
        assert near.get("c") == b"3"

    def test_zero_entries_disables(self) -> None:
        near = cache(max_entries=0)
        near.put("a", b"1", generation=0)
        assert not near.enabled
        assert near.get("a") is None
