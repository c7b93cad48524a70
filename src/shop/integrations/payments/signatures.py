"""Timestamped HMAC-SHA256 webhook signatures: `t=<unix seconds>,v1=<hex of HMAC("<t>.<body>")>`.

The sandbox signs this way (header `Sandbox-Signature`); Stripe uses the same construction in
`Stripe-Signature`. The timestamp is signed too, so an old delivery cannot be replayed with a new
time, and deliveries older than the tolerance are refused.
"""

from __future__ import annotations

import hashlib
import hmac

from shop.integrations.payments.base import WebhookRejected

DEFAULT_TOLERANCE_SECONDS = 300
SCHEME = "v1"


def compute_signature(body: bytes, *, secret: str, timestamp: int) -> str:
    signed = str(timestamp).encode() + b"." + body
    return hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def signature_header(body: bytes, *, secret: str, timestamp: int) -> str:
    return f"t={timestamp},{SCHEME}={compute_signature(body, secret=secret, timestamp=timestamp)}"


def parse_signature_header(header: str | None, *, name: str) -> tuple[int, list[str]]:
    """(timestamp, v1 signatures). Several v1 values are allowed (secret rotation)."""
    if not header:
        raise WebhookRejected(f"the {name} header is missing", code="invalid_signature")
    timestamp: int | None = None
    signatures: list[str] = []
    for item in header.split(","):
        key, sep, value = item.strip().partition("=")
        if not sep:
            continue
        if key == "t":
            try:
                timestamp = int(value)
            except ValueError:
                timestamp = None
                break
        elif key == SCHEME and value:
            signatures.append(value)
    if timestamp is None or not signatures:
        raise WebhookRejected(
            f"the {name} header is malformed; expected 't=<unix seconds>,v1=<hex hmac>'",
            code="invalid_signature",
        )
    return timestamp, signatures


def check_tolerance(timestamp: int, *, now: float, tolerance: int, name: str) -> None:
    age = now - timestamp
    if age > tolerance:
        raise WebhookRejected(
            f"the {name} timestamp is {int(age)} s old; deliveries older than {tolerance} s "
            "are refused",
            code="stale_signature",
        )
    if -age > tolerance:
        raise WebhookRejected(
            f"the {name} timestamp is {int(-age)} s in the future; check the sender's clock",
            code="stale_signature",
        )


def verify_signature(
    body: bytes,
    header: str | None,
    *,
    secret: str,
    now: float,
    name: str,
    tolerance: int = DEFAULT_TOLERANCE_SECONDS,
) -> int:
    """Check the signature, then the age. Returns the signed timestamp."""
    timestamp, signatures = parse_signature_header(header, name=name)
    expected = compute_signature(body, secret=secret, timestamp=timestamp)
    if not any(hmac.compare_digest(expected, candidate) for candidate in signatures):
        raise WebhookRejected(
            f"the {name} does not match the body; is the webhook secret right?",
            code="invalid_signature",
        )
    check_tolerance(timestamp, now=now, tolerance=tolerance, name=name)
    return timestamp
