"""The sandbox provider's operations: payments, captures, voids, refunds and webhook events,
each a function of one sqlite3 connection that runs inside one IMMEDIATE transaction (see
sandbox_store.py). No web framework here; sandbox_app.py is the HTTP face.
"""

from __future__ import annotations

import json
import re
import secrets
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from shop.integrations.payments.sandbox_store import SandboxStore

EVENT_TYPES = ("payment.captured", "payment.failed", "refund.succeeded")
MAX_AMOUNT = 99_999_999
LEASE_SECONDS = 30.0  # a delivery claimed by a process that died is retried after this
_CURRENCY = re.compile(r"^[A-Za-z]{3}$")
# token -> (outcome, failure code, failure message); outcome: now | later | declined
TOKENS: dict[str, tuple[str, str | None, str | None]] = {
    "tok_visa": ("now", None, None),
    "tok_asyncCapture": ("later", None, None),
    "tok_chargeDeclined": ("declined", "card_declined", "Your card was declined."),
    "tok_insufficientFunds": (
        "declined",
        "insufficient_funds",
        "Your card has insufficient funds.",
    ),
}


class SandboxError(Exception):
    """An error answer in the provider's format: {"error": {type, code, message, param?}}."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        type: str = "invalid_request_error",
        param: str | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.body: dict[str, Any] = {"type": type, "code": code, "message": message}
        if param is not None:
            self.body["param"] = param


@dataclass(frozen=True, slots=True)
class Answer:
    status: int
    body: dict[str, Any]
    replayed: bool = False
    # The operation left work for the dispatcher (a capture later, a webhook to deliver): only
    # then is it woken, so an ordinary payment costs no extra transactions.
    scheduled: bool = False


# Documents


def _payment_document(connection: sqlite3.Connection, row: sqlite3.Row) -> dict[str, Any]:
    refunds = connection.execute(
        "SELECT * FROM refunds WHERE payment_id = ? ORDER BY created, id", (row["id"],)
    ).fetchall()
    return {
        "id": row["id"],
        "object": "payment",
        "amount": row["amount"],
        "currency": row["currency"],
        "status": row["status"],
        "capture_method": row["capture_method"],
        "captured_amount": row["captured_amount"],
        "refunded_amount": row["refunded_amount"],
        "failure_code": row["failure_code"],
        "failure_message": row["failure_message"],
        "metadata": json.loads(row["metadata"]),
        "created": int(row["created"]),
        "refunds": [_refund_document(refund, row["currency"]) for refund in refunds],
        "livemode": False,
    }


def _refund_document(row: sqlite3.Row, currency: str) -> dict[str, Any]:
    return {
        "id": row["id"],
        "object": "refund",
        "payment": row["payment_id"],
        "amount": row["amount"],
        "currency": currency,
        "status": row["status"],
        "metadata": json.loads(row["metadata"]),
        "created": int(row["created"]),
    }


def _event_summary(row: sqlite3.Row) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(row["body"])
    document["delivery"] = {
        "status": row["status"],
        "attempts": row["attempts"],
        "last_error": row["last_error"],
        "delivered_at": row["delivered_at"],
    }
    return document


# Validation


def _amount(value: object, *, param: str = "amount") -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= MAX_AMOUNT:
        raise SandboxError(
            400,
            "invalid_amount",
            f"{param} must be an integer number of minor units from 1 to {MAX_AMOUNT}",
            param=param,
        )
    return value


def _metadata(value: object) -> dict[str, str]:
    if value is None:
        return {}
    if (
        not isinstance(value, dict)
        or len(value) > 50
        or not all(
            isinstance(k, str) and isinstance(v, str) and len(k) <= 40 and len(v) <= 500
            for k, v in value.items()
        )
    ):
        raise SandboxError(
            400,
            "invalid_metadata",
            "metadata must be an object of at most 50 string keys (40 chars) and string values "
            "(500 chars)",
            param="metadata",
        )
    return value


def _fetch_payment(connection: sqlite3.Connection, payment_id: str) -> sqlite3.Row:
    row: sqlite3.Row | None = connection.execute(
        "SELECT * FROM payments WHERE id = ?", (payment_id,)
    ).fetchone()
    if row is None:
        raise SandboxError(
            404, "payment_not_found", f"no payment {payment_id!r}", type="not_found_error"
        )
    return row


def _new_id(prefix: str) -> str:
    return f"{prefix}_{secrets.token_hex(12)}"


# Operations: each runs inside one IMMEDIATE transaction in a worker thread.


class SandboxProvider:
    def __init__(self, store: SandboxStore, *, capture_delay: float) -> None:
        self.store = store
        self.capture_delay = capture_delay

    def idempotent(
        self,
        connection: sqlite3.Connection,
        *,
        scope: str,
        key: str | None,
        request_hash: str,
        operation: Callable[[sqlite3.Connection], Answer],
    ) -> Answer:
        """Same key + same request -> the first answer again; same key + another request -> 422.
        Only successful answers are kept (like Stripe: a request that failed validation did
        nothing, so it may be retried)."""
        if key is None:
            return operation(connection)
        stored = connection.execute(
            "SELECT request_hash, status, body FROM idempotency WHERE scope = ? AND key = ?",
            (scope, key),
        ).fetchone()
        if stored is not None:
            if stored["request_hash"] != request_hash:
                raise SandboxError(
                    422,
                    "idempotency_key_reused",
                    "this Idempotency-Key was used with a different request; use a new key for "
                    "a new request",
                    type="idempotency_error",
                )
            return Answer(stored["status"], json.loads(stored["body"]), replayed=True)
        answer = operation(connection)
        connection.execute(
            "INSERT INTO idempotency (scope, key, request_hash, status, body, created) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (scope, key, request_hash, answer.status, json.dumps(answer.body), time.time()),
        )
        return answer

    def create_payment(self, connection: sqlite3.Connection, body: dict[str, Any]) -> Answer:
        amount = _amount(body.get("amount"))
        currency = body.get("currency")
        if not isinstance(currency, str) or not _CURRENCY.match(currency):
            raise SandboxError(
                400, "invalid_currency", "currency must be an ISO 4217 code", param="currency"
            )
        token = body.get("token")
        if not isinstance(token, str) or token not in TOKENS:
            raise SandboxError(
                400,
                "invalid_token",
                f"unknown card token; use one of {', '.join(sorted(TOKENS))}",
                param="token",
            )
        capture = body.get("capture", True)
        if not isinstance(capture, bool):
            raise SandboxError(400, "invalid_capture", "capture must be a boolean", param="capture")
        metadata = _metadata(body.get("metadata"))
        now = time.time()
        outcome, failure_code, failure_message = TOKENS[token]
        capture_at = None
        if outcome == "declined":
            status, captured = "declined", 0
        elif capture and outcome == "now":
            status, captured = "captured", amount
        else:
            status, captured = "authorized", 0
            if capture:  # tok_asyncCapture: the provider settles it later, by itself
                capture_at = now + self.capture_delay
        payment_id = _new_id("sbx")
        connection.execute(
            "INSERT INTO payments (id, amount, currency, status, capture_method, token, "
            "captured_amount, failure_code, failure_message, metadata, created, capture_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                payment_id,
                amount,
                currency.upper(),
                status,
                "automatic" if capture else "manual",
                token,
                captured,
                failure_code,
                failure_message,
                json.dumps(metadata),
                now,
                capture_at,
            ),
        )
        return Answer(
            201,
            _payment_document(connection, _fetch_payment(connection, payment_id)),
            scheduled=capture_at is not None,
        )

    def get_payment(self, connection: sqlite3.Connection, payment_id: str) -> Answer:
        return Answer(200, _payment_document(connection, _fetch_payment(connection, payment_id)))

    def capture(
        self, connection: sqlite3.Connection, payment_id: str, body: dict[str, Any]
    ) -> Answer:
        payment = _fetch_payment(connection, payment_id)
        amount = payment["amount"] if body.get("amount") is None else _amount(body["amount"])
        if payment["status"] != "authorized":
            raise SandboxError(
                409,
                "invalid_state",
                f"the payment is {payment['status']}; only an authorized payment can be captured",
            )
        if amount > payment["amount"]:
            raise SandboxError(
                400,
                "amount_too_large",
                f"at most the authorized {payment['amount']} can be captured",
                param="amount",
            )
        connection.execute(
            "UPDATE payments SET status = 'captured', captured_amount = ?, capture_at = NULL "
            "WHERE id = ?",
            (amount, payment_id),
        )
        return self.get_payment(connection, payment_id)

    def void(self, connection: sqlite3.Connection, payment_id: str) -> Answer:
        payment = _fetch_payment(connection, payment_id)
        if payment["status"] != "authorized":
            raise SandboxError(
                409,
                "invalid_state",
                f"the payment is {payment['status']}; only an authorized payment can be voided "
                "(refund a captured one)",
            )
        connection.execute(
            "UPDATE payments SET status = 'voided', capture_at = NULL WHERE id = ?", (payment_id,)
        )
        return self.get_payment(connection, payment_id)

    def refund(
        self, connection: sqlite3.Connection, payment_id: str, body: dict[str, Any]
    ) -> Answer:
        payment = _fetch_payment(connection, payment_id)
        amount = _amount(body.get("amount"))
        metadata = _metadata(body.get("metadata"))
        if payment["status"] != "captured":
            raise SandboxError(
                409,
                "invalid_state",
                f"the payment is {payment['status']}; only a captured payment can be refunded",
            )
        refundable = payment["captured_amount"] - payment["refunded_amount"]
        if amount > refundable:
            raise SandboxError(
                400,
                "amount_exceeds_refundable",
                f"at most {refundable} of this payment can still be refunded",
                param="amount",
            )
        refund_id = _new_id("sbxre")
        connection.execute(
            "INSERT INTO refunds (id, payment_id, amount, status, metadata, created) "
            "VALUES (?, ?, ?, 'succeeded', ?, ?)",
            (refund_id, payment_id, amount, json.dumps(metadata), time.time()),
        )
        connection.execute(
            "UPDATE payments SET refunded_amount = refunded_amount + ? WHERE id = ?",
            (amount, payment_id),
        )
        row = connection.execute("SELECT * FROM refunds WHERE id = ?", (refund_id,)).fetchone()
        return Answer(201, _refund_document(row, payment["currency"]))

    def add_event(
        self,
        connection: sqlite3.Connection,
        payment_id: str,
        event_type: str,
        *,
        refund: sqlite3.Row | None = None,
    ) -> dict[str, Any]:
        """Snapshot the payment (and refund) into a new pending event, due now."""
        payment = _fetch_payment(connection, payment_id)
        now = time.time()
        data: dict[str, Any] = {"payment": _payment_document(connection, payment)}
        if refund is not None:
            data["refund"] = _refund_document(refund, payment["currency"])
        document = {"id": _new_id("evt"), "type": event_type, "created": int(now), "data": data}
        connection.execute(
            "INSERT INTO events (id, payment_id, type, body, created, status, next_attempt_at) "
            "VALUES (?, ?, ?, ?, ?, 'pending', ?)",
            (
                document["id"],
                payment_id,
                event_type,
                json.dumps(document, separators=(",", ":")).encode(),
                now,
                now,
            ),
        )
        return document

    def trigger_event(
        self, connection: sqlite3.Connection, payment_id: str, body: dict[str, Any]
    ) -> Answer:
        """Re-send the latest event of this type, or make it happen now and send it."""
        event_type = body.get("type")
        if event_type not in EVENT_TYPES:
            raise SandboxError(
                400,
                "invalid_event_type",
                f"type must be one of {', '.join(EVENT_TYPES)}",
                param="type",
            )
        payment = _fetch_payment(connection, payment_id)
        existing = connection.execute(
            "SELECT * FROM events WHERE payment_id = ? AND type = ? ORDER BY created DESC, id "
            "LIMIT 1",
            (payment_id, event_type),
        ).fetchone()
        if existing is not None:
            connection.execute(
                "UPDATE events SET status = 'pending', attempts = 0, next_attempt_at = ?, "
                "locked_until = NULL, last_error = NULL WHERE id = ?",
                (time.time(), existing["id"]),
            )
            return Answer(202, json.loads(existing["body"]), scheduled=True)
        status = payment["status"]
        refund = None
        if event_type == "payment.captured":
            if status == "authorized":
                connection.execute(
                    "UPDATE payments SET status = 'captured', captured_amount = amount, "
                    "capture_at = NULL WHERE id = ?",
                    (payment_id,),
                )
            elif status != "captured":
                raise SandboxError(409, "invalid_state", f"the payment is {status}, not captured")
        elif event_type == "payment.failed":
            if status == "authorized":
                connection.execute(
                    "UPDATE payments SET status = 'declined', capture_at = NULL, "
                    "failure_code = 'card_declined', "
                    "failure_message = 'The payment failed after authorization.' WHERE id = ?",
                    (payment_id,),
                )
            elif status != "declined":
                raise SandboxError(409, "invalid_state", f"the payment is {status}, not failed")
        else:
            refund = connection.execute(
                "SELECT * FROM refunds WHERE payment_id = ? ORDER BY created DESC, id LIMIT 1",
                (payment_id,),
            ).fetchone()
            if refund is None:
                raise SandboxError(409, "invalid_state", "the payment has no refund to report")
        return Answer(
            202,
            self.add_event(connection, payment_id, event_type, refund=refund),
            scheduled=True,
        )

    def list_events(self, connection: sqlite3.Connection, payment_id: str) -> Answer:
        _fetch_payment(connection, payment_id)
        rows = connection.execute(
            "SELECT * FROM events WHERE payment_id = ? ORDER BY created, id", (payment_id,)
        ).fetchall()
        return Answer(200, {"object": "list", "data": [_event_summary(row) for row in rows]})

    # Background work

    def capture_due(self, connection: sqlite3.Connection, now: float) -> int:
        due = connection.execute(
            "SELECT id FROM payments WHERE capture_at IS NOT NULL AND capture_at <= ? "
            "AND status = 'authorized' LIMIT 50",
            (now,),
        ).fetchall()
        for row in due:
            connection.execute(
                "UPDATE payments SET status = 'captured', captured_amount = amount, "
                "capture_at = NULL WHERE id = ?",
                (row["id"],),
            )
            self.add_event(connection, row["id"], "payment.captured")
        return len(due)

    def claim_deliveries(
        self, connection: sqlite3.Connection, now: float, limit: int
    ) -> list[tuple[str, bytes]]:
        rows = connection.execute(
            "SELECT id, body FROM events WHERE status = 'pending' AND next_attempt_at <= ? "
            "AND (locked_until IS NULL OR locked_until <= ?) ORDER BY next_attempt_at LIMIT ?",
            (now, now, limit),
        ).fetchall()
        for row in rows:
            connection.execute(
                "UPDATE events SET locked_until = ? WHERE id = ?", (now + LEASE_SECONDS, row["id"])
            )
        return [(row["id"], bytes(row["body"])) for row in rows]

    def record_attempt(
        self,
        connection: sqlite3.Connection,
        event_id: str,
        *,
        error: str | None,
        max_attempts: int,
        base_delay: float,
    ) -> None:
        now = time.time()
        row = connection.execute("SELECT attempts FROM events WHERE id = ?", (event_id,)).fetchone()
        attempts = row["attempts"] + 1
        if error is None:
            connection.execute(
                "UPDATE events SET status = 'delivered', attempts = ?, delivered_at = ?, "
                "locked_until = NULL, last_error = NULL WHERE id = ?",
                (attempts, now, event_id),
            )
        elif attempts >= max_attempts:
            connection.execute(
                "UPDATE events SET status = 'failed', attempts = ?, locked_until = NULL, "
                "last_error = ? WHERE id = ?",
                (attempts, error, event_id),
            )
        else:
            connection.execute(
                "UPDATE events SET attempts = ?, next_attempt_at = ?, locked_until = NULL, "
                "last_error = ? WHERE id = ?",
                (attempts, now + base_delay * 2 ** (attempts - 1), error, event_id),
            )

    def next_due(self, connection: sqlite3.Connection) -> float | None:
        row = connection.execute(
            "SELECT MIN(due) AS due FROM ("
            " SELECT MAX(next_attempt_at, COALESCE(locked_until, 0)) AS due FROM events"
            " WHERE status = 'pending'"
            " UNION ALL"
            " SELECT capture_at FROM payments WHERE capture_at IS NOT NULL"
            " AND status = 'authorized')"
        ).fetchone()
        due: float | None = row["due"]
        return due
