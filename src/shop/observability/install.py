"""Wires metrics, logging and tracing into the app (called by shop.main for every role).

Two hooks keep shop.main unaware of the details:
- the HTTP metrics middleware wraps the *whole* middleware stack (outside Starlette's error
  middleware), so unhandled errors are counted as the 500s they become and their log lines
  still carry the request id (and the trace id: tracing wraps around it);
- the app's lifespan is wrapped, to instrument the engines and clients it creates and to
  retire them at shutdown.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager, nullcontext
from typing import Any

from fastapi import FastAPI
from prometheus_client import multiprocess
from starlette.middleware.errors import ServerErrorMiddleware
from starlette.types import ASGIApp

from shop.config import Settings
from shop.db.session import Database
from shop.observability import metrics, tracing
from shop.observability.database import instrument_engine
from shop.observability.exposition import METRICS_PATH, metrics_endpoint, served_by_app
from shop.observability.http import HttpMetricsMiddleware
from shop.observability.logs import configure_logging
from shop.observability.tally import publishing

# Test mode only: a route that fails, to prove error counting and the error-rate alert.
FORCED_ERROR_PATH = "/api/v1/test/observability/error"


class ForcedError(RuntimeError):
    """Raised on purpose by the test-mode route."""


def install_observability(app: FastAPI, settings: Settings) -> None:
    configure_logging(settings)
    provider = tracing.build_tracer_provider(settings)
    if settings.metrics_enabled:
        metrics.initialize_series(providers=settings.providers, currency=settings.currency)
        _wrap_middleware_stack(app, traced=provider is not None)
        if served_by_app(settings):
            app.add_api_route(METRICS_PATH, metrics_endpoint, include_in_schema=False)
    if settings.is_test:
        app.add_api_route(FORCED_ERROR_PATH, _forced_error, include_in_schema=False)
    app.state.tracer_provider = provider
    if provider is not None:
        tracing.instrument_app(app, provider)
    _wrap_lifespan(app, settings)


def _wrap_middleware_stack(app: FastAPI, *, traced: bool) -> None:
    build = app.build_middleware_stack

    def build_with_metrics() -> ASGIApp:
        measured = HttpMetricsMiddleware(build(), skip_paths=frozenset({METRICS_PATH}))
        if not traced:
            return measured
        # Keep Starlette's shape (ServerErrorMiddleware outermost) for OpenTelemetry's wrapper,
        # which then puts its span around ours. Without a handler, this one only re-raises: the
        # inner one has answered 500 and logged already.
        return ServerErrorMiddleware(measured)

    app.build_middleware_stack = build_with_metrics  # type: ignore[method-assign]


def _wrap_lifespan(app: FastAPI, settings: Settings) -> None:
    inner: Callable[[Any], AbstractAsyncContextManager[Any]] = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(application: Any) -> AsyncIterator[Any]:
        async with inner(application) as state:
            retire = _instrument_resources(application, settings)
            try:
                # The last HTTP totals are published before the process is marked dead.
                async with publishing() if settings.metrics_enabled else nullcontext():
                    yield state
            finally:
                for undo in retire:
                    undo()

    app.router.lifespan_context = lifespan


def _instrument_resources(app: FastAPI, settings: Settings) -> list[Callable[[], None]]:
    database: Database | None = getattr(app.state, "database", None)
    engines = []
    if database is not None:
        engines.append(("primary", database.primary))
        if database.replica is not database.primary:
            engines.append(("replica", database.replica))
    retire: list[Callable[[], None]] = []
    if settings.metrics_enabled:
        retire += [instrument_engine(engine, name=name) for name, engine in engines]
        if metrics.MULTIPROCESS:
            # Drop this process's live gauges (in flight, pool) from the shared sums.
            retire.append(lambda: multiprocess.mark_process_dead(os.getpid()))  # type: ignore[no-untyped-call]
    provider = app.state.tracer_provider
    if provider is not None:
        retire.append(
            tracing.instrument_resources(
                provider,
                engines=[engine for _, engine in engines],
                http=getattr(app.state, "http", None),
                redis=getattr(app.state, "redis", None),
            )
        )
        retire.append(provider.shutdown)
    return retire


async def _forced_error() -> None:
    raise ForcedError("forced failure (test mode) for the observability checks")
