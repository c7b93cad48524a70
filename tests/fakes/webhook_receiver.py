"""A local webhook endpoint that records every delivery and can be told to fail the next ones,
plus a sandbox provider served on its own port that delivers to it."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from shop.integrations.payments.sandbox_app import create_sandbox_app
from tests.fakes.stripe_server import ServerThread

SANDBOX_TEST_SECRET = "whsec_sandbox_tests"


@dataclass(frozen=True)
class Delivery:
    headers: dict[str, str]
    body: bytes
    status: int  # what the receiver answered
    received_at: float

    @property
    def event(self) -> dict[str, Any]:
        document: dict[str, Any] = json.loads(self.body)
        return document

    @property
    def payment_id(self) -> str | None:
        payment = self.event.get("data", {}).get("payment") or {}
        value = payment.get("id")
        return value if isinstance(value, str) else None


class WebhookReceiver:
    def __init__(self) -> None:
        self.deliveries: list[Delivery] = []
        self._failures: list[int] = []
        self._lock = threading.Lock()

    def fail_next(self, count: int, *, status: int = 500) -> None:
        with self._lock:
            self._failures.extend([status] * count)

    def app(self) -> Starlette:
        async def hook(request: Request) -> Response:
            body = await request.body()
            with self._lock:
                status = self._failures.pop(0) if self._failures else 200
                self.deliveries.append(
                    Delivery(dict(request.headers.items()), body, status, time.time())
                )
            return JSONResponse({"received": status == 200}, status_code=status)

        return Starlette(routes=[Route("/hook", hook, methods=["POST"])])

    def for_payment(self, payment_id: str) -> list[Delivery]:
        with self._lock:
            return [d for d in self.deliveries if d.payment_id == payment_id]

    async def wait_for(
        self, payment_id: str, *, accepted: int = 1, within: float = 10.0
    ) -> list[Delivery]:
        """The deliveries for a payment once `accepted` of them got a 2xx."""
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            found = self.for_payment(payment_id)
            if sum(1 for d in found if d.status == 200) >= accepted:
                return found
            await asyncio.sleep(0.02)
        raise TimeoutError(f"no accepted webhook for {payment_id} within {within} s")


@dataclass
class SandboxServer:
    url: str
    db_path: Path
    receiver: WebhookReceiver
    capture_delay: float
    secret: str = SANDBOX_TEST_SECRET


def start_sandbox(
    directory: Path,
    receiver_url: str,
    *,
    capture_delay: float = 0.3,
    retry_base_delay: float = 0.05,
    max_attempts: int = 6,
) -> tuple[ServerThread, Path]:
    db_path = directory / "sandbox.db"
    app = create_sandbox_app(
        db_path=db_path,
        webhook_url=receiver_url,
        webhook_secret=SANDBOX_TEST_SECRET,
        capture_delay=capture_delay,
        retry_base_delay=retry_base_delay,
        max_attempts=max_attempts,
    )
    return ServerThread(app).start(), db_path
