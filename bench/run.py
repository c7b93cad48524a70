"""Benchmark the shop on PostgreSQL with wrk and print a table against the targets.

    make bench                      # or: uv run python bench/run.py [--duration 10] [--skip-setup]
                                    #     [--only api|pages|checkout|instrumentation ...]

Steps: recreate the `shop_bench` database, migrate, seed N generated products, start
`shop run --workers 2` on a free port, wait for /readyz, then per scenario a short wrk warm-up and
a timed wrk run with --latency. The server is stopped at the end, also on failure or Ctrl-C.
Everything talks to 127.0.0.1 only. Exit status 1 when a target is missed.

Add a scenario by appending to SCENARIOS: a path (or several, rotated by a wrk Lua script) and
its targets. The first scenario is the ceiling the others are compared with.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from checkout import CheckoutStats, run_checkouts
from instrumentation import instrumentation_table, measure_instrumentation
from pages import first_visit_weight, measure_pages, pages_table

ROOT = Path(__file__).resolve().parents[1]
HOST = "127.0.0.1"
PG_ADMIN = ["psql", "-h", HOST, "-U", "postgres", "-v", "ON_ERROR_STOP=1", "-qtA"]
DATABASE = "shop_bench"
DATABASE_URL = f"postgresql+asyncpg://postgres@{HOST}/{DATABASE}"
# A word every generated name may start with (see shop.seed.taxonomy.ADJECTIVES): about 1 in 24
# products match, a realistic result size for a shopper's search.
SEARCH_WORD = "classic"
P99_LIMIT_MS = 100.0
REDIS_URL = f"redis://{HOST}:6379/3"


@dataclass(frozen=True)
class Scenario:
    name: str
    paths: Callable[[Fixtures], list[str]]  # one path, or several rotated round-robin
    min_share: float | None  # of the ceiling's req/s; None for the ceiling itself
    max_p99_ms: float = P99_LIMIT_MS


@dataclass(frozen=True)
class Fixtures:
    """Data picked from the seeded database that scenarios build their paths from."""

    slugs: list[str]


SCENARIOS: list[Scenario] = [
    Scenario("ceiling: /healthz", lambda f: ["/healthz"], None),
    Scenario("product listing", lambda f: ["/api/v1/products?page_size=24"], 0.07),
    Scenario("search", lambda f: [f"/api/v1/products?q={SEARCH_WORD}"], 0.07),
    Scenario("product detail", lambda f: [f"/api/v1/products/{s}" for s in f.slugs], 0.15),
]


@dataclass(frozen=True)
class WrkResult:
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    requests: int
    errors: int  # socket errors plus non-2xx/3xx responses


@dataclass(frozen=True)
class Options:
    products: int
    duration: int
    warmup: int
    threads: int
    connections: int
    workers: int
    buyers: int
    skip_setup: bool
    only: list[str] | None


# What `--only` can pick; all of them by default.
SECTIONS = ("api", "pages", "checkout", "instrumentation")


def log(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def parse_options(argv: list[str] | None) -> Options:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--products", type=int, default=10_000, help="products to seed")
    parser.add_argument("--duration", type=int, default=10, help="seconds per scenario")
    parser.add_argument("--warmup", type=int, default=2, help="warm-up seconds per scenario")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--connections", type=int, default=32, help="wrk connections")
    parser.add_argument("--workers", type=int, default=2, help="server worker processes")
    parser.add_argument("--buyers", type=int, default=50, help="concurrent checkout buyers")
    parser.add_argument(
        "--skip-setup", action="store_true", help="reuse the existing shop_bench database"
    )
    parser.add_argument(
        "--only",
        action="append",
        choices=SECTIONS,
        help="run only this section (repeatable); the API scenarios' ceiling runs with any",
    )
    args = parser.parse_args(argv)
    return Options(**vars(args))


def shop_command(*args: str) -> list[str]:
    # The `shop` script installed next to this interpreter (the project's venv).
    return [str(Path(sys.executable).with_name("shop")), *args]


def server_environment(var_dir: Path) -> dict[str, str]:
    return {
        **os.environ,
        "SHOP_DATABASE_URL": DATABASE_URL,
        "SHOP_ENV": "development",
        "SHOP_LOG_LEVEL": "warning",
        "SHOP_VAR_DIR": str(var_dir),
        # As in production: Redis carries the catalog cache's invalidations between workers.
        "SHOP_REDIS_URL": REDIS_URL,
    }


def psql(sql: str, database: str = "postgres") -> str:
    done = subprocess.run(
        [*PG_ADMIN, "-d", database, "-c", sql], check=True, capture_output=True, text=True
    )
    return done.stdout


def prepare_database(options: Options, env: dict[str, str]) -> None:
    log(f"recreating database {DATABASE}")
    psql(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
    psql(f'CREATE DATABASE "{DATABASE}"')
    subprocess.run(shop_command("migrate"), env=env, check=True, timeout=300)
    log(f"seeding {options.products:,} products")
    started = time.perf_counter()
    subprocess.run(
        shop_command("seed", "--scale", str(options.products)), env=env, check=True, timeout=600
    )
    log(f"seeded in {time.perf_counter() - started:.1f} s")
    psql("VACUUM ANALYZE", DATABASE)


def pick_fixtures() -> Fixtures:
    # Spread over the table rather than the first rows, so detail requests are not all hot.
    rows = psql(
        "SELECT slug FROM products WHERE status = 'active' ORDER BY md5(slug) LIMIT 64", DATABASE
    )
    slugs = [line for line in rows.splitlines() if line]
    if not slugs:
        raise SystemExit("the bench database has no active products; run without --skip-setup")
    return Fixtures(slugs=slugs)


CHECKOUT_POOL = 20  # variants the buyers spread over
CHECKOUT_STOCK = 400  # units each: about what a 10 s run sells, so some buyers meet a sell-out
CHECKOUT_TARGET_PER_SECOND = 200.0
CHECKOUT_P99_MS = 250.0


def prepare_checkout_pool() -> list[int]:
    """Tracked variants of active products with a known stock (recorded in the ledger as an
    adjustment, like a stock count would be)."""
    rows = psql(
        "SELECT v.id FROM variants v JOIN products p ON p.id = v.product_id "
        f"WHERE p.status = 'active' AND v.is_active ORDER BY v.id LIMIT {CHECKOUT_POOL}",
        DATABASE,
    )
    ids = [int(line) for line in rows.splitlines() if line]
    id_list = ",".join(map(str, ids))
    psql(
        "INSERT INTO inventory_movements (variant_id, kind, delta, reason, created_at) "
        f"SELECT id, 'adjustment', {CHECKOUT_STOCK} - stock_quantity, 'bench stock count', now() "
        f"FROM variants WHERE id IN ({id_list}) AND stock_quantity <> {CHECKOUT_STOCK}; "
        f"UPDATE variants SET stock_quantity = {CHECKOUT_STOCK}, track_inventory = true "
        f"WHERE id IN ({id_list})",
        DATABASE,
    )
    return ids


def oversold_units(variant_ids: list[int]) -> int:
    """Units sold beyond the stock each pool variant started with (must be 0)."""
    id_list = ",".join(map(str, variant_ids))
    rows = psql(
        "SELECT coalesce(sum(greatest(sold - "
        f"{CHECKOUT_STOCK}, 0)), 0) FROM (SELECT l.variant_id, sum(l.quantity) AS sold "
        "FROM order_lines l JOIN orders o ON o.id = l.order_id "
        f"WHERE l.variant_id IN ({id_list}) AND o.status <> 'cancelled' "
        "GROUP BY l.variant_id) s",
        DATABASE,
    )
    return int(rows.strip() or 0)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        port: int = probe.getsockname()[1]
        return port


@contextlib.contextmanager
def running_server(options: Options, env: dict[str, str], log_file: Path) -> Iterator[str]:
    port = free_port()
    # The embedded sandbox payment provider is reached through the shop's public URL.
    env = {**env, "SHOP_PUBLIC_URL": f"http://{HOST}:{port}"}
    command = shop_command("run", "--workers", str(options.workers), "--port", str(port))
    with log_file.open("w") as output:
        # Own process group: stopping it reaches uvicorn's worker processes too.
        server = subprocess.Popen(
            command, env=env, stdout=output, stderr=subprocess.STDOUT, start_new_session=True
        )
    log(f"server pid {server.pid} on port {port} (log: {log_file})")
    try:
        base = f"http://{HOST}:{port}"
        SERVER_GROUPS[base] = server.pid
        wait_until_ready(f"{base}/readyz", server, timeout=60)
        yield base
    finally:
        stop(server)


# The process group of the server answering at a base URL (uvicorn's workers are in it).
SERVER_GROUPS: dict[str, int] = {}


def server_cpu_seconds(base: str) -> float:
    """CPU time (user + system) used so far by every live process of the server's group."""
    group = SERVER_GROUPS[base]
    return _cpu_seconds(lambda name, pgrp: pgrp == group)


