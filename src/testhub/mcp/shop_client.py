"""The shop, reached over its JSON API only (the hub never imports the shop)."""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import httpx

API = "/api/v1"


class ShopUnavailable(RuntimeError):
    """The shop did not answer, or answered with an error the caller should see."""


@dataclass(frozen=True)
class StaffCredentials:
    email: str
    password: str


def _problem(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text[:300] or response.reason_phrase
    if isinstance(body, Mapping):
        detail = body.get("detail") or body.get("title")
        errors = body.get("errors")
        if errors:
            return f"{detail}: {errors}"
        return str(detail)
    return str(body)[:300]


class ShopClient:
    def __init__(
        self,
        base_url: str,
        *,
        staff: StaffCredentials | None = None,
        timeout: float = 15.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.staff = staff
        self._http = httpx.AsyncClient(
            base_url=self.base_url, timeout=timeout, transport=transport, follow_redirects=False
        )
        self._staff_token: str | None = None

    async def __aenter__(self) -> ShopClient:
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    async def request(
        self,
        method: str,
        path: str,
        *,
        staff: bool = False,
        ok: tuple[int, ...] = (200, 201, 202, 204),
        **kwargs: Any,
    ) -> httpx.Response:
        headers = dict(kwargs.pop("headers", {}) or {})
        if staff:
            headers["Authorization"] = f"Bearer {await self.staff_access_token()}"
        try:
            response = await self._http.request(method, path, headers=headers, **kwargs)
        except httpx.TransportError as exc:
            raise ShopUnavailable(
                f"the shop at {self.base_url} did not answer ({type(exc).__name__})"
            ) from exc
        if response.status_code not in ok:
            raise ShopUnavailable(
                f"{method} {path} answered {response.status_code}: {_problem(response)}"
            )
        return response

    async def json(self, method: str, path: str, **kwargs: Any) -> Any:
        response = await self.request(method, path, **kwargs)
        return response.json() if response.content else None

    async def staff_access_token(self) -> str:
        if self._staff_token is None:
            if self.staff is None:
                raise ShopUnavailable("no staff credentials configured (TESTHUB_STAFF_EMAIL)")
            body = await self.json(
                "POST",
                f"{API}/auth/login",
                json={"email": self.staff.email, "password": self.staff.password},
            )
            self._staff_token = str(body["access_token"])
        return self._staff_token

    # Catalog

    async def search_products(
        self, *, query: str | None, category: str | None, brand: str | None, limit: int
    ) -> Any:
        params: dict[str, str | int] = {"page_size": limit}
        if query:
            params["q"] = query
        if category:
            params["category"] = category
        if brand:
            params["brand"] = brand
        return await self.json("GET", f"{API}/products", params=params)

    async def product(self, reference: str) -> Any:
        return await self.json("GET", f"{API}/products/{reference}")

    # Orders (the admin API: staff credentials)

    async def order(self, number: str) -> Any:
        return await self.json("GET", f"{API}/admin/orders/{number}", staff=True)

    # Health

    async def probe(self, path: str) -> tuple[int | None, float, Any]:
        """Status, seconds and JSON body (or None) of a GET, never raising on an HTTP error."""
        started = time.perf_counter()
        try:
            response = await self._http.get(path)
        except httpx.TransportError:
            return None, time.perf_counter() - started, None
        elapsed = time.perf_counter() - started
        try:
            body = response.json()
        except ValueError:
            body = None
        return response.status_code, elapsed, body

    async def metrics_text(self) -> str | None:
        try:
            response = await self._http.get("/metrics")
        except httpx.TransportError:
            return None
        return response.text if response.status_code == 200 else None

    # Test mode

    async def is_test_mode(self) -> bool:
        """Test-mode endpoints exist only on a shop started with SHOP_ENV=test."""
        status, _, _ = await self.probe(f"{API}/test/mail")
        return status == 200

    async def reset(self) -> Any:
        return await self.json("POST", f"{API}/test/reset", timeout=120)

    async def mails(self, *, to: str | None = None) -> Any:
        return await self.json("GET", f"{API}/test/mail", params={"to": to} if to else None)

    # Data

    async def register_customer(self, data: Mapping[str, Any]) -> Any:
        return await self.json("POST", f"{API}/auth/register", json=dict(data))

    async def create_product(self, data: Mapping[str, Any]) -> Any:
        return await self.json("POST", f"{API}/admin/products", json=dict(data), staff=True)

    async def create_coupon(self, data: Mapping[str, Any]) -> Any:
        return await self.json("POST", f"{API}/admin/coupons", json=dict(data), staff=True)

    async def openapi(self) -> Any:
        return await self.json("GET", f"{API}/openapi.json")
