"""Classify a failed test: locator drift, timing, test data, backend error, business rule,
environment. Rules look at the exception, its message and call log, the console errors and failed
network calls recorded during the test, and the heal ledger; the first rule with evidence wins,
in an order from the outermost cause (no shop at all) to the innermost (a wrong total)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class FailureClass(StrEnum):
    LOCATOR_DRIFT = "locator_drift"
    TIMING = "timing"
    TEST_DATA = "test_data"
    BACKEND_ERROR = "backend_error"
    BUSINESS_RULE = "business_rule"
    ENVIRONMENT = "environment"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class Triage:
    failure_class: FailureClass
    explanation: str
    evidence: list[str] = field(default_factory=list)


_ENVIRONMENT = re.compile(
    r"ERR_CONNECTION_REFUSED|ECONNREFUSED|Connection refused|ConnectError|Name or service not known"
    r"|ERR_NAME_NOT_RESOLVED|Executable doesn't exist|Failed to launch|no shop to test"
    r"|Target page, context or browser has been closed|ENOSPC|No space left",
)
_API_5XX = re.compile(r"-> (5\d\d):")
_API_4XX = re.compile(r"-> (4\d\d):")
_TEST_DATA = re.compile(
    r"has no variant|no option .* in |out of stock|no such product"
    r"|coupon .*(?:invalid|expired)",
    re.IGNORECASE,
)
_NAVIGATION_TIMEOUT = re.compile(
    r"(?:goto|wait_for_url|wait_for_load_state|navigation).*Timeout", re.I | re.S
)
_RESOLVED = re.compile(r"locator resolved to|unexpected value", re.IGNORECASE)
_WAITING_FOR_LOCATOR = re.compile(r"waiting for (?:get_by|locator)", re.IGNORECASE)


def classify(result: dict[str, Any]) -> Triage:
    text = "\n".join(
        str(result.get(key) or "") for key in ("message", "traceback", "exception_type")
    )
    exception = str(result.get("exception_type") or "")
    console: list[str] = list(result.get("console_errors") or [])
    failed: list[dict[str, Any]] = list(result.get("failed_requests") or [])
    heals: list[dict[str, Any]] = list(result.get("heals") or [])

    found = _ENVIRONMENT.search(text)
    if found:
        return Triage(
            FailureClass.ENVIRONMENT,
            "the shop or the browser could not be reached or started",
            [f"error: {found.group(0)}"],
        )
    server_errors = [r for r in failed if (r.get("status") or 0) >= 500]
    api_5xx = _API_5XX.search(text)
    if server_errors or api_5xx:
        evidence = [f"{r.get('method')} {r.get('url')} -> {r.get('status')}" for r in server_errors]
        if api_5xx:
            evidence.append(f"admin API answered {api_5xx.group(1)}")
        return Triage(FailureClass.BACKEND_ERROR, "the shop answered with a server error", evidence)
    if console:
        return Triage(
            FailureClass.BACKEND_ERROR,
            "the page logged errors to the console",
            [f"console: {line}" for line in console[:5]],
        )
    refused = [h for h in heals if h.get("status") == "refused"]
    if "LocatorDrift" in exception or "locator drift" in text or refused:
        evidence = [f"heal refused for {h.get('step_key')}: {h.get('reason')}" for h in refused]
        return Triage(
            FailureClass.LOCATOR_DRIFT,
            "an element the test uses is no longer found by its locator",
            evidence or [line for line in text.splitlines() if "locator drift" in line][:2],
        )
    if "strict mode violation" in text:
        return Triage(
            FailureClass.LOCATOR_DRIFT,
            "a locator now matches several elements",
            ["strict mode violation"],
        )
    data_problem = _API_4XX.search(text) or _TEST_DATA.search(text)
    if data_problem:
        return Triage(
            FailureClass.TEST_DATA,
            "the data the test relies on is missing or not in the expected state",
            [f"data: {data_problem.group(0)}"],
        )
    if "Timeout" in exception or "Timeout" in text:
        if _NAVIGATION_TIMEOUT.search(text):
            return Triage(
                FailureClass.TIMING,
                "a page or navigation took longer than the timeout",
                ["navigation timeout"],
            )
        if _RESOLVED.search(text):
            return Triage(
                FailureClass.TIMING,
                "the element exists but did not reach the expected state in time",
                ["locator resolved, expectation timed out"],
            )
        if _WAITING_FOR_LOCATOR.search(text):
            return Triage(
                FailureClass.LOCATOR_DRIFT,
                "the locator matched nothing within the timeout",
                ["waiting for locator, never resolved"],
            )
        return Triage(FailureClass.TIMING, "an operation timed out", ["timeout"])
    if exception in {"AssertionError", ""} or "assert" in text:
        first = next((line for line in text.splitlines() if line.startswith("E ")), "")
        return Triage(
            FailureClass.BUSINESS_RULE,
            "the shop behaved, but a business check (totals, stock, mail, state) failed",
            [first.strip() or str(result.get("message") or "")[:200]],
        )
    return Triage(FailureClass.UNKNOWN, "no rule matched", [str(result.get("message") or "")[:200]])
