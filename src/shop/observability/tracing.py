"""OpenTelemetry traces for FastAPI, SQLAlchemy, httpx and Redis, exported over OTLP/HTTP.

Off unless SHOP_OTLP_ENDPOINT is set: then each app gets its own TracerProvider (no reliance on
the process-wide one, so tests can build several apps). A trace starts only at an incoming
request (SERVER span), sampled at SHOP_TRACE_SAMPLE_RATIO; database and HTTP-client spans join
the request's trace, and the worker's polling queries, which have no request, are not traced.
The service name comes from OTEL_SERVICE_NAME (default: shopwright).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from typing import Any

from fastapi import FastAPI
from opentelemetry.context import Context
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor
from opentelemetry.instrumentation.redis import RedisInstrumentor
from opentelemetry.instrumentation.sqlalchemy.engine import EngineTracer
from opentelemetry.metrics import NoOpMeterProvider
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter
from opentelemetry.sdk.trace.sampling import (
    Decision,
    ParentBased,
    Sampler,
    SamplingResult,
    TraceIdRatioBased,
)
from opentelemetry.trace import Link, SpanKind, TraceState
from opentelemetry.util.types import Attributes
from sqlalchemy.ext.asyncio import AsyncEngine

from shop.config import Settings

DEFAULT_SERVICE_NAME = "shopwright"
# Probes and scrapes would be most of the traces and tell nothing.
EXCLUDED_URLS = "/healthz,/readyz,/metrics"


class RequestRootSampler(Sampler):
    """Roots only at incoming requests (and consumed messages), at the given ratio."""

    def __init__(self, ratio: float) -> None:
        self._ratio = TraceIdRatioBased(ratio)

    def should_sample(
        self,
        parent_context: Context | None,
        trace_id: int,
        name: str,
        kind: SpanKind | None = None,
        attributes: Attributes = None,
        links: Sequence[Link] | None = None,
        trace_state: TraceState | None = None,
    ) -> SamplingResult:
        if kind not in (SpanKind.SERVER, SpanKind.CONSUMER):
            return SamplingResult(Decision.DROP)
        return self._ratio.should_sample(
            parent_context, trace_id, name, kind, attributes, links, trace_state
        )

    def get_description(self) -> str:
        return f"RequestRootSampler({self._ratio.get_description()})"


def build_exporter(endpoint: str) -> SpanExporter:
    return OTLPSpanExporter(endpoint=endpoint)


def build_tracer_provider(settings: Settings) -> TracerProvider | None:
    if not settings.otlp_endpoint:
        return None
    resource = Resource.create(
        {"service.name": os.environ.get("OTEL_SERVICE_NAME", DEFAULT_SERVICE_NAME)}
    )
    provider = TracerProvider(
        resource=resource, sampler=ParentBased(RequestRootSampler(settings.trace_sample_ratio))
    )
    provider.add_span_processor(BatchSpanProcessor(build_exporter(settings.otlp_endpoint)))
    return provider


def instrument_app(app: FastAPI, provider: TracerProvider) -> None:
    """Must run before the app serves its first request (it wraps the middleware stack)."""
    FastAPIInstrumentor.instrument_app(
        app,
        tracer_provider=provider,
        meter_provider=NoOpMeterProvider(),
        excluded_urls=EXCLUDED_URLS,
    )


def instrument_resources(
    provider: TracerProvider,
    *,
    engines: Sequence[AsyncEngine],
    http: Any = None,
    redis: Any = None,
) -> Callable[[], None]:
    """Trace the app's engines and clients (built in the lifespan); returns the undo."""
    tracer = provider.get_tracer("shop.db")
    usage = NoOpMeterProvider().get_meter("shop.db").create_up_down_counter("unused")
    for engine in engines:
        EngineTracer(tracer, engine.sync_engine, usage)  # type: ignore[no-untyped-call]
    if http is not None:
        HTTPXClientInstrumentor.instrument_client(
            http, tracer_provider=provider, meter_provider=NoOpMeterProvider()
        )
    if redis is not None:
        RedisInstrumentor.instrument_client(redis, tracer_provider=provider)

    def undo() -> None:
        if redis is not None:
            RedisInstrumentor.uninstrument_client(redis)

    return undo
