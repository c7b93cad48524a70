"""Traces: one trace per request with the database, HTTP-client and Redis calls it made, the
trace id in the request's log lines, nothing when no endpoint is configured."""

from __future__ import annotations

import io
import json
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import SpanExporter
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from shop.config import LogFormat
from shop.main import AppRole, create_app
from shop.observability import tracing
from shop.observability.logs import configure_logging
from tests.conftest import make_settings

REDIS_URL = "redis://127.0.0.1:6379/15"


@pytest.fixture
def exporter(monkeypatch: pytest.MonkeyPatch) -> InMemorySpanExporter:
    """The OTLP exporter swapped for the SDK's in-memory one (the rest of the set-up is real)."""
    memory = InMemorySpanExporter()

    def build_exporter(endpoint: str) -> SpanExporter:
        assert endpoint == "http://collector.invalid:4318/v1/traces"
        return memory

    monkeypatch.setattr(tracing, "build_exporter", build_exporter)
    return memory


@pytest.fixture
async def traced_app(
    database_url: str, tmp_path: Path, exporter: InMemorySpanExporter
) -> AsyncIterator[FastAPI]:
    settings = make_settings(
        database_url,
        tmp_path / "var",
        otlp_endpoint="http://collector.invalid:4318/v1/traces",
        redis_url=REDIS_URL,
    )
    application = create_app(AppRole.ALL, settings=settings)
    async with application.router.lifespan_context(application):
        yield application


async def get(app: FastAPI, path: str, **headers: str) -> httpx.Response:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        return await client.get(path, headers=headers)


def finished(app: FastAPI, exporter: InMemorySpanExporter) -> list[ReadableSpan]:
    app.state.tracer_provider.force_flush()
    return list(exporter.get_finished_spans())


@pytest.mark.redis
class TestTracing:
    async def test_a_request_is_one_trace_with_its_queries(
        self, traced_app: FastAPI, exporter: InMemorySpanExporter
    ) -> None:
        exporter.clear()

        response = await get(traced_app, "/api/v1/products/no-such-product")

        assert response.status_code == 404
        spans = finished(traced_app, exporter)
        servers = [s for s in spans if s.kind is SpanKind.SERVER]
        assert len(servers) == 1
        server = servers[0]
        assert server.attributes is not None
        assert server.attributes.get("http.route") == "/api/v1/products/{reference}"
        trace_id = server.context.trace_id
        queries = [
            s for s in spans if (s.attributes or {}).get("db.system") in ("sqlite", "postgresql")
        ]
        assert queries, [s.name for s in spans]
        assert {s.context.trace_id for s in queries} == {trace_id}

    async def test_outgoing_http_and_redis_calls_join_the_trace(
        self, traced_app: FastAPI, exporter: InMemorySpanExporter
    ) -> None:
        exporter.clear()
        tracer = traced_app.state.tracer_provider.get_tracer("test")
        dead = "http://127.0.0.1:9/unreachable"

        with tracer.start_as_current_span("request", kind=SpanKind.SERVER) as request_span:
            assert await traced_app.state.redis.ping()
            with pytest.raises(httpx.ConnectError):
                await traced_app.state.http.get(dead)
        with pytest.raises(httpx.ConnectError):  # outside any request: not traced
            await traced_app.state.http.get(dead)

        spans = finished(traced_app, exporter)
        trace_id = request_span.get_span_context().trace_id
        clients = [s for s in spans if s.kind is SpanKind.CLIENT]
        assert any((s.attributes or {}).get("db.system") == "redis" for s in clients)
        assert len([s for s in clients if "127.0.0.1:9/" in str(dict(s.attributes or {}))]) == 1
        assert {s.context.trace_id for s in clients} == {trace_id}

    async def test_an_incoming_trace_is_continued(
        self, traced_app: FastAPI, exporter: InMemorySpanExporter
    ) -> None:
        exporter.clear()
        parent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"

        await get(traced_app, "/healthz", traceparent=parent)
        await get(traced_app, "/api/v1/categories", traceparent=parent)

        (server,) = [s for s in finished(traced_app, exporter) if s.kind is SpanKind.SERVER]
        assert format(server.context.trace_id, "032x") == "4bf92f3577b34da6a3ce929d0e0e4736"

    async def test_the_trace_id_is_in_the_request_log_lines(
        self, traced_app: FastAPI, exporter: InMemorySpanExporter
    ) -> None:
        stream = io.StringIO()
        settings = traced_app.state.settings
        configure_logging(
            settings.model_copy(update={"log_format": LogFormat.JSON, "log_level": "DEBUG"}),
            stream=stream,
        )
        exporter.clear()
        try:
            await get(traced_app, "/api/v1/categories")
        finally:
            configure_logging(settings)

        (server,) = [s for s in finished(traced_app, exporter) if s.kind is SpanKind.SERVER]
        access = [
            json.loads(line)
            for line in stream.getvalue().splitlines()
            if '"logger": "shop.http"' in line
        ]
        assert [line["trace_id"] for line in access] == [format(server.context.trace_id, "032x")]


class TestTracingOff:
    async def test_no_provider_without_an_endpoint(self, app: FastAPI) -> None:
        assert app.state.tracer_provider is None
