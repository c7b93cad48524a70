"""What the observability costs: product detail with metrics on vs off (SHOP_METRICS_ENABLED).

Two server starts on the same database, the same wrk load on the same product slugs; the cost
is the drop in requests per second with metrics on. Target: under 5 %. Used from run.py:

    from instrumentation import instrumentation_table, measure_instrumentation

    rows = measure_instrumentation(options, env, fixtures, work)
    rendered += "\\n\\n" + instrumentation_table(rows)[0]

It borrows run.py's helpers (server start/stop, wrk, path rotation), imported when called so
that run.py can import this module at its top.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

OVERHEAD_TARGET = 0.05
# Each configuration is measured this many times, in turns with the other, and its best run
# kept: on a shared machine the best run is the one least disturbed by other work.
RUNS_PER_CONFIGURATION = 3


@dataclass(frozen=True)
class InstrumentationRow:
    metrics: bool
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    errors: int
    # Server CPU (all its processes) per request over the measured runs: unlike throughput,
    # hardly moved by other work on the machine or by wrk's own share of the cores.
    cpu_us_per_request: float


def measure_instrumentation(
    options: Any, env: dict[str, str], fixtures: Any, work: Path
) -> list[InstrumentationRow]:
    """Product detail (the slugs of `fixtures`, rotated) on two servers, one with metrics off
    and one with them on, measured in turns (off, on, off, on ...): whatever else the machine
    does at a given moment then weighs on both alike."""
    import run as bench

    paths = [f"/api/v1/products/{slug}" for slug in fixtures.slugs]
    script = bench.rotation_script(paths, work)
    with contextlib.ExitStack() as servers:
        bases = {}
        for enabled in (False, True):
            server_env = {**env, "SHOP_METRICS_ENABLED": "true" if enabled else "false"}
            log_file = work / f"server-metrics-{'on' if enabled else 'off'}.log"
            bases[enabled] = servers.enter_context(
                bench.running_server(options, server_env, log_file)
            )
            bench.check_paths(bases[enabled], paths)
            bench.run_wrk(bases[enabled] + paths[0], script, options, options.warmup)
        results: dict[bool, list[Any]] = {False: [], True: []}
        cpu = dict.fromkeys(bases, 0.0)
        for turn in range(RUNS_PER_CONFIGURATION):
            for enabled, base in bases.items():
                bench.log(f"product detail, metrics {'on' if enabled else 'off'}: run {turn + 1}")
                before = bench.server_cpu_seconds(base)
                results[enabled].append(
                    bench.run_wrk(base + paths[0], script, options, options.duration)
                )
                cpu[enabled] += bench.server_cpu_seconds(base) - before
    rows = []
    for enabled, runs in results.items():
        requests = sum(result.requests for result in runs)
        best = max(runs, key=lambda result: result.requests_per_second)
        rows.append(
            InstrumentationRow(
                metrics=enabled,
                requests_per_second=best.requests_per_second,
                p50_ms=best.p50_ms,
                p99_ms=best.p99_ms,
                errors=sum(result.errors for result in runs),
                cpu_us_per_request=cpu[enabled] / requests * 1e6 if requests else 0.0,
            )
        )
    return rows


def overhead(rows: list[InstrumentationRow]) -> float:
    """Share of throughput lost with metrics on (negative: on was faster, i.e. noise)."""
    off = next(row for row in rows if not row.metrics)
    on = next(row for row in rows if row.metrics)
    return 1 - on.requests_per_second / off.requests_per_second if off.requests_per_second else 0.0


def cpu_overhead(rows: list[InstrumentationRow]) -> float:
    """Extra server CPU per request with metrics on, as a share of the CPU with them off."""
    off = next(row for row in rows if not row.metrics)
    on = next(row for row in rows if row.metrics)
    return on.cpu_us_per_request / off.cpu_us_per_request - 1 if off.cpu_us_per_request else 0.0


def instrumentation_table(rows: list[InstrumentationRow]) -> tuple[str, bool]:
    """A Markdown table like run.py's, and whether the overhead is within the target."""
    cost = overhead(rows)
    cpu_cost = cpu_overhead(rows)
    ok = cost < OVERHEAD_TARGET and not any(row.errors for row in rows)
    lines = [
        "| product detail | req/s | p50 ms | p99 ms | server CPU us/request | errors |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        lines.append(
            f"| metrics {'on' if row.metrics else 'off'} | {row.requests_per_second:,.0f} | "
            f"{row.p50_ms:.1f} | {row.p99_ms:.1f} | {row.cpu_us_per_request:,.0f} | "
            f"{row.errors} |"
        )
    lines.append(
        f"\ninstrumentation overhead: {cost:.1%} of throughput, {cpu_cost:.1%} of server CPU "
        f"per request (target < {OVERHEAD_TARGET:.0%}): {'yes' if ok else 'NO'}"
    )
    return "\n".join(lines), ok
