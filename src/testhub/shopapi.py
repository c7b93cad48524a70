"""The shop's HTTP API as generated tests use it: admin reads (stock, orders, reviews) with staff
credentials, data setup (coupons, orders), and the test-mode mail outbox.

Synchronous on purpose: generated tests use Playwright's sync API.
"""

from __future__ import annotations

import time
import uuid
from typing import Any

import httpx

from testhub.config import HubSettings

ADDRESS = {
    "name": "Robin Tester",
    "line1": "1 Test Street",
    "city": "Springfield",
    "region": "IL",
    "postal_code": "62701",
    "country": "US",
}


class ShopApiError(RuntimeError):
    """The shop answered a setup or check call with an error (test data or backend problem)."""


class ShopApi:
    def __init__(self, base_url: str, *, staff_email: str, staff_password: str) -> None:
        self.base_url = base_url.rstrip("/")
        self._staff = (staff_email, staff_password)
        self._http = httpx.Client(base_url=self.base_url, timeout=15.0)
        self._token: str | None = None

    @classmethod
    def from_settings(cls, settings: HubSettings, base_url: str | None = None) -> ShopApi:
        return cls(
            base_url or settings.base_url,
            staff_email=settings.staff_email,
            staff_password=settings.secret("staff_password") or "",
        )

    def close(self) -> None:
        self._http.close()

    @property
    def staff_email(self) -> str:
        return self._staff[0]

    @property
    def staff_password(self) -> str:
        return self._staff[1]

    def register(self, *, email: str, password: str, first_name: str, last_name: str) -> None:
        """A customer account created through the API (stories that start signed in)."""
        body = {
            "email": email,
            "password": password,
            "first_name": first_name,
            "last_name": last_name,
        }
        self._call("POST", "/api/v1/auth/register", json=body)

    def _call(self, method: str, path: str, *, admin: bool = False, **kwargs: Any) -> Any:
        headers = dict(kwargs.pop("headers", {}))
        if admin:
            headers["Authorization"] = f"Bearer {self._admin_token()}"
        response = self._http.request(method, path, headers=headers, **kwargs)
        if admin and response.status_code == 401:
            # The token is kept for the whole run and may have expired: sign in once more.
            self._token = None
            headers["Authorization"] = f"Bearer {self._admin_token()}"
            response = self._http.request(method, path, headers=headers, **kwargs)
        if response.status_code >= 400:
            raise ShopApiError(f"{method} {path} -> {response.status_code}: {response.text[:300]}")
        return response.json() if response.content else None

    def _admin_token(self) -> str:
        if self._token is None:
            email, password = self._staff
            pair = self._call(
                "POST", "/api/v1/auth/login", json={"email": email, "password": password}
            )
            self._token = str(pair["access_token"])
        return self._token

    # Catalog and stock.
    def product(self, slug: str) -> dict[str, Any]:
        result: dict[str, Any] = self._call("GET", f"/api/v1/products/{slug}")
        return result

    def variant(self, slug: str, title: str | None = None) -> dict[str, Any]:
        product = self._call(
            "GET", f"/api/v1/admin/products/{self.product(slug)['id']}", admin=True
        )
        for variant in product["variants"]:
            if title is None and variant["stock_quantity"] > 0 or variant["title"] == title:
                found: dict[str, Any] = variant
                return found
        raise ShopApiError(f"product {slug!r} has no variant {title or 'in stock'!r}")

    def stock(self, slug: str, title: str | None = None) -> int:
        return int(self.variant(slug, title)["stock_quantity"])

    # Orders and reviews, as staff see them.
    def admin_order(self, number: str) -> dict[str, Any]:
        result: dict[str, Any] = self._call("GET", f"/api/v1/admin/orders/{number}", admin=True)
        return result

    def reviews_to_moderate(self) -> list[dict[str, Any]]:
        page = self._call("GET", "/api/v1/admin/reviews", admin=True)
        items: list[dict[str, Any]] = page["items"] if isinstance(page, dict) else page
        return items

    # Data setup.
    def ensure_coupon(self, code: str, *, percent: int) -> None:
        page = self._call("GET", "/api/v1/admin/coupons", admin=True, params={"limit": 100})
        items = page["items"] if isinstance(page, dict) else page
        if any(item["code"] == code for item in items):
            return
        self._call(
            "POST",
            "/api/v1/admin/coupons",
            admin=True,
            json={"code": code, "kind": "percentage", "percent_off": percent},
        )

    def place_order(self, slug: str, *, quantity: int = 1, email: str) -> str:
        """A paid order placed through the API (for back-office stories); its number."""
        variant = self.variant(slug)
        cart = self._call("POST", "/api/v1/carts", json={})
        headers = {"X-Cart-Token": cart["token"]} if cart.get("token") else {}
        self._call(
            "POST",
            f"/api/v1/carts/{cart['id']}/items",
            json={"variant_id": variant["id"], "quantity": quantity},
            headers=headers,
        )
        order = self._call(
            "POST",
            "/api/v1/checkout",
            json={
                "cart_id": cart["id"],
                "email": email,
                "shipping_address": ADDRESS,
                "shipping_method": "standard",
                "payment": {"provider": "sandbox", "token": "tok_visa"},
            },
            headers={**headers, "Idempotency-Key": uuid.uuid4().hex},
        )
        return str(order["number"])

    # The test-mode outbox.
    def wait_for_mail(self, *, to: str, containing: str, timeout: float = 15.0) -> dict[str, Any]:
        """The newest mail to `to` whose subject or text contains `containing`."""
        deadline = time.monotonic() + timeout
        while True:
            for summary in self._call("GET", "/api/v1/test/mail", params={"to": to}):
                mail: dict[str, Any] = self._call("GET", f"/api/v1/test/mail/{summary['id']}")
                if containing in (mail.get("subject") or "") + (mail.get("text") or ""):
                    return mail
            if time.monotonic() > deadline:
                raise AssertionError(f"no mail to {to} containing {containing!r} within {timeout}s")
            time.sleep(0.25)


def unique_email(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}@example.com"
