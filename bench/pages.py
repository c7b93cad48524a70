"""The HTML pages of `make bench`: home, a category listing and product pages under wrk, and the
weight of a first visit to a product page in Chromium.

Called by bench/run.py against its running server (`base`, e.g. http://127.0.0.1:PORT):

    results = measure_pages(base, work_dir, duration=10, warmup=2, threads=2, connections=32)
    weight = first_visit_weight(base, results.product_path)
    print(pages_table(results, weight)[0])

Per page two wrk runs: the ceiling (as many requests as the server answers: req/s, p50, p99)
and a paced run at about PACED_RATE req/s (wrk's Lua `delay` spaces each connection's requests)
whose p99 is held against the target (< 50 ms at 500 req/s). Each connection waits `delay`
*after* an answer, so a short pilot run first measures how much longer than `delay` a round
takes (the answer time, wrk's timers) and the paced run waits that much less: the rate lands
at PACED_RATE instead of short of it. The achieved rate is reported: a server that cannot keep
up shows a lower one. Everything talks to 127.0.0.1 only.
"""

from __future__ import annotations

import json
import re
import subprocess
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PACED_RATE = 500  # requests per second, all connections together
PACED_CONNECTIONS = 25
P99_TARGET_MS = 50.0
WEIGHT_TARGET_BYTES = 200 * 1024
REQUESTS_TARGET = 15
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


@dataclass(frozen=True)
class WrkNumbers:
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    errors: int


@dataclass(frozen=True)
class PageResult:
    name: str
    ceiling: WrkNumbers
    paced: WrkNumbers

    @property
    def ok(self) -> bool:
        return self.paced.p99_ms < P99_TARGET_MS and not (self.paced.errors or self.ceiling.errors)


@dataclass(frozen=True)
class PageResults:
    pages: list[PageResult]
    product_path: str  # the product page the first-visit weight is measured on


@dataclass(frozen=True)
class PageWeight:
    path: str
    requests: int
    bytes: int  # response headers and bodies as transferred

    @property
    def ok(self) -> bool:
        return self.bytes < WEIGHT_TARGET_BYTES and self.requests < REQUESTS_TARGET


