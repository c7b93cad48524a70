"""A real Prometheus (Debian's 2.42) with Debian's node, PostgreSQL and Redis exporters, scraping a
live shop (PostgreSQL, Redis, test mode) on 127.0.0.1: every dashboard panel over the shop's and
the exporters' metrics returns data, and a burst of 5xx makes the error-rate alert go off."""

from __future__ import annotations

import shutil
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from shop.observability.install import FORCED_ERROR_PATH
from tests.databases import PostgresTemplate
from tests.live import LiveShop, free_port, start_shop
from tests.observability.monitoring_files import RULES, alert_rules, panel_queries
from tests.observability.promql import KUBERNETES_METRICS, metric_names

# One stack (a shop, three exporters, Prometheus) per module: keep its tests on one xdist worker.
pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.xdist_group("prometheus_stack")]

PROMETHEUS = "/usr/bin/prometheus"
EXPORTERS = {
    "node": "/usr/bin/prometheus-node-exporter",
    "postgres": "/usr/bin/prometheus-postgres-exporter",
    "redis": "/usr/bin/prometheus-redis-exporter",
}
EXPORTER_PREFIXES = ("node_", "pg_", "redis_")
SHOP_JOB = "shop-api"


@dataclass
class Stack:
    shop: LiveShop
    prometheus: str  # base URL

    def query(self, expr: str) -> list[dict[str, Any]]:
        response = httpx.get(f"{self.prometheus}/api/v1/query", params={"query": expr}, timeout=10)
        document = response.json()
        assert document["status"] == "success", (expr, document)
        result: list[dict[str, Any]] = document["data"]["result"]
        return result

    def alerts(self) -> list[dict[str, Any]]:
        document = httpx.get(f"{self.prometheus}/api/v1/alerts", timeout=10).json()
        alerts: list[dict[str, Any]] = document["data"]["alerts"]
        return alerts


def binary(path: str) -> str:
    if shutil.which(path) is None:
        pytest.fail(f"{path} is missing: scripts/bootstrap.sh services installs it")
    return path


