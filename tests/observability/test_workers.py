"""`shop run --workers 2`: each worker process writes its own values, and /metrics, whichever
worker answers it, shows their sum."""

from __future__ import annotations

import re
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from shop.config import PROJECT_ROOT
from shop.observability.exposition import render_metrics
from shop.observability.tally import PUBLISH_INTERVAL
from tests.databases import SqliteTemplate
from tests.live import SHOP_COMMAND, LiveShop, free_port, shop_env
from tests.observability.samples import parse, total

READY_WITHIN_SECONDS = 120
HEALTH = {"route": "/healthz", "method": "GET", "status": "200"}


@pytest.fixture(scope="module")
def two_workers(
    sqlite_template: SqliteTemplate, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[LiveShop, Path]]:
    url = sqlite_template.clone()
    var_dir = tmp_path_factory.mktemp("two_workers")
    values = var_dir / "metrics"
    values.mkdir()
    (values / "counter_999999.db").write_bytes(b"left over from an earlier run")
    shop = start_two_workers(url, var_dir, PROMETHEUS_MULTIPROC_DIR=str(values))
    yield shop, values
    shop.stop()
    sqlite_template.drop(url)


def start_two_workers(database_url: str, var_dir: Path, **extra: str) -> LiveShop:
    """Like tests.live.start_shop, with more patience: two workers import the whole app each,
    which takes well over start_shop's 30 s on a busy 2-core machine."""
    env = shop_env(database_url, var_dir, **extra)
    port = free_port()
    env["SHOP_PUBLIC_URL"] = f"http://127.0.0.1:{port}"
    with (var_dir / "shop.log").open("wb") as log:
        process = subprocess.Popen(  # noqa: S603 (our own command)
            [*SHOP_COMMAND, "run", "--port", str(port), "--workers", "2"],
            env=env,
            cwd=PROJECT_ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    shop = LiveShop(f"http://127.0.0.1:{port}", database_url, var_dir, process, env)
    deadline = time.monotonic() + READY_WITHIN_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError((var_dir / "shop.log").read_text(errors="replace"))
        try:
            if httpx.get(f"{shop.base_url}/readyz", timeout=1).status_code == 200:
                return shop
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    shop.stop()
    raise RuntimeError(f"two workers were not ready within {READY_WITHIN_SECONDS} s")


def worker_pids(values: Path) -> set[str]:
    return {
        m.group(1) for p in values.glob("counter_*.db") if (m := re.search(r"_(\d+)\.db$", p.name))
    }


def counts_by_worker(values: Path, scratch: Path) -> dict[str, float]:
    """Each worker's own count of /healthz requests, read from its files alone."""
    counts = {}
    for pid in worker_pids(values):
        own = scratch / pid
        own.mkdir(exist_ok=True)
        for path in values.glob(f"*_{pid}.db"):
            shutil.copy(path, own / path.name)
        counts[pid] = total(
            parse(render_metrics(own).decode()), "shop_http_requests_total", **HEALTH
        )
    return counts


class TestTwoWorkers:
    def test_metrics_are_summed_over_the_workers(
        self, two_workers: tuple[LiveShop, Path], tmp_path: Path
    ) -> None:
        shop, values = two_workers
        assert "999999" not in worker_pids(values)  # the directory was emptied at start
        sent = 0
        by_worker: dict[str, float] = {}
        # New connections until both workers have answered some (the kernel spreads them).
        while sent < 400 and len(by_worker) < 2:
            for _ in range(20):
                with httpx.Client(base_url=shop.base_url) as client:
                    assert client.get("/healthz").status_code == 200
                sent += 1
            # The parent process (uvicorn's supervisor) has files too, but serves nothing.
            by_worker = {pid: n for pid, n in counts_by_worker(values, tmp_path).items() if n}
        # Workers publish their HTTP counts every PUBLISH_INTERVAL: wait for the last batch.
        deadline = time.monotonic() + 10 * PUBLISH_INTERVAL
        while sum(by_worker.values()) < sent and time.monotonic() < deadline:
            time.sleep(PUBLISH_INTERVAL / 4)
            by_worker = {pid: n for pid, n in counts_by_worker(values, tmp_path).items() if n}
        assert len(by_worker) == 2, by_worker

        scrapes = []
        for _ in range(6):
            with httpx.Client(base_url=shop.base_url) as client:
                response = client.get("/metrics")
            assert response.status_code == 200
            scrapes.append(total(parse(response.text), "shop_http_requests_total", **HEALTH))

        assert sum(by_worker.values()) == sent
        assert scrapes == [sent] * 6

    def test_in_flight_and_pool_gauges_sum_live_workers(
        self, two_workers: tuple[LiveShop, Path]
    ) -> None:
        shop, _ = two_workers
        # A worker's in-flight count is published every PUBLISH_INTERVAL: one published during
        # an earlier request reads 1 until the next publish.
        deadline = time.monotonic() + 10 * PUBLISH_INTERVAL
        while True:
            with httpx.Client(base_url=shop.base_url) as client:
                samples = parse(client.get("/metrics").text)
            in_flight = total(samples, "shop_http_requests_in_flight")
            if in_flight == 0 or time.monotonic() > deadline:
                break
            time.sleep(PUBLISH_INTERVAL / 4)

        # SQLite: a writer and a reader engine of 10 connections in each of the two workers.
        assert total(samples, "shop_db_pool_size") == 2 * 2 * 10
        assert in_flight == 0
