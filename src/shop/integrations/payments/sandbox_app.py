"""The sandbox payment provider: a small ASGI app that behaves like a real provider over HTTP.

Mounted inside the shop at /_sandbox by default (every worker process mounts its own copy; the
state is a shared SQLite file, see sandbox_store.py), or served on its own port in tests. Refused
when SHOP_ENV=production.

Card tokens: `tok_visa` (captured at once, or held with capture=false), `tok_chargeDeclined`
(declined, card_declined), `tok_insufficientFunds` (declined, insufficient_funds),
`tok_asyncCapture` (authorized now, captured `capture_delay` seconds later and reported ONLY by a
`payment.captured` webhook). Anything else is 400 invalid_token.

Webhooks are POSTed as JSON to the configured URL with `Sandbox-Signature: t=..,v1=..`, retried
with exponential backoff until a 2xx or `max_attempts`.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import json
import logging
import os
import sqlite3
import ssl
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from shop.config import Settings
from shop.integrations.payments.sandbox import SIGNATURE_HEADER
from shop.integrations.payments.sandbox_provider import Answer, SandboxError, SandboxProvider
from shop.integrations.payments.sandbox_store import SandboxStore
from shop.integrations.payments.signatures import signature_header

log = logging.getLogger(__name__)


@functools.cache
def _tls_context() -> ssl.SSLContext:
    # Loading the CA bundle costs about 20 ms; a dispatcher run starts per payment burst.
    return httpx.create_ssl_context()


WEBHOOK_PATH = "/api/v1/payments/webhooks/sandbox"
MAX_BODY_BYTES = 64 * 1024
IDLE_CHECK_SECONDS = 5.0  # how often a request re-checks for work another process left behind


class Dispatcher:
    """Scheduled captures and webhook deliveries, run by a task in whichever process has work.

    The task starts when something is scheduled (or a request notices work left behind by a
    process that died) and ends when nothing is pending; deliveries are claimed with a lease, so
    two processes never send the same attempt."""

    def __init__(
        self,
        provider: SandboxProvider,
        *,
        webhook_url: str,
        webhook_secret: str,
        max_attempts: int,
        retry_base_delay: float,
        batch_size: int = 20,
    ) -> None:
        self.provider = provider
        self.webhook_url = webhook_url
        self.webhook_secret = webhook_secret
        self.max_attempts = max_attempts
        self.retry_base_delay = retry_base_delay
        self.batch_size = batch_size
        self._task: asyncio.Task[None] | None = None
        self._wakeup: asyncio.Event | None = None
        self._last_run = 0.0

    def _running(self) -> bool:
        # A task of another (finished) event loop does not count: tests reuse apps across loops.
        task = self._task
        return (
            task is not None and not task.done() and task.get_loop() is asyncio.get_running_loop()
        )

    def wake(self) -> None:
        if self._running() and self._wakeup is not None:
            self._wakeup.set()
            return
        self._wakeup = asyncio.Event()
        self._task = asyncio.get_running_loop().create_task(self._run(self._wakeup))

    def nudge(self) -> None:
        """Cheap per-request check for due work that no running task is handling."""
        if not self._running() and time.monotonic() - self._last_run > IDLE_CHECK_SECONDS:
            self.wake()

    async def _run(self, wakeup: asyncio.Event) -> None:
        store = self.provider.store
        try:
            async with httpx.AsyncClient(timeout=10.0, verify=_tls_context()) as http:
                while True:
                    self._last_run = time.monotonic()
                    wakeup.clear()
                    await store.write(lambda c: self.provider.capture_due(c, time.time()))
                    batch = await store.write(
                        lambda c: self.provider.claim_deliveries(c, time.time(), self.batch_size)
                    )
                    if batch:
                        await asyncio.gather(*(self._deliver(http, *item) for item in batch))
                        continue
                    due = await store.read(self.provider.next_due)
                    if due is None and not wakeup.is_set():
                        return  # no await between the check and the return: no lost wake-up
                    delay = 0.0 if due is None else max(0.0, min(due - time.time(), 1.0))
                    try:
                        await asyncio.wait_for(wakeup.wait(), timeout=delay)
                    except TimeoutError:
                        pass
        except Exception:
            log.exception("sandbox dispatcher stopped; the next request restarts it")

    async def _deliver(self, http: httpx.AsyncClient, event_id: str, body: bytes) -> None:
        header = signature_header(body, secret=self.webhook_secret, timestamp=int(time.time()))
        headers = {
            "Content-Type": "application/json",
            SIGNATURE_HEADER: header,
            "User-Agent": "Shopwright-Sandbox/1.0",
        }
        error: str | None
        try:
            response = await http.post(self.webhook_url, content=body, headers=headers)
        except httpx.HTTPError as exc:
            error = f"{type(exc).__name__}: {exc}"[:500]
        else:
            error = None if response.is_success else f"HTTP {response.status_code}"
        if error is not None:
            log.info("sandbox webhook %s not accepted: %s", event_id, error)
        await self.provider.store.write(
            lambda c: self.provider.record_attempt(
                c,
                event_id,
                error=error,
                max_attempts=self.max_attempts,
                base_delay=self.retry_base_delay,
            )
        )


# HTTP


def _error_response(exc: SandboxError) -> JSONResponse:
    headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
    return JSONResponse({"error": exc.body}, status_code=exc.status, headers=headers)


def _api_key(request: Request) -> str:
    scheme, _, key = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not key.strip():
        raise SandboxError(
            401,
            "missing_api_key",
            "send 'Authorization: Bearer <api key>' (any non-empty key in the sandbox)",
            type="authentication_error",
        )
    return key.strip()


async def _json_body(request: Request) -> dict[str, Any]:
    # The body carries a card token: it is parsed here and never logged.
    raw = await request.body()
    if len(raw) > MAX_BODY_BYTES:
        raise SandboxError(413, "body_too_large", f"the body is over {MAX_BODY_BYTES} bytes")
    if not raw.strip():
        return {}
    try:
        body = json.loads(raw)
    except ValueError as exc:
        raise SandboxError(400, "invalid_json", "the body is not valid JSON") from exc
    if not isinstance(body, dict):
        raise SandboxError(400, "invalid_json", "the body must be a JSON object")
    return body


def create_sandbox_app(
    *,
    db_path: Path,
    webhook_url: str,
    webhook_secret: str,
    capture_delay: float = 1.0,
    max_attempts: int = 6,
    retry_base_delay: float = 2.0,
) -> Starlette:
    """The sandbox provider as an ASGI app. Webhook retries wait retry_base_delay * 2**n s."""
    if os.environ.get("SHOP_ENV", "").strip().lower() == "production":
        raise RuntimeError("the sandbox payment provider is refused when SHOP_ENV=production")
    provider = SandboxProvider(SandboxStore(db_path), capture_delay=capture_delay)
    dispatcher = Dispatcher(
        provider,
        webhook_url=webhook_url,
        webhook_secret=webhook_secret,
        max_attempts=max_attempts,
        retry_base_delay=retry_base_delay,
    )
    store = provider.store

    async def answer(
        request: Request,
        operation: Callable[[sqlite3.Connection, dict[str, Any]], Answer],
        *,
        write: bool = True,
    ) -> Response:
        try:
            api_key = _api_key(request)
            body = await _json_body(request) if write else {}
            key = request.headers.get("idempotency-key")
            if key is not None and not 0 < len(key) <= 255:
                raise SandboxError(400, "invalid_idempotency_key", "use 1 to 255 characters")
            # The route and its path parameters, not the URL: the same API mounted elsewhere.
            endpoint = f"{request.method} {request.scope['route'].path} {request.path_params}"
            request_hash = hashlib.sha256(
                f"{endpoint}\n{json.dumps(body, sort_keys=True)}".encode()
            ).hexdigest()
            scope = hashlib.sha256(api_key.encode()).hexdigest()[:32]
            if write:
                result = await store.write(
                    lambda c: provider.idempotent(
                        c,
                        scope=scope,
                        key=key,
                        request_hash=request_hash,
                        operation=lambda c2: operation(c2, body),
                    )
                )
            else:
                result = await store.read(lambda c: operation(c, body))
        except SandboxError as exc:
            return _error_response(exc)
        finally:
            dispatcher.nudge()
        if result.scheduled:  # never for a replay: its work was scheduled the first time
            dispatcher.wake()
        headers = {"Idempotent-Replayed": "true"} if result.replayed else None
        return JSONResponse(result.body, status_code=result.status, headers=headers)

    def payment_id(request: Request) -> str:
        value: str = request.path_params["payment_id"]
        return value

    async def create_payment(request: Request) -> Response:
        return await answer(request, provider.create_payment)

    async def get_payment(request: Request) -> Response:
        pid = payment_id(request)
        return await answer(request, lambda c, _: provider.get_payment(c, pid), write=False)

    async def capture(request: Request) -> Response:
        pid = payment_id(request)
        return await answer(request, lambda c, body: provider.capture(c, pid, body))

    async def void(request: Request) -> Response:
        pid = payment_id(request)
        return await answer(request, lambda c, _: provider.void(c, pid))

    async def refund(request: Request) -> Response:
        pid = payment_id(request)
        return await answer(request, lambda c, body: provider.refund(c, pid, body))

    async def trigger(request: Request) -> Response:
        pid = payment_id(request)
        return await answer(request, lambda c, body: provider.trigger_event(c, pid, body))

    async def events(request: Request) -> Response:
        pid = payment_id(request)
        return await answer(request, lambda c, _: provider.list_events(c, pid), write=False)

    async def health(_: Request) -> Response:
        return JSONResponse({"status": "ok", "provider": "sandbox"})

    async def http_error(_: Request, exc: Exception) -> Response:
        status = exc.status_code if isinstance(exc, HTTPException) else 500
        code = {404: "not_found", 405: "method_not_allowed"}.get(status, "http_error")
        return _error_response(SandboxError(status, code, str(getattr(exc, "detail", code))))

    routes = [
        Route("/v1/health", health, methods=["GET"]),
        Route("/v1/payments", create_payment, methods=["POST"]),
        Route("/v1/payments/{payment_id}", get_payment, methods=["GET"]),
        Route("/v1/payments/{payment_id}/capture", capture, methods=["POST"]),
        Route("/v1/payments/{payment_id}/void", void, methods=["POST"]),
        Route("/v1/payments/{payment_id}/refunds", refund, methods=["POST"]),
        Route("/v1/payments/{payment_id}/webhooks", trigger, methods=["POST"]),
        Route("/v1/payments/{payment_id}/webhooks", events, methods=["GET"]),
    ]
    app = Starlette(routes=routes, exception_handlers={HTTPException: http_error})
    app.state.provider = provider
    app.state.dispatcher = dispatcher
    return app


def create_sandbox_app_from_settings(settings: Settings) -> Starlette:
    """The embedded sandbox: state in var/sandbox.db, webhooks to the shop itself unless
    SHOP_SANDBOX_WEBHOOK_URL says otherwise."""
    if settings.is_production:
        raise RuntimeError("the sandbox payment provider is refused when SHOP_ENV=production")
    return create_sandbox_app(
        db_path=settings.var_dir / "sandbox.db",
        webhook_url=sandbox_webhook_url(settings),
        webhook_secret=settings.sandbox_webhook_secret.get_secret_value(),
    )


def sandbox_webhook_url(settings: Settings) -> str:
    return settings.sandbox_webhook_url or f"{settings.public_url.rstrip('/')}{WEBHOOK_PATH}"