def wait_until(check: Callable[[], bool], *, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except httpx.TransportError:
            pass
        time.sleep(0.25)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


class Processes:
    def __init__(self, logs: Path) -> None:
        self.logs = logs
        self.running: list[subprocess.Popen[bytes]] = []

    def start(self, name: str, command: list[str], env: dict[str, str] | None = None) -> None:
        with (self.logs / f"{name}.log").open("wb") as log:
            process = subprocess.Popen(  # noqa: S603 (our own test binaries)
                command, stdout=log, stderr=subprocess.STDOUT, env=env
            )
        self.running.append(process)

    def stop(self) -> None:
        for process in self.running:
            process.terminate()
        for process in self.running:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def start_exporters(processes: Processes) -> dict[str, str]:
    ports = {name: free_port() for name in EXPORTERS}
    processes.start(
        "node",
        [
            binary(EXPORTERS["node"]),
            f"--web.listen-address=127.0.0.1:{ports['node']}",
            # Only what the dashboards and alerts read: the rest would cost the shared machine.
            "--collector.disable-defaults",
            "--collector.cpu",
            "--collector.meminfo",
            "--collector.filesystem",
            "--collector.loadavg",
            "--collector.netdev",
        ],
    )
    processes.start(
        "postgres",
        [binary(EXPORTERS["postgres"]), f"--web.listen-address=127.0.0.1:{ports['postgres']}"],
        env={"DATA_SOURCE_NAME": "postgresql://postgres@127.0.0.1:5432/postgres?sslmode=disable"},
    )
    processes.start(
        "redis",
        [
            binary(EXPORTERS["redis"]),
            f"--web.listen-address=127.0.0.1:{ports['redis']}",
            "--redis.addr=redis://127.0.0.1:6379",
        ],
    )
    targets = {name: f"127.0.0.1:{port}" for name, port in ports.items()}
    for name, target in targets.items():
        wait_until(
            lambda t=target: httpx.get(f"http://{t}/metrics", timeout=5).status_code == 200,
            timeout=30,
            what=f"the {name} exporter",
        )
    return targets


def prometheus_config(shop: LiveShop, exporters: dict[str, str]) -> dict[str, Any]:
    def job(name: str, target: str) -> dict[str, Any]:
        return {"job_name": name, "static_configs": [{"targets": [target]}]}

    return {
        # Seconds instead of the 15 s of deploy/monitoring/prometheus.yml: the test has no time.
        "global": {"scrape_interval": "1s", "evaluation_interval": "1s", "scrape_timeout": "1s"},
        "rule_files": [str(RULES)],
        "scrape_configs": [
            job(SHOP_JOB, shop.base_url.removeprefix("http://")),
            *(job(name, target) for name, target in exporters.items()),
        ],
    }


@pytest.fixture(scope="module")
def stack(
    postgres_template: PostgresTemplate, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Stack]:
    work = tmp_path_factory.mktemp("prometheus_stack")
    url = postgres_template.clone()
    shop = start_shop(url, work / "shop", SHOP_REDIS_URL="redis://127.0.0.1:6379/14")
    processes = Processes(work)
    try:
        exporters = start_exporters(processes)
        config = work / "prometheus.yml"
        config.write_text(yaml.safe_dump(prometheus_config(shop, exporters)))
        port = free_port()
        processes.start(
            "prometheus",
            [
                binary(PROMETHEUS),
                f"--config.file={config}",
                f"--storage.tsdb.path={work / 'tsdb'}",
                f"--web.listen-address=127.0.0.1:{port}",
            ],
        )
        base = f"http://127.0.0.1:{port}"
        wait_until(
            lambda: httpx.get(f"{base}/-/ready", timeout=2).status_code == 200,
            timeout=60,
            what="Prometheus",
        )
        stack = Stack(shop, base)
        # Ready is not scraped: wait until every target has answered one scrape.
        wait_until(
            lambda: (
                {r["metric"]["job"]: r["value"][1] for r in stack.query("up")}
                == {job: "1" for job in (SHOP_JOB, *exporters)}
            ),
            timeout=60,
            what="a first scrape of every target",
        )
        yield stack
    finally:
        processes.stop()
        shop.stop()
        postgres_template.drop(url)


def drive_traffic(base_url: str) -> None:
    """A little of everything the dashboards show: browsing, cache hits, carts, a paid and a
    declined checkout (their confirmation email is a background job), refused sign-ins (401, then
    429), a request without credentials and probes of paths that do not exist."""
    with httpx.Client(base_url=base_url, timeout=30) as http:
        listing = http.get("/api/v1/products", params={"page_size": 4})
        assert listing.status_code == 200
        slugs = [item["slug"] for item in listing.json()["items"]]
        for _ in range(2):
            http.get("/api/v1/categories")
            for slug in slugs:
                assert http.get(f"/api/v1/products/{slug}").status_code == 200
        variant_id = None
        for slug in slugs:
            product = http.get(f"/api/v1/products/{slug}").json()
            in_stock = [v["id"] for v in product["variants"] if v["in_stock"]]
            if in_stock:
                variant_id = in_stock[0]
                break
        assert variant_id is not None
        for card in ("tok_visa", "tok_chargeDeclined"):
            cart = http.post("/api/v1/carts").json()
            headers = {"X-Cart-Token": cart["token"]}
            added = http.post(
                f"/api/v1/carts/{cart['id']}/items",
                json={"variant_id": variant_id, "quantity": 1},
                headers=headers,
            )
            assert added.status_code == 200, added.text
            checkout = http.post(
                "/api/v1/checkout",
                json={
                    "cart_id": cart["id"],
                    "email": "watcher@example.com",
                    "shipping_address": {
                        "name": "Ada Buyer",
                        "line1": "1 Main Street",
                        "city": "Springfield",
                        "region": "IL",
                        "postal_code": "62701",
                        "country": "US",
                    },
                    "shipping_method": "standard",
                    "payment": {"provider": "sandbox", "token": card},
                },
                headers={**headers, "Idempotency-Key": str(uuid.uuid4())},
            )
            assert checkout.status_code in (201, 402), checkout.text
        for _ in range(4):
            http.post(
                "/api/v1/auth/login",
                json={"email": "intruder@example.com", "password": "Guess-1234-guess"},
            )
        assert http.get("/api/v1/auth/me").status_code == 401
        assert http.get("/").status_code == 200  # a storefront page
        for path in ("/wp-login.php", "/.env", "/admin.php"):
            http.get(path)


def classify(expr: str) -> str:
    names = metric_names(expr)
    if names & KUBERNETES_METRICS:
        return "kubernetes"
    if any(name.startswith("testhub_") for name in names):
        return "hub"
    return "live"


class TestPrometheus:
    def test_every_panel_over_shop_and_exporter_metrics_returns_data(self, stack: Stack) -> None:
        drive_traffic(stack.shop.base_url)
        live = [
            (board, title, expr)
            for board, title, expr in panel_queries()
            if classify(expr) == "live"
        ]
        assert len(live) > 40

        empty: list[tuple[str, str, str]] = []

        def all_have_data() -> bool:
            empty[:] = [query for query in live if not stack.query(query[2])]
            return not empty

        try:
            wait_until(all_have_data, timeout=60, what="data in every panel")
        except AssertionError:
            pytest.fail(f"panels without data: {empty}")

    def test_the_shop_and_exporters_are_up(self, stack: Stack) -> None:
        up = {r["metric"]["job"]: r["value"][1] for r in stack.query("up")}
        assert up == {SHOP_JOB: "1", "node": "1", "postgres": "1", "redis": "1"}

    def test_exporter_metrics_read_by_rules_and_panels_exist(self, stack: Stack) -> None:
        wanted = {
            name
            for expr in [rule["expr"] for rule in alert_rules()] + [q[2] for q in panel_queries()]
            for name in metric_names(str(expr))
            if name.startswith(EXPORTER_PREFIXES)
        }
        present = {
            r["metric"]["__name__"]
            for r in stack.query('count by (__name__) ({__name__=~"node_.+|pg_.+|redis_.+"})')
        }
        assert wanted
        assert wanted <= present, wanted - present

    def test_a_burst_of_server_errors_sets_off_the_error_rate_alert(self, stack: Stack) -> None:
        def error_alert() -> dict[str, Any] | None:
            return next(
                (a for a in stack.alerts() if a["labels"]["alertname"] == "ShopHighErrorRate"),
                None,
            )

        assert error_alert() is None
        # uvicorn closes a connection whose app raised: one connection per request.
        with httpx.Client(
            base_url=stack.shop.base_url, timeout=30, headers={"Connection": "close"}
        ) as http:
            # rate() counts no increase in a series' first sample: let Prometheus see the
            # 5xx series once before the burst, as it would have in a long-running shop.
            assert http.get(FORCED_ERROR_PATH).status_code == 500
            wait_until(
                lambda: bool(stack.query('shop_http_requests_total{status=~"5.."}')),
                timeout=30,
                what="the 5xx series in Prometheus",
            )
            for _ in range(150):
                assert http.get(FORCED_ERROR_PATH).status_code == 500

        wait_until(
            lambda: (
                (alert := error_alert()) is not None and alert["state"] in ("pending", "firing")
            ),
            timeout=60,
            what="ShopHighErrorRate to go pending",
        )
        alert = error_alert()
        assert alert is not None
        assert alert["labels"]["severity"] == "critical"
        assert alert["labels"]["job"] == SHOP_JOB