def postgres_cpu_seconds() -> float:
    """CPU time used so far by the local PostgreSQL's live processes (its backends included)."""
    return _cpu_seconds(lambda name, pgrp: name == "postgres")


def _cpu_seconds(select: Callable[[str, int], bool]) -> float:
    ticks = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError):
            # The command name (field 2) may hold spaces: split around its parentheses.
            head, tail = stat.read_text().rsplit(")", 1)
            fields = tail.split()
            if select(head.split("(", 1)[1], int(fields[2])):  # comm, pgrp
                ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / os.sysconf("SC_CLK_TCK")


def stop(server: subprocess.Popen[bytes]) -> None:
    if server.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(server.pid, signal.SIGTERM)
    try:
        server.wait(timeout=15)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.pid, signal.SIGKILL)
        server.wait(timeout=5)
    log(f"server pid {server.pid} stopped")


def wait_until_ready(url: str, server: subprocess.Popen[bytes], *, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"the server exited with status {server.returncode}; see its log")
        with contextlib.suppress(OSError):
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        time.sleep(0.25)
    raise SystemExit(f"{url} did not answer 200 within {timeout:.0f} s")


def check_paths(base: str, paths: list[str]) -> None:
    """Fail early on a scenario that would measure error pages."""
    for path in paths[:3]:
        try:
            with urllib.request.urlopen(base + path, timeout=10) as response:
                status = response.status
        except urllib.error.HTTPError as error:
            status = error.code
        if status != 200:
            raise SystemExit(f"GET {path} answered {status}, not 200; fix it before measuring")


