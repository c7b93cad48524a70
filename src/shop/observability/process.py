"""Set-up of the server and worker processes, before any app is built: logging, the directory
where uvicorn's worker processes leave their metric values, and the separate metrics port."""

from __future__ import annotations

import os
from pathlib import Path

from prometheus_client import start_http_server

from shop.config import Settings
from shop.observability.exposition import MULTIPROCESS_DIR_VARIABLE, collector_registry
from shop.observability.logs import configure_logging

ALL_INTERFACES = "0.0.0.0"  # noqa: S104 (the worker's metrics port is meant for the cluster's Prometheus)


def reset_multiprocess_dir(directory: Path) -> None:
    """Values of an earlier run would be summed with this run's: start empty. This process's
    own files stay: it may have opened them already (and may serve the app itself)."""
    directory.mkdir(parents=True, exist_ok=True)
    own = f"_{os.getpid()}.db"
    for stale in directory.glob("*.db"):
        if not stale.name.endswith(own):
            stale.unlink(missing_ok=True)


def prepare_server(settings: Settings, *, host: str, workers: int, reload: bool) -> None:
    """`shop run`, before uvicorn starts. Several processes (workers, or the reloader's child)
    share PROMETHEUS_MULTIPROC_DIR; it must be in the environment before they import
    prometheus_client, so it is set here, in the parent they inherit it from."""
    configure_logging(settings)
    if not settings.metrics_enabled:
        return
    directory: Path | None = None
    inherited = os.environ.get(MULTIPROCESS_DIR_VARIABLE)
    if inherited or workers > 1 or reload:
        directory = Path(inherited) if inherited else settings.var_dir / "prometheus"
        reset_multiprocess_dir(directory)
        os.environ[MULTIPROCESS_DIR_VARIABLE] = str(directory)
    if settings.metrics_port is not None:
        # Served by this (parent) process from the workers' files, or its own values when the
        # app runs in this process.
        start_http_server(settings.metrics_port, addr=host, registry=collector_registry(directory))


def prepare_worker(settings: Settings) -> None:
    """`shop worker`: it has no HTTP server of its own, so its metrics need the separate port."""
    configure_logging(settings)
    if settings.metrics_enabled and settings.metrics_port is not None:
        start_http_server(settings.metrics_port, addr=ALL_INTERFACES)
