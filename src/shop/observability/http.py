"""HTTP metrics and the request's log context, as pure ASGI middleware (no per-request objects
beyond a closure; BaseHTTPMiddleware would cost a task and a stream per request). Counts and
durations go to a running tally (shop.observability.tally) that is published in batches.

Requests are labelled by their route *template* (`/api/v1/products/{reference}`), never the raw
path, so the number of series stays bounded however many products or bots there are.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

from fastapi.telemetry._api import _RequestTelemetry
from starlette.routing import Mount
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shop.observability import metrics
from shop.observability.logs import bind_request, unbind_request
from shop.observability.tally import TALLY, RequestTally

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
    def __init__(
        self, app: ASGIApp, *, skip_paths: frozenset[str] = frozenset(), tally: RequestTally = TALLY
    ) -> None:
        self.app = app
        self.skip_paths = skip_paths
        self.tally = tally

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

        self.tally.started()
        try:
            await self.app(scope, receive, send_with_status)
        except asyncio.CancelledError:
            status = CLIENT_CLOSED
            raise
        finally:
            elapsed = time.perf_counter() - started
            method = scope["method"] if scope["method"] in METHODS else metrics.OTHER
            route = route_template(scope, root_path, recorder)
            self.tally.finished(method, route, status, elapsed)
            if log.isEnabledFor(logging.DEBUG):
                log.debug("%s %s %d %.1f ms", method, route, status, elapsed * 1000)
            unbind_request(token)
