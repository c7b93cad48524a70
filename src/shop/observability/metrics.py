"""Every Prometheus metric of the shop, in one place (each one is described in docs/operations.md).

Features count business events with the helpers at the bottom (`count_funnel_step`,
`record_order_placed` ...) rather than touching the objects, so label values stay bounded:
anything outside a known set becomes "other".

Several uvicorn workers: `shop run --workers N` points PROMETHEUS_MULTIPROC_DIR at an empty
directory before the workers start, each worker writes its values there, and whichever worker
answers /metrics sums them (see shop.observability.exposition). Gauges say how to combine
processes: `livesum` for per-process amounts (requests in flight, pool connections),
`mostrecent` for facts about shared state (queue depth, low stock) that any process may sample.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable

from prometheus_client import Counter, Gauge, Histogram, disable_created_metrics
from prometheus_client import values as _values

# `_created` series double the count for nothing dashboards use (multiprocess mode has none).
disable_created_metrics()  # type: ignore[no-untyped-call]

# Decided when prometheus_client is first imported; a process started without the variable
# keeps its values in memory even if the variable appears later.
MULTIPROCESS = _values.ValueClass is not _values.MutexValue

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0)
_QUERY_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0)
_JOB_BUCKETS = (0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)
# Order totals in minor units (cents): 10, 25, 50 ... 2,500 in the major unit.
_ORDER_VALUE_BUCKETS = (1_000, 2_500, 5_000, 10_000, 25_000, 50_000, 100_000, 250_000)

# --- HTTP (shop.observability.http) ----------------------------------------------------------

HTTP_REQUESTS = Counter(
    "shop_http_requests",
    "HTTP requests answered, by method, route template and status code.",
    ["method", "route", "status"],
)
HTTP_REQUEST_DURATION = Histogram(
    "shop_http_request_duration_seconds",
    "Time from the request's arrival to the end of its response body, by route template.",
    ["method", "route"],
    buckets=LATENCY_BUCKETS,
)
HTTP_REQUESTS_IN_FLIGHT = Gauge(
    "shop_http_requests_in_flight",
    "Requests being handled right now.",
    multiprocess_mode="livesum",
)

# --- Database (shop.observability.database) --------------------------------------------------

DB_QUERY_DURATION = Histogram(
    "shop_db_query_duration_seconds",
    "Time the database took per statement, by operation (select, insert, update, delete, other).",
    ["operation"],
    buckets=_QUERY_BUCKETS,
)
DB_POOL_IN_USE = Gauge(
    "shop_db_pool_connections_in_use",
    "Connections checked out of the pool, by engine (primary, replica).",
    ["engine"],
    multiprocess_mode="livesum",
)
DB_POOL_SIZE = Gauge(
    "shop_db_pool_size",
    "Connections the pool keeps (its size; overflow comes on top), by engine.",
    ["engine"],
    multiprocess_mode="livesum",
)

# --- Cache ------------------------------------------------------------------------------------

CACHE_REQUESTS = Counter(
    "shop_cache_requests",
    "Cache lookups by cache and result (hit, miss).",
    ["cache", "result"],
)

# --- Background jobs (shop.jobs) ------------------------------------------------------------

JOB_QUEUE_DEPTH = Gauge(
    "shop_job_queue_depth",
    "Outbox jobs by state (due, scheduled, running, stopped), sampled by the worker.",
    ["state"],
    multiprocess_mode="mostrecent",
)
JOB_DURATION = Histogram(
    "shop_job_duration_seconds",
    "Time a job's handler ran, by topic (failed runs included).",
    ["topic"],
    buckets=_JOB_BUCKETS,
)
JOB_FAILURES = Counter(
    "shop_job_failures",
    "Job runs that failed (to be retried, or stopped), by topic.",
    ["topic"],
)

# --- Business ---------------------------------------------------------------------------------

ORDERS_PLACED = Counter(
    "shop_orders_placed",
    "Orders whose payment was accepted (or that had nothing to pay), by currency.",
    ["currency"],
)
ORDER_VALUE = Histogram(
    "shop_order_value_minor_units",
    "Totals of placed orders in minor units (cents); _sum is the revenue.",
    ["currency"],
    buckets=_ORDER_VALUE_BUCKETS,
)
PAYMENTS = Counter(
    "shop_payments",
    "Payment attempts with a known outcome, by provider and outcome.",
    ["provider", "outcome"],
)
PAYMENT_GATEWAY_ERRORS = Counter(
    "shop_payment_gateway_errors",
    "Calls to a payment provider that failed (unavailable: no usable answer; rejected: the "
    "provider refused the request), by provider and kind.",
    ["provider", "kind"],
)
ORDER_PROCESSING_ERRORS = Counter(
    "shop_order_processing_errors",
    "Checkouts that could not finish, by stage (payment_outcome_unknown, unexpected).",
    ["stage"],
)
CHECKOUT_FUNNEL = Counter(
    "shop_checkout_funnel",
    "Shoppers' steps towards an order: product_view, add_to_cart, checkout_started, order_placed.",
    ["step"],
)
LOW_STOCK_VARIANTS = Gauge(
    "shop_inventory_low_stock_variants",
    "Active, stock-tracked variants at or below their low-stock threshold, sampled by the worker.",
    multiprocess_mode="mostrecent",
)

# --- Security ---------------------------------------------------------------------------------

LOGIN_FAILURES = Counter("shop_login_failures", "Sign-in attempts with wrong credentials.")
RATE_LIMITED = Counter(
    "shop_rate_limited_requests",
    "Requests refused with 429 by a limiter, by limiter.",
    ["limiter"],
)

# --- Bounded label values -----------------------------------------------------------------------

FUNNEL_STEPS = ("product_view", "add_to_cart", "checkout_started", "order_placed")
PAYMENT_OUTCOMES = ("captured", "authorized", "declined", "voided", "pending")
GATEWAY_ERROR_KINDS = ("unavailable", "rejected")
ORDER_ERROR_STAGES = ("payment_outcome_unknown", "unexpected")
CACHE_RESULTS = ("hit", "miss")
JOB_STATES = ("due", "scheduled", "running", "stopped")
LIMITERS = ("login",)
KNOWN_PROVIDERS = ("sandbox", "stripe")
KNOWN_CACHES = ("catalog",)
_CURRENCY = re.compile(r"^[A-Z]{3}$")
_TOPIC = re.compile(r"^[a-z][a-z0-9_.]{0,59}$")
OTHER = "other"


def _bounded(value: str, allowed: tuple[str, ...]) -> str:
    return value if value in allowed else OTHER


def currency_label(currency: str) -> str:
    return currency if _CURRENCY.match(currency) else OTHER


# Children by label values, for the series touched on every request: `labels()` costs a lock
# and a few microseconds each time, a dict lookup almost nothing. Label sets are bounded.
_HTTP_REQUESTS: dict[tuple[str, str, int], Counter] = {}
_HTTP_DURATIONS: dict[tuple[str, str], Histogram] = {}
_FUNNEL: dict[str, Counter] = {}
_CACHE: dict[tuple[str, bool], Counter] = {}


def http_requests(method: str, route: str, status: int) -> Counter:
    key = (method, route, status)
    child = _HTTP_REQUESTS.get(key)
    if child is None:
        child = HTTP_REQUESTS.labels(method=method, route=route, status=str(status))
        _HTTP_REQUESTS[key] = child
    return child


def observe_http_durations(method: str, route: str, buckets: list[int], total: float) -> None:
    """Add a batch of observations (counts per bucket, as `observe` keeps them: one slot per
    upper bound, not cumulative, +Inf last) and their sum to the duration histogram."""
    key = (method, route)
    child = _HTTP_DURATIONS.get(key)
    if child is None:
        child = HTTP_REQUEST_DURATION.labels(method=method, route=route)
        _HTTP_DURATIONS[key] = child
    # prometheus_client has no batch `observe`; these are the values its `observe` increments.
    for value, count in zip(child._buckets, buckets, strict=True):  # noqa: SLF001
        if count:
            value.inc(count)
    child._sum.inc(total)  # noqa: SLF001


class DeferredCounts:
    """Increments of the counters touched on most requests (funnel steps, cache lookups), kept
    in a dict and added to their counters by `publish()`, while a publisher runs
    (shop.observability.tally.publishing, in every web process). In multiprocess mode each
    `inc` costs a lock, a pid check and an mmap write (2-4 us): with two of them, a cached
    product page paid 3-5% more CPU with metrics on. Without a publisher (`shop worker`, CLI
    commands) increments go straight to the counter."""

    def __init__(self) -> None:
        self.publishers = 0
        self._pending: dict[Counter, int] = {}
        # Sync endpoints run in the thread pool; a lock keeps their increments whole.
        self._lock = threading.Lock()

    def add(self, child: Counter) -> None:
        if not self.publishers:
            child.inc()
            return
        with self._lock:
            self._pending[child] = self._pending.get(child, 0) + 1

    def publish(self) -> None:
        with self._lock:
            pending, self._pending = self._pending, {}
        for child, count in pending.items():
            child.inc(count)


DEFERRED = DeferredCounts()


def count_funnel_step(step: str) -> None:
    label = _bounded(step, FUNNEL_STEPS)
    child = _FUNNEL.get(label)
    if child is None:
        child = _FUNNEL[label] = CHECKOUT_FUNNEL.labels(step=label)
    DEFERRED.add(child)


def record_order_placed(*, total_minor: int, currency: str) -> None:
    label = currency_label(currency)
    ORDERS_PLACED.labels(currency=label).inc()
    ORDER_VALUE.labels(currency=label).observe(total_minor)
    CHECKOUT_FUNNEL.labels(step="order_placed").inc()


def record_payment(*, provider: str, outcome: str) -> None:
    PAYMENTS.labels(
        provider=_bounded(provider, KNOWN_PROVIDERS), outcome=_bounded(outcome, PAYMENT_OUTCOMES)
    ).inc()


def record_gateway_error(*, provider: str, kind: str) -> None:
    PAYMENT_GATEWAY_ERRORS.labels(
        provider=_bounded(provider, KNOWN_PROVIDERS), kind=_bounded(kind, GATEWAY_ERROR_KINDS)
    ).inc()


def record_order_processing_error(stage: str) -> None:
    ORDER_PROCESSING_ERRORS.labels(stage=_bounded(stage, ORDER_ERROR_STAGES)).inc()


def count_cache_lookup(cache: str, *, hit: bool) -> None:
    key = (_bounded(cache, KNOWN_CACHES), hit)
    child = _CACHE.get(key)
    if child is None:
        child = _CACHE[key] = CACHE_REQUESTS.labels(cache=key[0], result="hit" if hit else "miss")
    DEFERRED.add(child)


def count_login_failure() -> None:
    LOGIN_FAILURES.inc()


def count_rate_limited(limiter: str) -> None:
    RATE_LIMITED.labels(limiter=_bounded(limiter, LIMITERS)).inc()


def job_topic_label(topic: str) -> str:
    # Topics come from the registry (a handful); a stray one must not mint a series per row.
    return topic if _TOPIC.match(topic) else OTHER


def observe_job(topic: str, *, seconds: float, failed: bool) -> None:
    label = job_topic_label(topic)
    JOB_DURATION.labels(topic=label).observe(seconds)
    if failed:
        JOB_FAILURES.labels(topic=label).inc()


def set_job_queue_depth(counts: dict[str, int]) -> None:
    for state in JOB_STATES:
        JOB_QUEUE_DEPTH.labels(state=state).set(counts.get(state, 0))


def set_low_stock_variants(count: int) -> None:
    LOW_STOCK_VARIANTS.set(count)


def initialize_series(*, providers: list[str], currency: str) -> None:
    """Create every known label combination at zero, so that dashboards and alerts see 0 rather
    than no data before the first event (and `increase()` counts the first one)."""
    for step in FUNNEL_STEPS:
        CHECKOUT_FUNNEL.labels(step=step)
    ORDERS_PLACED.labels(currency=currency_label(currency))
    ORDER_VALUE.labels(currency=currency_label(currency))
    for provider in providers:
        for outcome in PAYMENT_OUTCOMES:
            PAYMENTS.labels(provider=_bounded(provider, KNOWN_PROVIDERS), outcome=outcome)
        for kind in GATEWAY_ERROR_KINDS:
            PAYMENT_GATEWAY_ERRORS.labels(provider=_bounded(provider, KNOWN_PROVIDERS), kind=kind)
    for stage in ORDER_ERROR_STAGES:
        ORDER_PROCESSING_ERRORS.labels(stage=stage)
    for cache in KNOWN_CACHES:
        for result in CACHE_RESULTS:
            CACHE_REQUESTS.labels(cache=cache, result=result)
    for limiter in LIMITERS:
        RATE_LIMITED.labels(limiter=limiter)


def initialize_job_series(topics: Iterable[str]) -> None:
    for topic in topics:
        JOB_DURATION.labels(topic=job_topic_label(topic))
        JOB_FAILURES.labels(topic=job_topic_label(topic))
