"""Errors of the test-mode endpoints."""

from __future__ import annotations

from shop.errors import ShopError


class SandboxUnavailable(ShopError):
    code = "sandbox_unavailable"
    status = 502
    title = "Bad gateway"
