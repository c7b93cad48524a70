"""Running totals of the per-request HTTP series, published into prometheus_client in batches.

Every prometheus_client update in multiprocess mode takes a lock and packs a value into the
process's mmap file (2-4 us each); per request that was a counter, a histogram (two values) and
the in-flight gauge (two), a few percent of a cached product page. Here a request costs a few
dict operations, and `publish()` moves the totals into the metric objects:

- every PUBLISH_INTERVAL, by a task of the app's lifespan (so other workers' scrapes and the
  separate metrics port see them within a second);
- before every scrape this process answers (its own /metrics is never behind);
- when the app shuts down.

The hot business counters (funnel steps, cache lookups: `metrics.DEFERRED`) are published with
them while a publisher runs.

Everything runs on the event loop's thread (the middleware, the lifespan task and the async
/metrics endpoint), so no lock is needed. A worker killed outright loses at most one interval.
"""

from __future__ import annotations

import asyncio
from bisect import bisect_left
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress

from shop.observability import metrics

PUBLISH_INTERVAL = 1.0  # seconds

Series = tuple[str, str]  # method, route template
_BOUNDS = metrics.LATENCY_BUCKETS


class _Durations:
    __slots__ = ("buckets", "total")

    def __init__(self) -> None:
        # One slot per finite upper bound, and the last for +Inf (prometheus_client's layout).
        self.buckets = [0] * (len(_BOUNDS) + 1)
        self.total = 0.0


class RequestTally:
    def __init__(self) -> None:
        self.in_flight = 0
        self._published_in_flight: int | None = None
        self._requests: dict[tuple[str, str, int], int] = {}
        self._durations: dict[Series, _Durations] = {}

    def started(self) -> None:
        self.in_flight += 1

    def finished(self, method: str, route: str, status: int, seconds: float) -> None:
        self.in_flight -= 1
        key = (method, route, status)
        self._requests[key] = self._requests.get(key, 0) + 1
        durations = self._durations.get((method, route))
        if durations is None:
            durations = self._durations[(method, route)] = _Durations()
        # A value equal to a bound belongs to that bound's bucket (le), as in prometheus_client.
        durations.buckets[bisect_left(_BOUNDS, seconds)] += 1
        durations.total += seconds

    def publish(self) -> None:
        requests, self._requests = self._requests, {}
        durations, self._durations = self._durations, {}
        for (method, route, status), count in requests.items():
            metrics.http_requests(method, route, status).inc(count)
        for (method, route), observed in durations.items():
            metrics.observe_http_durations(method, route, observed.buckets, observed.total)
        if self.in_flight != self._published_in_flight:
            metrics.HTTP_REQUESTS_IN_FLIGHT.set(self.in_flight)
            self._published_in_flight = self.in_flight
        metrics.DEFERRED.publish()


# One per process, like the metric objects it feeds.
TALLY = RequestTally()


@asynccontextmanager
async def publishing(tally: RequestTally = TALLY) -> AsyncIterator[None]:
    """Publish every PUBLISH_INTERVAL while the app runs, and once more at the end."""

    async def every_interval() -> None:
        while True:
            await asyncio.sleep(PUBLISH_INTERVAL)
            tally.publish()

    task = asyncio.create_task(every_interval(), name="http-metrics-publisher")
    metrics.DEFERRED.publishers += 1  # the hot business counters are batched too
    try:
        yield
    finally:
        metrics.DEFERRED.publishers -= 1
        task.cancel()
        with suppress(asyncio.CancelledError):
            await task
        tally.publish()
