"""A local stand-in for Stripe's API that speaks its wire format for the calls the shop makes.

Form-encoded requests (`metadata[k]=v`), Bearer API keys, `Idempotency-Key` (same key + same
parameters -> the first response again with `Idempotent-Replayed: true`; other parameters -> 400
idempotency_error), Stripe's JSON objects and error documents (card errors are HTTP 402 with
`{"error": {"type": "card_error", "code", "decline_code", "message", "payment_intent"}}`).

Endpoints: POST /v1/payment_intents, GET /v1/payment_intents/{id}, POST .../{id}/confirm (what
Stripe.js calls from the Payment Element, with the intent's `client_secret`), POST
.../{id}/capture, POST .../{id}/cancel, POST /v1/refunds, GET /v1/refunds/{id}. Test payment
methods: `pm_card_visa`, `pm_card_chargeDeclined`, `pm_card_chargeDeclinedInsufficientFunds`,
`pm_card_threeDSecure2Required` (-> requires_action until `complete_authentication`).
`process_asynchronously` stands in for a bank debit: the intent stays `processing` until
`finish_processing` (then tests send the webhook, as Stripe would).

`FakeStripe.sign` / `send_event` sign events with `Stripe-Signature: t=..,v1=..` and POST them.
`ServerThread` serves any ASGI app with uvicorn on 127.0.0.1 in a background thread.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
import socket
import threading
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

import httpx
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

_DECLINES = {
    "pm_card_chargeDeclined": ("card_declined", "generic_decline", "Your card was declined."),
    "pm_card_chargeDeclinedInsufficientFunds": (
        "card_declined",
        "insufficient_funds",
        "Your card has insufficient funds.",
    ),
}
_THREE_D_SECURE = {"pm_card_threeDSecure2Required"}
_KNOWN_METHODS = {"pm_card_visa", *_DECLINES, *_THREE_D_SECURE}
_CONFIRMABLE = ("requires_payment_method", "requires_confirmation", "requires_action")
_KEY = re.compile(r"^([^\[]+)((?:\[[^\]]*\])*)$")


def decode_form(body: bytes) -> dict[str, Any]:
    """Stripe's form encoding: `a[b]=1&c[0]=x` -> {"a": {"b": "1"}, "c": ["x"]}."""
    result: dict[str, Any] = {}
    for raw_key, value in parse_qsl(body.decode(), keep_blank_values=True):
        match = _KEY.match(raw_key)
        if match is None:
            continue
        parts = [match.group(1), *re.findall(r"\[([^\]]*)\]", match.group(2))]
        target: Any = result
        for index, part in enumerate(parts):
            last = index == len(parts) - 1
            if isinstance(target, list):
                if last:
                    target.append(value)
                else:
                    target.append({})
                    target = target[-1]
                continue
            if last:
                target[part] = value
            else:
                next_is_index = parts[index + 1].isdigit()
                target = target.setdefault(part, [] if next_is_index else {})
    return result


class StripeFailure(Exception):
    def __init__(self, status: int, error: dict[str, Any]) -> None:
        super().__init__(error.get("message", ""))
        self.status = status
        self.error = error


def _invalid(message: str, *, code: str | None = None, param: str | None = None) -> StripeFailure:
    error: dict[str, Any] = {"type": "invalid_request_error", "message": message}
    if code:
        error["code"] = code
    if param:
        error["param"] = param
    return StripeFailure(400, error)


