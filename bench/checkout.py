"""The checkout scenario of `make bench`: concurrent buyers placing real orders over HTTP.

Each buyer loops until the time is up: create a cart, add one unit of a variant from a small
pool, check out with `tok_visa` (sandbox provider, an Idempotency-Key per attempt). The pool's
stock is limited, so late buyers meet `insufficient_stock`, and the oversell count (units sold
beyond the stock a variant had) is read back from the database: it must be 0.
Only 127.0.0.1 is addressed; the run is bounded by time and by a maximum number of attempts.
"""

from __future__ import annotations

import asyncio
import statistics
import time
import uuid
from dataclasses import dataclass, field

import httpx

ADDRESS = {
    "name": "Bench Buyer",
    "line1": "1 Load Street",
    "city": "Springfield",
    "region": "IL",
    "postal_code": "62701",
    "country": "US",
}


@dataclass
class CheckoutStats:
    latencies_ms: list[float] = field(default_factory=list)  # successful checkouts only
    orders: int = 0
    sold_out: int = 0
    errors: dict[int, int] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def orders_per_second(self) -> float:
        return self.orders / self.seconds if self.seconds else 0.0

    def percentile(self, share: float) -> float:
        if not self.latencies_ms:
            return float("nan")
        if len(self.latencies_ms) == 1:
            return self.latencies_ms[0]
        return statistics.quantiles(self.latencies_ms, n=100, method="inclusive")[
            round(share * 100) - 1
        ]


async def _buyer(
    http: httpx.AsyncClient,
    variant_ids: list[int],
    index: int,
    stats: CheckoutStats,
    deadline: float,
    budget: list[int],
) -> None:
    turn = index
    while time.monotonic() < deadline and budget[0] > 0:
        budget[0] -= 1
        variant_id = variant_ids[turn % len(variant_ids)]
        turn += 1
        cart = (await http.post("/api/v1/carts")).json()
        token = {"X-Cart-Token": cart["token"]}
        await http.post(
            f"/api/v1/carts/{cart['id']}/items",
            json={"variant_id": variant_id, "quantity": 1},
            headers=token,
        )
        body = {
            "cart_id": cart["id"],
            "email": f"buyer{index}@example.com",
            "shipping_address": ADDRESS,
            "shipping_method": "standard",
            "payment": {"provider": "sandbox", "token": "tok_visa"},
        }
        started = time.perf_counter()
        response = await http.post(
            "/api/v1/checkout",
            json=body,
            headers={**token, "Idempotency-Key": uuid.uuid4().hex},
        )
        elapsed_ms = (time.perf_counter() - started) * 1000
        if response.status_code == 201:
            stats.orders += 1
            stats.latencies_ms.append(elapsed_ms)
        elif response.status_code == 409 and response.json().get("code") == "insufficient_stock":
            stats.sold_out += 1
        else:
            stats.errors[response.status_code] = stats.errors.get(response.status_code, 0) + 1


async def run_checkouts(
    base_url: str,
    variant_ids: list[int],
    *,
    buyers: int,
    seconds: float,
    max_attempts: int = 20_000,
) -> CheckoutStats:
    stats = CheckoutStats()
    limits = httpx.Limits(max_connections=buyers, max_keepalive_connections=buyers)
    async with httpx.AsyncClient(base_url=base_url, timeout=30, limits=limits) as http:
        budget = [max_attempts]
        started = time.monotonic()
        deadline = started + seconds
        await asyncio.gather(
            *(_buyer(http, variant_ids, i, stats, deadline, budget) for i in range(buyers))
        )
        stats.seconds = time.monotonic() - started
    return stats
