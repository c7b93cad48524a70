"""The HTTP tally: what it publishes equals what per-request updates would have written."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from prometheus_client import REGISTRY

from shop.observability import metrics, tally
from shop.observability.tally import RequestTally, publishing


def sample(name: str, **labels: str) -> float:
    found = REGISTRY.get_sample_value(name, labels)
    return found if found is not None else 0.0


@pytest.fixture
def route() -> str:
    # A series of its own per test: the metric objects are shared by the whole process.
    return f"/tally-test/{uuid.uuid4().hex}"


def finish_requests(counts: RequestTally, route: str, durations: list[float]) -> None:
    for seconds in durations:
        counts.started()
        counts.finished("GET", route, 200, seconds)


class TestRequestTally:
    def test_nothing_reaches_prometheus_before_publishing(self, route: str) -> None:
        counts = RequestTally()
        finish_requests(counts, route, [0.01, 0.02])
        assert sample("shop_http_requests_total", method="GET", route=route, status="200") == 0

        counts.publish()

        assert sample("shop_http_requests_total", method="GET", route=route, status="200") == 2

    def test_buckets_match_prometheus_observe(self, route: str) -> None:
        durations = [0.0, 0.005, 0.0051, 0.3, 2.0, 11.0, 11.0]
        counts = RequestTally()
        finish_requests(counts, route, durations)
        counts.publish()
        reference = f"{route}/reference"
        for seconds in durations:
            metrics.HTTP_REQUEST_DURATION.labels(method="GET", route=reference).observe(seconds)

        for bound in [*metrics.LATENCY_BUCKETS, float("inf")]:
            le = "+Inf" if bound == float("inf") else str(bound)
            name = "shop_http_request_duration_seconds_bucket"
            assert sample(name, method="GET", route=route, le=le) == sample(
                name, method="GET", route=reference, le=le
            ), le
        for suffix in ("_count", "_sum"):
            name = f"shop_http_request_duration_seconds{suffix}"
            assert sample(name, method="GET", route=route) == pytest.approx(
                sample(name, method="GET", route=reference)
            )

    def test_statuses_are_separate_series(self, route: str) -> None:
        counts = RequestTally()
        for status in (200, 200, 404, 500):
            counts.started()
            counts.finished("GET", route, status, 0.001)
        counts.publish()
        counts.publish()  # publishing twice adds nothing

        by_status = {
            status: sample("shop_http_requests_total", method="GET", route=route, status=status)
            for status in ("200", "404", "500")
        }
        assert by_status == {"200": 2, "404": 1, "500": 1}

    def test_in_flight_is_published_as_it_is(self) -> None:
        counts = RequestTally()
        counts.started()
        counts.started()
        counts.publish()
        assert sample("shop_http_requests_in_flight") == 2

        counts.finished("GET", "/tally-test/in-flight", 200, 0.001)
        counts.finished("GET", "/tally-test/in-flight", 200, 0.001)
        counts.publish()
        assert sample("shop_http_requests_in_flight") == 0


class TestPublishing:
    async def test_publishes_while_running_and_at_the_end(
        self, route: str, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setattr(tally, "PUBLISH_INTERVAL", 0.01)
        counts = RequestTally()
        async with publishing(counts):
            finish_requests(counts, route, [0.01])
            for _ in range(100):
                await asyncio.sleep(0.01)
                if sample("shop_http_requests_total", method="GET", route=route, status="200"):
                    break
            assert sample("shop_http_requests_total", method="GET", route=route, status="200") == 1

            monkeypatch.setattr(tally, "PUBLISH_INTERVAL", 3600)
            await asyncio.sleep(0.05)  # the publisher is now asleep for an hour
            finish_requests(counts, route, [0.01])

        assert sample("shop_http_requests_total", method="GET", route=route, status="200") == 2


class TestDeferredCounts:
    def funnel(self, step: str) -> float:
        return sample("shop_checkout_funnel_total", step=step)

    def test_without_a_publisher_increments_land_at_once(self) -> None:
        before = self.funnel("add_to_cart")
        metrics.count_funnel_step("add_to_cart")
        assert self.funnel("add_to_cart") == before + 1

    async def test_with_a_publisher_they_land_with_the_http_totals(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setattr(tally, "PUBLISH_INTERVAL", 3600)
        counts = RequestTally()
        before = self.funnel("product_view")
        hits = sample("shop_cache_requests_total", cache="catalog", result="hit")
        async with publishing(counts):
            metrics.count_funnel_step("product_view")
            metrics.count_funnel_step("product_view")
            metrics.count_cache_lookup("catalog", hit=True)
            assert self.funnel("product_view") == before

            counts.publish()  # as before a scrape
            assert self.funnel("product_view") == before + 2

            metrics.count_funnel_step("product_view")
        assert self.funnel("product_view") == before + 3  # the last publish, at shutdown
        assert sample("shop_cache_requests_total", cache="catalog", result="hit") == hits + 1

    async def test_increments_from_the_thread_pool_are_all_counted(self) -> None:
        counts = RequestTally()
        before = self.funnel("checkout_started")
        async with publishing(counts):

            def count_many() -> None:
                for _ in range(2_000):
                    metrics.count_funnel_step("checkout_started")

            await asyncio.gather(*(asyncio.to_thread(count_many) for _ in range(4)))
        assert self.funnel("checkout_started") == before + 8_000