def _get_json(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 (127.0.0.1 only)
        return json.loads(response.read())


def page_paths(base: str) -> dict[str, list[str]]:
    """Paths to measure, picked from the shop's own catalog API."""
    categories = _get_json(f"{base}/api/v1/categories")
    products = _get_json(f"{base}/api/v1/products?page_size=48&sort=name")
    category_slugs = [c["slug"] for c in categories if isinstance(c, dict)][:4]
    product_slugs = [p["slug"] for p in products["items"]][:32]
    if not category_slugs or not product_slugs:
        raise SystemExit("the shop has no categories or products to measure pages with")
    return {
        "page: home /": ["/"],
        "page: category": [f"/categories/{slug}" for slug in category_slugs],
        "page: product": [f"/products/{slug}" for slug in product_slugs],
    }


def _script(paths: list[str], work: Path, name: str, *, delay_ms: float | None) -> Path:
    listed = ",\n".join(f'  "{path}"' for path in paths)
    pacing = f"delay = function()\n  return {delay_ms:.1f}\nend\n" if delay_ms else ""
    script = work / f"{name}.lua"
    script.write_text(
        f"local paths = {{\n{listed}\n}}\n"
        "local i = 0\n"
        "request = function()\n"
        "  i = i % #paths + 1\n"
        '  return wrk.format("GET", paths[i], {["Accept"] = "text/html"})\n'
        "end\n" + pacing
    )
    return script


def _parse(output: str) -> WrkNumbers:
    def percentile(p: int) -> float:
        found = re.search(rf"^\s*{p}%\s+([\d.]+)(us|ms|s|m)\s*$", output, re.MULTILINE)
        if found is None:
            raise ValueError(f"wrk output without the {p}th percentile:\n{output}")
        return float(found.group(1)) * _UNITS_MS[found.group(2)]

    rate = re.search(r"^Requests/sec:\s+([\d.]+)", output, re.MULTILINE)
    if rate is None:
        raise ValueError(f"wrk output without Requests/sec:\n{output}")
    socket_errors = sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", output))
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return WrkNumbers(
        requests_per_second=float(rate.group(1)),
        p50_ms=percentile(50),
        p99_ms=percentile(99),
        errors=socket_errors + (int(non_2xx.group(1)) if non_2xx else 0),
    )


def _wrk(url: str, script: Path, *, threads: int, connections: int, seconds: int) -> WrkNumbers:
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency"]
    command += ["--timeout", "5s", "-s", str(script), url]
    done = subprocess.run(  # noqa: S603 (wrk with our own arguments)
        command, check=True, capture_output=True, text=True, timeout=seconds + 30
    )
    return _parse(done.stdout)


def measure_pages(
    base: str,
    work: Path,
    *,
    duration: int,
    warmup: int,
    threads: int,
    connections: int,
) -> PageResults:
    """wrk against each page kind: a ceiling run and a run paced at about PACED_RATE req/s."""
    results = []
    paths = page_paths(base)
    for index, (name, kind_paths) in enumerate(paths.items()):
        for path in kind_paths[:3]:
            with urllib.request.urlopen(base + path, timeout=10) as response:  # noqa: S310
                if response.status != 200:
                    raise SystemExit(f"GET {path} answered {response.status}; fix it first")
        ceiling_script = _script(kind_paths, work, f"page{index}", delay_ms=None)
        url = base + kind_paths[0]
        _wrk(url, ceiling_script, threads=threads, connections=connections, seconds=warmup)
        ceiling = _wrk(
            url, ceiling_script, threads=threads, connections=connections, seconds=duration
        )
        # Each connection sends every PACED_CONNECTIONS / PACED_RATE seconds: it waits that
        # long after every answer, less what the pilot's rounds took beyond their delay.
        interval_ms = PACED_CONNECTIONS * 1000 / PACED_RATE
        pilot_script = _script(kind_paths, work, f"page{index}-pilot", delay_ms=interval_ms)
        pilot = _wrk(
            url,
            pilot_script,
            threads=min(threads, PACED_CONNECTIONS),
            connections=PACED_CONNECTIONS,
            seconds=max(warmup, 2),
        )
        round_ms = PACED_CONNECTIONS * 1000 / max(pilot.requests_per_second, 1.0)
        delay_ms = max(interval_ms - (round_ms - interval_ms), 0.1)
        paced_script = _script(kind_paths, work, f"page{index}-paced", delay_ms=delay_ms)
        paced = _wrk(
            url,
            paced_script,
            threads=min(threads, PACED_CONNECTIONS),
            connections=PACED_CONNECTIONS,
            seconds=duration,
        )
        results.append(PageResult(name, ceiling, paced))
    return PageResults(results, paths["page: product"][0])


def first_visit_weight(base: str, path: str) -> PageWeight:
    """Requests and transferred bytes of a first visit (empty cache) until the network is idle."""
    from playwright.sync_api import Request, sync_playwright

    sizes: list[int] = []
    with sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context()
            page = context.new_page()
            finished: list[Request] = []

            def record(request: Request) -> None:
                finished.append(request)

            page.on("requestfinished", record)
            page.goto(base + path, wait_until="networkidle")
            for request in finished:
                measured = request.sizes()
                sizes.append(measured["responseHeadersSize"] + measured["responseBodySize"])
            context.close()
        finally:
            browser.close()
    return PageWeight(path, len(sizes), sum(sizes))


def pages_table(results: PageResults, weight: PageWeight | None) -> tuple[str, bool]:
    """Markdown tables and whether every target was met."""
    lines = [
        "| page | ceiling req/s | p50 ms | p99 ms | paced req/s | paced p50 ms | paced p99 ms "
        "| target | ok? |",
        "|---|---:|---:|---:|---:|---:|---:|---|---|",
    ]
    all_ok = True
    for page in results.pages:
        all_ok = all_ok and page.ok
        errors = page.ceiling.errors + page.paced.errors
        lines.append(
            f"| {page.name} | {page.ceiling.requests_per_second:,.0f} | {page.ceiling.p50_ms:.1f}"
            f" | {page.ceiling.p99_ms:.1f} | {page.paced.requests_per_second:,.0f} | "
            f"{page.paced.p50_ms:.1f} | {page.paced.p99_ms:.1f} | p99 < {P99_TARGET_MS:.0f} ms "
            f"at ~{PACED_RATE} req/s | {'yes' if page.ok else 'NO'}"
            f"{f' ({errors} errors)' if errors else ''} |"
        )
    if weight is not None:
        all_ok = all_ok and weight.ok
        lines += [
            "",
            "| first visit | requests | KB | target | ok? |",
            "|---|---:|---:|---|---|",
            f"| {weight.path} | {weight.requests} | {weight.bytes / 1024:.1f} | "
            f"< {REQUESTS_TARGET} requests, < {WEIGHT_TARGET_BYTES // 1024} KB | "
            f"{'yes' if weight.ok else 'NO'} |",
        ]
    return "\n".join(lines), all_ok
