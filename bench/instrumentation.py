"""What the observability costs: product detail with metrics on vs off (SHOP_METRICS_ENABLED).

Two servers on the same database, one with metrics off and one on, the same wrk load on the
same product slugs in back-to-back pairs; the cost is the median drop in requests per second
with metrics on (server CPU per request is reported beside it). Target: under 5 %. From run.py:

    from instrumentation import instrumentation_table, measure_instrumentation

    rendered, ok = instrumentation_table(measure_instrumentation(options, env, fixtures, work))

It borrows run.py's helpers (server start/stop, wrk, path rotation), imported when called so
that run.py can import this module at its top.
"""

from __future__ import annotations

import contextlib
import statistics
from dataclasses import dataclass
from pathlib import Path
from typing import Any

OVERHEAD_TARGET = 0.05
# Both configurations are measured this many times, in pairs run back to back (off then on,
# then on then off ...). On a shared 2-core machine a single run of either moves by +-10%
# with whatever else runs; the median of the pairs' differences is the figure held against the
# target, as the two runs of a pair saw about the same machine.
PAIRS = 5


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


@dataclass(frozen=True)
class InstrumentationResult:
    rows: list[InstrumentationRow]  # per configuration: its best run, its median CPU
    throughput_costs: list[float]  # per pair: share of requests/s lost with metrics on
    cpu_costs: list[float]  # per pair: extra server CPU per request with metrics on

    @property
    def overhead(self) -> float:
        return statistics.median(self.throughput_costs) if self.throughput_costs else 0.0

    @property
    def cpu_overhead(self) -> float:
        return statistics.median(self.cpu_costs) if self.cpu_costs else 0.0


def measure_instrumentation(
    options: Any, env: dict[str, str], fixtures: Any, work: Path
) -> InstrumentationResult:
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
        cpu: dict[bool, list[float]] = {False: [], True: []}
        for pair in range(PAIRS):
            for enabled in (False, True) if pair % 2 == 0 else (True, False):
                base = bases[enabled]
                bench.log(f"product detail, metrics {'on' if enabled else 'off'}: pair {pair + 1}")
                before = bench.server_cpu_seconds(base)
                result = bench.run_wrk(base + paths[0], script, options, options.duration)
                results[enabled].append(result)
                spent = bench.server_cpu_seconds(base) - before
                cpu[enabled].append(spent / result.requests * 1e6 if result.requests else 0.0)
    rows = []
    for enabled, runs in results.items():
        best = max(runs, key=lambda result: result.requests_per_second)
        rows.append(
            InstrumentationRow(
                metrics=enabled,
                requests_per_second=best.requests_per_second,
                p50_ms=best.p50_ms,
                p99_ms=best.p99_ms,
                errors=sum(result.errors for result in runs),
                cpu_us_per_request=statistics.median(cpu[enabled]),
            )
        )
    throughput_costs = [
        1 - on.requests_per_second / off.requests_per_second
        for off, on in zip(results[False], results[True], strict=True)
        if off.requests_per_second
    ]
    cpu_costs = [on / off - 1 for off, on in zip(cpu[False], cpu[True], strict=True) if off]
    return InstrumentationResult(rows, throughput_costs, cpu_costs)


def instrumentation_table(result: InstrumentationResult) -> tuple[str, bool]:
    """A Markdown table like run.py's, and whether the overhead is within the target."""
    cost = result.overhead
    cpu_cost = result.cpu_overhead
    ok = cost < OVERHEAD_TARGET and not any(row.errors for row in result.rows)
    lines = [
        "| product detail | best req/s | p50 ms | p99 ms | median server CPU us/request | errors |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for row in result.rows:
        lines.append(
            f"| metrics {'on' if row.metrics else 'off'} | {row.requests_per_second:,.0f} | "
            f"{row.p50_ms:.1f} | {row.p99_ms:.1f} | {row.cpu_us_per_request:,.0f} | "
            f"{row.errors} |"
        )
    pairs = ", ".join(f"{value:.1%}" for value in result.throughput_costs)
    lines.append(
        f"\ninstrumentation overhead, median of {len(result.throughput_costs)} back-to-back "
        f"pairs: {cost:.1%} of throughput (pairs: {pairs}), {cpu_cost:.1%} of server CPU per "
        f"request (target < {OVERHEAD_TARGET:.0%}): {'yes' if ok else 'NO'}"
    )
    return "\n".join(lines), ok