def rotation_script(paths: list[str], directory: Path) -> Path:
    listed = ",\n".join(f'  "{path}"' for path in paths)
    script = directory / "rotate.lua"
    script.write_text(
        f"local paths = {{\n{listed}\n}}\n"
        "local i = 0\n"
        "request = function()\n"
        "  i = i % #paths + 1\n"
        '  return wrk.format("GET", paths[i])\n'
        "end\n"
    )
    return script


_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def parse_wrk(output: str) -> WrkResult:
    def number(pattern: str) -> re.Match[str]:
        found = re.search(pattern, output, re.MULTILINE)
        if found is None:
            raise ValueError(f"wrk output without {pattern!r}:\n{output}")
        return found

    def percentile(p: int) -> float:
        found = number(rf"^\s*{p}%\s+([\d.]+)(us|ms|s|m)\s*$")
        return float(found.group(1)) * _UNITS_MS[found.group(2)]

    errors = sum(
        int(n)
        for n in re.findall(
            r"(?:connect|read|write|timeout) (\d+)",
            "".join(re.findall(r"Socket errors:.*", output)),
        )
    )
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return WrkResult(
        requests_per_second=float(number(r"^Requests/sec:\s+([\d.]+)").group(1)),
        p50_ms=percentile(50),
        p99_ms=percentile(99),
        requests=int(number(r"^\s*(\d+) requests in").group(1)),
        errors=errors + (int(non_2xx.group(1)) if non_2xx else 0),
    )


