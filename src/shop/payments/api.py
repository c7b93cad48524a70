"""Payments have no routes of their own: the webhook route `POST /api/v1/payments/webhooks/
{provider}` lives in checkout, which may update orders (payments may not import orders). This
module gives it the request parsing: the raw body (signatures are over the exact bytes) with a
size limit, and the headers."""

from __future__ import annotations

from fastapi import APIRouter, Request

from shop.errors import ShopError

router = APIRouter(prefix="/payments", tags=["payments"])

MAX_WEBHOOK_BYTES = 256 * 1024


class WebhookTooLarge(ShopError):
    code = "payload_too_large"
    status = 413
    title = "Payload too large"


async def read_webhook(request: Request) -> tuple[dict[str, str], bytes]:
    """(headers, raw body) of a webhook request, for `payments_service.receive_webhook`. The
    body is read as bytes and never parsed or logged here."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_WEBHOOK_BYTES:
        raise WebhookTooLarge(f"a webhook body may be at most {MAX_WEBHOOK_BYTES} bytes")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_WEBHOOK_BYTES:
            raise WebhookTooLarge(f"a webhook body may be at most {MAX_WEBHOOK_BYTES} bytes")
    return dict(request.headers.items()), bytes(body)
