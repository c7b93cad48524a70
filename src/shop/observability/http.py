"""HTTP metrics and the request's log context, as pure ASGI middleware (no per-request objects
beyond a closure; BaseHTTPMiddleware would cost a task and a stream per request).

Requests are labelled by their route *template* (`/api/v1/products/{reference}`), never the raw
path, so the number of series stays bounded however many products or bots there are.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

from fastapi.telemetry._api import _RequestTelemetry
from prometheus_client.metrics import Counter, Histogram
from starlette.routing import Mount
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shop.observability import metrics
from shop.observability.logs import bind_request, unbind_request

log = logging.getLogger("shop.http")

UNMATCHED = "unmatched"
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
CLIENT_CLOSED = 499  # nginx's code for a client that went away before the answer


TELEMETRY_KEY = "fastapi.telemetry"


def route_recorder(scope: Scope) -> Any:
    """FastAPI's routing writes the template of the route it selects, with the prefixes of the
    routers and mounts on the way (`/api/v1/products/{reference}`, `/media/{path}`), into a
    request-telemetry object in the scope, if there is one. Its native telemetry puts one
    there when enabled; otherwise we put an inert one (no span, no data) just to be told."""
    if TELEMETRY_KEY in scope:
        return scope[TELEMETRY_KEY]
    recorder = _RequestTelemetry(span=None, span_method=str(scope.get("method", "")), data=None)
    scope[TELEMETRY_KEY] = recorder
    return recorder


def route_template(scope: Scope, root_path: str, recorder: Any = None) -> str:
    """The route template that handled the request; `unmatched` when no route matched (404s
    of random paths share one series)."""
    recorded = getattr(recorder, "route", None)
    if isinstance(recorded, str) and recorded:
        return recorded
    # Plain Starlette routing (no recorder): scope["route"], plus the prefixes of mounts,
    # which add their literal path to root_path on the way in.
    route = scope.get("route")
    path = getattr(route, "path", None)
    if not isinstance(path, str):
        return UNMATCHED
    prefix = str(scope.get("root_path", ""))[len(root_path) :]
    if isinstance(route, Mount):
        return f"{prefix}/{{path}}"
    return prefix + path


class HttpMetricsMiddleware:
    def __init__(self, app: ASGIApp, *, skip_paths: frozenset[str] = frozenset()) -> None:
        self.app = app
        self.skip_paths = skip_paths
        # Label lookups take a lock in prometheus_client; the set of keys is bounded.
        self._counters: dict[tuple[str, str, int], Counter] = {}
        self._histograms: dict[tuple[str, str], Histogram] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in self.skip_paths:
            await self.app(scope, receive, send)
            return
        token = bind_request(scope.setdefault("state", {}))
        root_path = str(scope.get("root_path", ""))
        recorder = route_recorder(scope)
        status = 500
        started = time.perf_counter()

        async def send_with_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        metrics.HTTP_REQUESTS_IN_FLIGHT.inc()
        try:
            await self.app(scope, receive, send_with_status)
        except asyncio.CancelledError:
            status = CLIENT_CLOSED
            raise
        finally:
            metrics.HTTP_REQUESTS_IN_FLIGHT.dec()
            elapsed = time.perf_counter() - started
            method = scope["method"] if scope["method"] in METHODS else metrics.OTHER
            route = route_template(scope, root_path, recorder)
            self._histogram(method, route).observe(elapsed)
            self._counter(method, route, status).inc()
            if log.isEnabledFor(logging.DEBUG):
                log.debug("%s %s %d %.1f ms", method, route, status, elapsed * 1000)
            unbind_request(token)

    def _counter(self, method: str, route: str, status: int) -> Counter:
        key = (method, route, status)
        child = self._counters.get(key)
        if child is None:
            child = metrics.HTTP_REQUESTS.labels(method=method, route=route, status=str(status))
            self._counters[key] = child
        return child

    def _histogram(self, method: str, route: str) -> Histogram:
        key = (method, route)
        child = self._histograms.get(key)
        if child is None:
            child = metrics.HTTP_REQUEST_DURATION.labels(method=method, route=route)
            self._histograms[key] = child
        return child
