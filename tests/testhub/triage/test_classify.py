"""Injected failures of every class, as the plugin records them, classified correctly."""

from __future__ import annotations

from typing import Any

import pytest

from testhub.triage import FailureClass, classify

CASES: list[tuple[str, dict[str, Any], FailureClass]] = [
    ("shop down", {"exception_type": "Error", "message":
        "Page.goto: net::ERR_CONNECTION_REFUSED at http://127.0.0.1:9/"}, FailureClass.ENVIRONMENT),
    ("no browser", {"message": "BrowserType.launch: Executable doesn't exist at /x"},
        FailureClass.ENVIRONMENT),
    ("server error", {"exception_type": "AssertionError", "message": "expected visible",
        "failed_requests": [{"method": "POST", "url": "http://s/cart/items", "status": 500}]},
        FailureClass.BACKEND_ERROR),
    ("admin api 503", {"exception_type": "ShopApiError",
        "message": "GET /api/v1/admin/orders/1 -> 503: down"}, FailureClass.BACKEND_ERROR),
    ("console error", {"exception_type": "AssertionError", "message": "assert 0 == 1",
        "console_errors": ["TypeError: totals is undefined"]}, FailureClass.BACKEND_ERROR),
    ("heal refused", {"exception_type": "LocatorDriftError", "message":
        "locator drift: 'add-to-cart' not found; heal refused", "heals": [{"status": "refused",
        "step_key": "add-to-cart", "reason": "below the threshold"}]}, FailureClass.LOCATOR_DRIFT),
    ("never resolved", {"exception_type": "TimeoutError", "traceback":
        "E   TimeoutError: Locator.click: Timeout 5000ms exceeded.\n"
        "  - waiting for get_by_test_id(\"place-order\")"}, FailureClass.LOCATOR_DRIFT),
    ("slow navigation", {"exception_type": "TimeoutError", "traceback":
        "E   TimeoutError: Page.goto: Timeout 15000ms exceeded.\n  - navigating to /slow"},
        FailureClass.TIMING),
    ("state too late", {"exception_type": "AssertionError", "traceback":
        "E   AssertionError: Locator expected to have text '2'\n  Actual value: 1\n"
        "  - locator resolved to <span>1</span>\n  - unexpected value \"1\"\n  Timeout 5000ms"},
        FailureClass.TIMING),
    ("missing coupon", {"exception_type": "ShopApiError", "message":
        "PUT /api/v1/carts/3/coupon -> 404: coupon not found"}, FailureClass.TEST_DATA),
    ("sold out", {"exception_type": "ShopApiError", "message":
        "product 'x' has no variant 'in stock'"}, FailureClass.TEST_DATA),
    ("wrong total", {"exception_type": "AssertionError", "traceback":
        "E   assert 11797 == 11798"}, FailureClass.BUSINESS_RULE),
    ("stock unchanged", {"exception_type": "AssertionError", "message": "assert 54 == (54 - 2)"},
        FailureClass.BUSINESS_RULE),
]  # fmt: skip


@pytest.mark.parametrize(("name", "result", "expected"), CASES, ids=[c[0] for c in CASES])
def test_injected_failure_is_classified(
    name: str, result: dict[str, Any], expected: FailureClass
) -> None:
    triage = classify(result)

    assert triage.failure_class is expected
    assert triage.explanation
    assert triage.evidence


def test_every_class_is_covered() -> None:
    covered = {expected for _, _, expected in CASES}
    assert covered == set(FailureClass) - {FailureClass.UNKNOWN}