@dataclass
class FakeStripe:
    """The fake's state. Safe to inspect from the test's thread (one lock)."""

    webhook_secret: str = "whsec_fake_stripe_secret"
    intents: dict[str, dict[str, Any]] = field(default_factory=dict)
    refunds: dict[str, dict[str, Any]] = field(default_factory=dict)
    requests: list[tuple[str, str, str | None]] = field(default_factory=list)
    _idempotency: dict[tuple[str, str], tuple[str, int, dict[str, Any]]] = field(
        default_factory=dict
    )
    _failures: list[int] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def fail_next(self, count: int = 1, *, status: int = 500) -> None:
        """The next `count` API requests answer `status` (an api_error) without doing anything."""
        with self._lock:
            self._failures.extend([status] * count)

    # HTTP

    def app(self) -> Starlette:
        routes = [
            Route("/v1/payment_intents", self._endpoint(self._create_intent), methods=["POST"]),
            Route("/v1/payment_intents/{id}", self._endpoint(self._get_intent), methods=["GET"]),
            Route(
                "/v1/payment_intents/{id}/confirm",
                self._endpoint(self._confirm_intent),
                methods=["POST"],
            ),
            Route(
                "/v1/payment_intents/{id}/capture",
                self._endpoint(self._capture_intent),
                methods=["POST"],
            ),
            Route(
                "/v1/payment_intents/{id}/cancel",
                self._endpoint(self._cancel_intent),
                methods=["POST"],
            ),
            Route("/v1/refunds", self._endpoint(self._create_refund), methods=["POST"]),
            Route("/v1/refunds/{id}", self._endpoint(self._get_refund), methods=["GET"]),
        ]
        return Starlette(routes=routes)

    def _endpoint(self, operation: Any) -> Any:
        async def endpoint(request: Request) -> Response:
            raw = await request.body()
            key = request.headers.get("idempotency-key")
            api_key = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
            with self._lock:
                self.requests.append((request.method, request.url.path, key))
                if not api_key:
                    return JSONResponse(
                        {
                            "error": {
                                "type": "invalid_request_error",
                                "message": "You did not provide an API key.",
                            }
                        },
                        status_code=401,
                    )
                if self._failures:
                    return JSONResponse(
                        {"error": {"type": "api_error", "message": "Something went wrong."}},
                        status_code=self._failures.pop(0),
                        headers={"Stripe-Should-Retry": "true"},
                    )
                params = decode_form(raw)
                fingerprint = f"{request.method} {request.url.path} {sorted(params.items())!r}"
                if request.method == "POST" and key:
                    stored = self._idempotency.get((api_key, key))
                    if stored is not None:
                        if stored[0] != fingerprint:
                            return JSONResponse(
                                {
                                    "error": {
                                        "type": "idempotency_error",
                                        "message": "Keys for idempotent requests can only be "
                                        "used with the same parameters they were first used "
                                        f"with. Try using a key other than '{key}' if you "
                                        "meant to execute a different request.",
                                    }
                                },
                                status_code=400,
                            )
                        return JSONResponse(
                            stored[2],
                            status_code=stored[1],
                            headers={"Idempotent-Replayed": "true"},
                        )
                try:
                    status, document = 200, operation(request.path_params, params)
                except StripeFailure as failure:
                    status, document = failure.status, {"error": failure.error}
                # Stripe keeps the result of every request that ran (card errors included).
                if request.method == "POST" and key and status in (200, 402):
                    self._idempotency[(api_key, key)] = (fingerprint, status, document)
            return JSONResponse(document, status_code=status, headers={"Request-Id": _id("req")})

        return endpoint

    def _create_intent(self, _: dict[str, str], params: dict[str, Any]) -> dict[str, Any]:
        try:
            amount = int(params["amount"])
        except (KeyError, ValueError):
            raise _invalid("Missing required param: amount.", param="amount") from None
        if amount < 1:
            raise _invalid("Amount must be at least 1.", code="amount_too_small", param="amount")
        method = params.get("payment_method")
        if method is not None and method not in _KNOWN_METHODS:
            raise _invalid(
                f"No such PaymentMethod: '{method}'",
                code="resource_missing",
                param="payment_method",
            )
        capture_method = params.get("capture_method", "automatic_async")
        automatic = params.get("automatic_payment_methods")
        intent_id = _id("pi")
        intent: dict[str, Any] = {
            "id": intent_id,
            "object": "payment_intent",
            "amount": amount,
            "amount_capturable": 0,
            "amount_received": 0,
            "currency": str(params.get("currency", "")).lower(),
            "status": "requires_payment_method" if method is None else "requires_confirmation",
            "capture_method": capture_method,
            "confirmation_method": "automatic",
            "payment_method": method,
            "payment_method_types": ["card"],
            "automatic_payment_methods": {
                "enabled": automatic.get("enabled") == "true",
                "allow_redirects": automatic.get("allow_redirects", "always"),
            }
            if isinstance(automatic, dict)
            else None,
            "next_action": None,
            "metadata": params.get("metadata", {}),
            "created": int(time.time()),
            "livemode": False,
            "latest_charge": None,
            "last_payment_error": None,
            "canceled_at": None,
            "cancellation_reason": None,
            "client_secret": f"{intent_id}_secret_{secrets.token_hex(12)}",
        }
        self.intents[intent["id"]] = intent
        if params.get("confirm") == "true" and method is not None:
            self._confirm(intent, method)
        return intent

    def _confirm(self, intent: dict[str, Any], method: str, return_url: str | None = None) -> None:
        intent["payment_method"] = method
        intent["last_payment_error"] = None
        intent["next_action"] = None
        if method in _THREE_D_SECURE:
            intent["status"] = "requires_action"
            intent["next_action"] = {
                "type": "redirect_to_url",
                "redirect_to_url": {
                    "url": f"https://hooks.stripe.com/3d_secure_2/authenticate/{intent['id']}",
                    "return_url": return_url,
                },
            }
            return
        intent["latest_charge"] = _id("ch")
        if method in _DECLINES:
            code, decline_code, message = _DECLINES[method]
            error = {
                "type": "card_error",
                "code": code,
                "decline_code": decline_code,
                "message": message,
                "charge": intent["latest_charge"],
            }
            intent["status"] = "requires_payment_method"
            intent["last_payment_error"] = dict(error)
            raise StripeFailure(402, {**error, "payment_intent": dict(intent)})
        self._succeed(intent)

    def _succeed(self, intent: dict[str, Any]) -> None:
        intent["next_action"] = None
        if intent["capture_method"] == "manual":
            intent["status"] = "requires_capture"
            intent["amount_capturable"] = intent["amount"]
        else:
            intent["status"] = "succeeded"
            intent["amount_received"] = intent["amount"]

    def _confirm_intent(self, path: dict[str, str], params: dict[str, Any]) -> dict[str, Any]:
        intent = self._intent(path["id"])
        secret = params.get("client_secret")
        if secret is not None and secret != intent["client_secret"]:
            raise _invalid(
                "The client_secret provided does not match the client_secret associated with "
                "the PaymentIntent.",
                param="client_secret",
            )
        if intent["status"] not in _CONFIRMABLE:
            raise _invalid(
                "You cannot confirm this PaymentIntent because it has a status of "
                f"{intent['status']}.",
                code="payment_intent_unexpected_state",
            )
        method = params.get("payment_method") or intent["payment_method"]
        if method is None:
            raise _invalid(
                "You cannot confirm this PaymentIntent because it's missing a payment method.",
                code="payment_intent_unexpected_state",
            )
        if method not in _KNOWN_METHODS:
            raise _invalid(
                f"No such PaymentMethod: '{method}'",
                code="resource_missing",
                param="payment_method",
            )
        self._confirm(intent, method, params.get("return_url"))
        return intent

    # What happens away from the API: the shopper at the bank's 3-D Secure page, a bank debit.

    def complete_authentication(self, intent_id: str, *, succeed: bool = True) -> dict[str, Any]:
        """The shopper passes (or fails) the 3-D Secure challenge of a requires_action intent."""
        with self._lock:
            intent = self._intent(intent_id)
            if intent["status"] != "requires_action":
                raise AssertionError(f"{intent_id} is {intent['status']}, not requires_action")
            intent["latest_charge"] = _id("ch")
            if succeed:
                self._succeed(intent)
            else:
                intent.update(
                    status="requires_payment_method",
                    next_action=None,
                    last_payment_error={
                        "type": "invalid_request_error",
                        "code": "payment_intent_authentication_failure",
                        "message": "The provided PaymentMethod has failed authentication. You "
                        "can provide payment_method_data or a new PaymentMethod to attempt to "
                        "fulfill this PaymentIntent again.",
                    },
                )
            return dict(intent)

    def process_asynchronously(self, intent_id: str) -> dict[str, Any]:
        """The intent was confirmed with a method that settles later (a bank debit)."""
        with self._lock:
            intent = self._intent(intent_id)
            intent.update(status="processing", payment_method="pm_bank_debit", next_action=None)
            return dict(intent)

    def finish_processing(self, intent_id: str, *, succeed: bool = True) -> dict[str, Any]:
        """The bank answered; the intent as the webhook will carry it."""
        with self._lock:
            intent = self._intent(intent_id)
            intent["latest_charge"] = _id("ch")
            if succeed:
                self._succeed(intent)
            else:
                intent.update(
                    status="requires_payment_method",
                    last_payment_error={
                        "type": "card_error",
                        "code": "payment_method_provider_decline",
                        "decline_code": "insufficient_funds",
                        "message": "The payment was declined by the bank.",
                    },
                )
            return dict(intent)

    def _intent(self, intent_id: str) -> dict[str, Any]:
        intent = self.intents.get(intent_id)
        if intent is None:
            raise StripeFailure(
                404,
                {
                    "type": "invalid_request_error",
                    "code": "resource_missing",
                    "message": f"No such payment_intent: '{intent_id}'",
                    "param": "intent",
                },
            )
        return intent

    def _get_intent(self, path: dict[str, str], _: dict[str, Any]) -> dict[str, Any]:
        return self._intent(path["id"])

    def _capture_intent(self, path: dict[str, str], params: dict[str, Any]) -> dict[str, Any]:
        intent = self._intent(path["id"])
        if intent["status"] != "requires_capture":
            raise _invalid(
                "This PaymentIntent could not be captured because it has a status of "
                f"{intent['status']}. Only a PaymentIntent with one of the following statuses "
                "may be captured: requires_capture.",
                code="payment_intent_unexpected_state",
            )
        amount = int(params.get("amount_to_capture", intent["amount_capturable"]))
        if amount > intent["amount_capturable"]:
            raise _invalid(
                "The amount to capture is greater than the amount capturable.",
                code="amount_too_large",
                param="amount_to_capture",
            )
        intent.update(status="succeeded", amount_received=amount, amount_capturable=0)
        return intent

    def _cancel_intent(self, path: dict[str, str], _: dict[str, Any]) -> dict[str, Any]:
        intent = self._intent(path["id"])
        if intent["status"] in ("succeeded", "canceled"):
            raise _invalid(
                "You cannot cancel this PaymentIntent because it has a status of "
                f"{intent['status']}.",
                code="payment_intent_unexpected_state",
            )
        intent.update(status="canceled", amount_capturable=0, canceled_at=int(time.time()))
        return intent

    def _create_refund(self, _: dict[str, str], params: dict[str, Any]) -> dict[str, Any]:
        intent = self._intent(str(params.get("payment_intent", "")))
        if intent["status"] != "succeeded":
            raise _invalid(
                "This PaymentIntent does not have a successful charge to refund.",
                code="charge_not_refundable",
            )
        refunded = sum(
            r["amount"]
            for r in self.refunds.values()
            if r["payment_intent"] == intent["id"] and r["status"] == "succeeded"
        )
        remaining = intent["amount_received"] - refunded
        amount = int(params.get("amount", remaining))
        if remaining <= 0:
            raise _invalid(
                f"Charge {intent['latest_charge']} has already been refunded.",
                code="charge_already_refunded",
            )
        if amount > remaining:
            raise _invalid(
                f"Refund amount ({amount}) is greater than unrefunded amount on charge "
                f"({remaining})",
                code="amount_too_large",
                param="amount",
            )
        refund = {
            "id": _id("re"),
            "object": "refund",
            "amount": amount,
            "currency": intent["currency"],
            "payment_intent": intent["id"],
            "charge": intent["latest_charge"],
            "status": "succeeded",
            "metadata": params.get("metadata", {}),
            "created": int(time.time()),
            "reason": None,
        }
        self.refunds[refund["id"]] = refund
        return refund

    def _get_refund(self, path: dict[str, str], _: dict[str, Any]) -> dict[str, Any]:
        refund = self.refunds.get(path["id"])
        if refund is None:
            raise _invalid(f"No such refund: '{path['id']}'", code="resource_missing")
        return refund

    # Webhooks

    def event(self, event_type: str, obj: dict[str, Any], *, event_id: str | None = None) -> bytes:
        """An event body exactly as Stripe sends it."""
        document = {
            "id": event_id or _id("evt"),
            "object": "event",
            "api_version": "2025-01-27.acacia",
            "created": int(time.time()),
            "type": event_type,
            "data": {"object": obj},
            "livemode": False,
            "pending_webhooks": 1,
            "request": {"id": None, "idempotency_key": None},
        }
        return json.dumps(document).encode()

    def sign(self, body: bytes, *, timestamp: int | None = None, secret: str | None = None) -> str:
        moment = int(time.time()) if timestamp is None else timestamp
        mac = hmac.new(
            (secret or self.webhook_secret).encode(),
            f"{moment}.".encode() + body,
            hashlib.sha256,
        ).hexdigest()
        return f"t={moment},v1={mac}"

    async def send_event(
        self, url: str, event_type: str, obj: dict[str, Any], *, event_id: str | None = None
    ) -> httpx.Response:
        body = self.event(event_type, obj, event_id=event_id)
        async with httpx.AsyncClient() as http:
            return await http.post(
                url,
                content=body,
                headers={"Content-Type": "application/json", "Stripe-Signature": self.sign(body)},
            )


def _id(prefix: str) -> str:
    return f"{prefix}_{secrets.token_hex(12)}"


class ServerThread:
    """Serve an ASGI app with uvicorn on 127.0.0.1:<free port> in a daemon thread."""

    def __init__(self, app: Any) -> None:
        self._socket = socket.socket()
        self._socket.bind(("127.0.0.1", 0))
        self.port: int = self._socket.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(app, log_level="warning", lifespan="off", access_log=False)
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [self._socket]}, daemon=True
        )

    def start(self) -> ServerThread:
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("the server thread did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)
        self._socket.close()