def run_wrk(url: str, script: Path | None, options: Options, seconds: int) -> WrkResult:
    command = [
        "wrk",
        f"-t{options.threads}",
        f"-c{options.connections}",
        f"-d{seconds}s",
        "--latency",
        "--timeout",
        "5s",
    ]
    if script is not None:
        command += ["-s", str(script)]
    done = subprocess.run(
        [*command, url], check=True, capture_output=True, text=True, timeout=seconds + 30
    )
    return parse_wrk(done.stdout)


def machine() -> str:
    model = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        "unknown CPU",
    )
    mem_kb = next(
        int(line.split()[1])
        for line in Path("/proc/meminfo").read_text().splitlines()
        if line.startswith("MemTotal:")
    )
    return f"{os.cpu_count()} CPUs ({model}), {mem_kb / 1024 / 1024:.1f} GiB RAM"


def load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def table(rows: list[tuple[Scenario, WrkResult]]) -> tuple[str, bool]:
    ceiling = rows[0][1].requests_per_second
    header = "| scenario | req/s | p50 ms | p99 ms | share of ceiling | target | ok? |"
    lines = [header, "|---|---:|---:|---:|---:|---|---|"]
    all_ok = True
    for scenario, result in rows:
        share = result.requests_per_second / ceiling if ceiling else 0.0
        targets = [f"p99 < {scenario.max_p99_ms:.0f} ms"]
        ok = result.p99_ms < scenario.max_p99_ms and result.errors == 0
        if scenario.min_share is not None:
            targets.insert(0, f">= {scenario.min_share:.0%} of ceiling")
            ok = ok and share >= scenario.min_share
        verdict = "yes" if ok else "NO"
        if result.errors:
            verdict += f" ({result.errors} errors)"
        all_ok = all_ok and ok
        lines.append(
            f"| {scenario.name} | {result.requests_per_second:,.0f} | {result.p50_ms:.1f} | "
            f"{result.p99_ms:.1f} | {share:.1%} | {', '.join(targets)} | {verdict} |"
        )
    return "\n".join(lines), all_ok


def main(argv: list[str] | None = None) -> int:
    options = parse_options(argv)
    sections = set(options.only or SECTIONS)
    # Other work on the machine skews every number; say how busy it was.
    load_at_start = load_average()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed: apt-get install -y wrk (make bench does it)")
    # Turn `kill <bench pid>` into an exception so that the server is stopped on the way out.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    rendered: list[str] = []
    all_ok = True
    with tempfile.TemporaryDirectory(prefix="shop-bench-") as scratch:
        work = Path(scratch)
        env = server_environment(work / "var")
        if not options.skip_setup:
            prepare_database(options, env)
        fixtures = pick_fixtures()
        pool = prepare_checkout_pool() if "checkout" in sections else None
        with running_server(options, env, work / "server.log") as base:
            # The ceiling always runs: every other figure is read next to it.
            scenarios = SCENARIOS if "api" in sections else SCENARIOS[:1]
            results: list[tuple[Scenario, WrkResult]] = []
            for scenario in scenarios:
                paths = scenario.paths(fixtures)
                check_paths(base, paths)
                script = rotation_script(paths, work) if len(paths) > 1 else None
                url = base + paths[0]
                log(f"{scenario.name}: warm-up {options.warmup} s, then {options.duration} s")
                run_wrk(url, script, options, options.warmup)
                results.append((scenario, run_wrk(url, script, options, options.duration)))
            api_table, ok = table(results)
            rendered.append(api_table)
            all_ok = all_ok and ok
            if "pages" in sections:
                log("HTML pages: home, category, product")
                page_results = measure_pages(
                    base,
                    work,
                    duration=options.duration,
                    warmup=options.warmup,
                    threads=options.threads,
                    connections=options.connections,
                )
                weight = first_visit_weight(base, page_results.product_path)
                pages_rendered, ok = pages_table(page_results, weight)
                rendered.append(pages_rendered)
                all_ok = all_ok and ok
            if pool is not None:
                log(f"checkout: {options.buyers} buyers for {options.duration} s")
                spent = CpuMeter(base)
                checkout = asyncio.run(
                    run_checkouts(base, pool, buyers=options.buyers, seconds=options.duration)
                )
                cpu = spent.per_order(checkout.orders)
        if pool is not None:
            checkout_rendered, ok = checkout_table(checkout, oversold_units(pool), options, cpu)
            rendered.insert(1, checkout_rendered)
            all_ok = all_ok and ok
        if "instrumentation" in sections:
            log("instrumentation overhead: product detail with metrics on and off")
            overhead_rendered, ok = instrumentation_table(
                measure_instrumentation(options, env, fixtures, work)
            )
            rendered.append(overhead_rendered)
            all_ok = all_ok and ok
    body = "\n\n".join(rendered)
    print(
        f"\nShopwright benchmark, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC\n"
        f"machine: {machine()}; load average {load_at_start} at start, {load_average()} at end\n"
        f"setup: {options.products:,} products on PostgreSQL, shop run --workers "
        f"{options.workers}; wrk -t{options.threads} -c{options.connections} "
        f"-d{options.duration}s --latency after a {options.warmup} s warm-up\n\n{body}"
    )
    return 0 if all_ok else 1


