"""Flaky tests: how often a test's verdict flips between consecutive runs, with a confidence
interval, and what to do about it.

A flip is a change between a pass and a failure (an error counts as a failure) from one run of a
test to its next run; skips are left out. The flip rate is flips / (decisive results - 1). A test
that broke once and stayed broken flips once: a low rate, so it is not called flaky but `fix`.

The rule (first match wins):
1. failing in each of its last FIX_STREAK runs → `fix`: a real break; quarantine would hide it;
2. at least MIN_RESULTS decisive results and the 95% Wilson lower bound of the flip rate at least
   QUARANTINE_LOWER_BOUND → `quarantine`: we are 95% sure it flips at least once in ten runs;
3. any flip → `watch`: flaky-looking, not enough evidence yet;
4. otherwise `stable`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from testhub.analytics.stats import wilson_interval

MIN_RESULTS = 8
QUARANTINE_LOWER_BOUND = 0.10
FIX_STREAK = 5
PASS, FAIL = "passed", "failed"


class Suggestion(StrEnum):
    QUARANTINE = "quarantine"
    FIX = "fix"
    WATCH = "watch"
    STABLE = "stable"


RULE_TEXT = (
    f"Quarantine when a test has at least {MIN_RESULTS} pass/fail results and the lower bound of "
    f"the 95% Wilson interval of its flip rate is at least {QUARANTINE_LOWER_BOUND:.0%}. "
    f"A test failing in each of its last {FIX_STREAK} runs is broken, not flaky: fix it. "
    "Any other test that flipped is watched."
)


@dataclass(frozen=True, slots=True)
class FlakyTest:
    nodeid: str
    outcomes: tuple[str, ...]  # oldest first, as recorded (skips included, for display)
    results: int  # decisive (pass/fail) results
    failures: int
    flips: int
    flip_rate: float
    interval: tuple[float, float]
    trailing_failures: int
    suggestion: Suggestion
    reason: str


def _verdict(outcome: str) -> str | None:
    if outcome == "passed":
        return PASS
    if outcome in ("failed", "error"):
        return FAIL
    return None  # skipped: says nothing about flakiness


def assess(nodeid: str, outcomes: Sequence[str]) -> FlakyTest:
    """Assess one test from its outcomes, oldest first."""
    verdicts = [v for v in (_verdict(o) for o in outcomes) if v is not None]
    flips = sum(1 for before, after in zip(verdicts, verdicts[1:], strict=False) if before != after)
    transitions = max(len(verdicts) - 1, 0)
    interval = wilson_interval(flips, transitions) if transitions else (0.0, 1.0)
    trailing = 0
    for verdict in reversed(verdicts):
        if verdict != FAIL:
            break
        trailing += 1
    rate = flips / transitions if transitions else 0.0
    suggestion, reason = _suggest(len(verdicts), flips, interval, trailing)
    return FlakyTest(
        nodeid=nodeid,
        outcomes=tuple(outcomes),
        results=len(verdicts),
        failures=verdicts.count(FAIL),
        flips=flips,
        flip_rate=rate,
        interval=interval,
        trailing_failures=trailing,
        suggestion=suggestion,
        reason=reason,
    )


def _suggest(
    results: int, flips: int, interval: tuple[float, float], trailing: int
) -> tuple[Suggestion, str]:
    if trailing >= FIX_STREAK:
        return Suggestion.FIX, f"failed in each of its last {trailing} runs: broken, not flaky"
    low = interval[0]
    if results >= MIN_RESULTS and low >= QUARANTINE_LOWER_BOUND:
        return (
            Suggestion.QUARANTINE,
            f"flip rate is at least {low:.0%} with 95% confidence over {results} results",
        )
    if flips:
        if results < MIN_RESULTS:
            return Suggestion.WATCH, f"{flips} flip(s) in only {results} results: needs more runs"
        return (
            Suggestion.WATCH,
            f"{flips} flip(s) in {results} results; the flip rate may be under "
            f"{QUARANTINE_LOWER_BOUND:.0%}",
        )
    return Suggestion.STABLE, "never flipped"


_ORDER = {Suggestion.QUARANTINE: 0, Suggestion.FIX: 1, Suggestion.WATCH: 2, Suggestion.STABLE: 3}


def rank(histories: Iterable[tuple[str, Sequence[str]]]) -> list[FlakyTest]:
    """Every test that flipped or is failing, most urgent first (suggestion, then the lower bound
    of the flip rate, then the name)."""
    assessed = [assess(nodeid, outcomes) for nodeid, outcomes in histories]
    return sorted(
        (test for test in assessed if test.suggestion is not Suggestion.STABLE),
        key=lambda test: (_ORDER[test.suggestion], -test.interval[0], -test.flip_rate, test.nodeid),
    )
