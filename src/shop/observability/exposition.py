"""/metrics in the Prometheus text format, summed over the worker processes, and who may read it.

Who may read it: with SHOP_METRICS_TOKEN, only a caller sending `Authorization: Bearer <token>`.
Without a token it is open in development and test, and not served at all in production (404),
unless SHOP_METRICS_PORT moves it to a separate port that only the cluster reaches; then the main
port never serves it.
"""

from __future__ import annotations

import hmac
import os
from pathlib import Path

from fastapi import Request
from fastapi.responses import Response
from prometheus_client import REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector
from starlette.concurrency import run_in_threadpool

from shop.config import Settings
from shop.errors import Unauthorized
from shop.observability import metrics
from shop.observability.tally import TALLY

METRICS_PATH = "/metrics"
MULTIPROCESS_DIR_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"
# Prometheus 2.x reads the classic text format; prometheus_client would announce 1.0.0 by default.
CONTENT_TYPE = CONTENT_TYPE_PLAIN_0_0_4


def collector_registry(multiprocess_dir: Path | None = None) -> Collector:
    """The registry to render: the per-process files when several processes write them."""
    directory = multiprocess_dir
    if directory is None and metrics.MULTIPROCESS:
        directory = Path(os.environ[MULTIPROCESS_DIR_VARIABLE])
    if directory is None:
        return REGISTRY
    registry = CollectorRegistry()
    MultiProcessCollector(registry, path=str(directory))  # type: ignore[no-untyped-call]
    return registry


def render_metrics(multiprocess_dir: Path | None = None) -> bytes:
    return generate_latest(collector_registry(multiprocess_dir))


def served_by_app(settings: Settings) -> bool:
    if not settings.metrics_enabled or settings.metrics_port is not None:
        return False
    return settings.metrics_token is not None or not settings.is_production


def token_accepted(authorization: str | None, settings: Settings) -> bool:
    if settings.metrics_token is None:
        return True
    expected = f"Bearer {settings.metrics_token.get_secret_value()}"
    given = (authorization or "").encode()
    return hmac.compare_digest(given, expected.encode())


async def metrics_endpoint(request: Request) -> Response:
    settings: Settings = request.app.state.settings
    if not token_accepted(request.headers.get("authorization"), settings):
        raise Unauthorized("/metrics needs 'Authorization: Bearer <SHOP_METRICS_TOKEN>'")
    # This process's HTTP tally first (on the loop's thread, which alone touches it), then the
    # blocking read of every process's files in the thread pool.
    TALLY.publish()
    return Response(await run_in_threadpool(render_metrics), media_type=CONTENT_TYPE)