@dataclass(frozen=True)
class OrderCpu:
    """CPU milliseconds per order placed, by who spent them."""

    shop: float
    postgres: float
    load_generator: float

    @property
    def total(self) -> float:
        return self.shop + self.postgres + self.load_generator


class CpuMeter:
    """CPU spent from now on by the shop's processes, PostgreSQL's and this one (the buyers)."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.start = (server_cpu_seconds(base), postgres_cpu_seconds(), time.process_time())

    def per_order(self, orders: int) -> OrderCpu:
        now = (server_cpu_seconds(self.base), postgres_cpu_seconds(), time.process_time())
        shop, postgres, load = (
            (after - before) * 1000 / max(orders, 1)
            for before, after in zip(self.start, now, strict=True)
        )
        return OrderCpu(shop, postgres, load)


def checkout_table(
    checkout: CheckoutStats, oversold: int, options: Options, cpu: OrderCpu
) -> tuple[str, bool]:
    ok = (
        checkout.orders_per_second >= CHECKOUT_TARGET_PER_SECOND
        and checkout.percentile(0.99) < CHECKOUT_P99_MS
        and oversold == 0
        and not checkout.errors
    )
    errors = ", ".join(f"{n} x {status}" for status, n in sorted(checkout.errors.items()))
    cpus = os.cpu_count() or 1
    # Everything runs on this machine: what an order costs in CPU caps the rate it can reach.
    cap = cpus * 1000 / cpu.total if cpu.total else float("inf")
    rendered = (
        "| checkout | orders/s | p50 ms | p99 ms | sold out (409) | other errors | "
        "oversold units | target | ok? |\n|---|---:|---:|---:|---:|---|---:|---|---|\n"
        f"| {options.buyers} buyers, tok_visa | {checkout.orders_per_second:,.1f} | "
        f"{checkout.percentile(0.50):.1f} | {checkout.percentile(0.99):.1f} | "
        f"{checkout.sold_out} | {errors or 'none'} | {oversold} | "
        f">= {CHECKOUT_TARGET_PER_SECOND:.0f}/s, p99 < {CHECKOUT_P99_MS:.0f} ms, oversell 0 | "
        f"{'yes' if ok else 'NO'} |\n\n"
        f"CPU per order: shop {cpu.shop:.1f} ms, PostgreSQL {cpu.postgres:.1f} ms, load "
        f"generator {cpu.load_generator:.1f} ms, together {cpu.total:.1f} ms: {cpus} CPUs allow "
        f"at most {cap:,.0f} orders/s at this cost; {CHECKOUT_TARGET_PER_SECOND:.0f}/s needs "
        f"{CHECKOUT_TARGET_PER_SECOND * cpu.total / 1000:.1f} CPUs, or "
        f"{cpus * 1000 / CHECKOUT_TARGET_PER_SECOND:.1f} ms per order on {cpus}"
    )
    return rendered, ok


if __name__ == "__main__":
    sys.exit(main())
