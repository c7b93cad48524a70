"""Checkout (`POST /checkout`, with an Idempotency-Key) and the payment providers' webhooks."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Path, Request, status
from fastapi.responses import JSONResponse

from shop.auth.dependencies import OPTIONAL_BEARER, OptionalClaims
from shop.carts.api import CartToken
from shop.checkout import workflows
from shop.checkout.errors import IdempotencyKeyMissing
from shop.checkout.schemas import IDEMPOTENCY_KEY_MAX_LENGTH, CheckoutCreate
from shop.orders.dependencies import GatewaysDep
from shop.orders.schemas import OrderRead
from shop.payments.api import read_webhook
from shop.payments.schemas import WebhookAck
from shop.web.dependencies import DatabaseDep, SettingsDep
from shop.web.problems import PROBLEM_CONTENT_TYPE, problem_doc, problem_responses

router = APIRouter(tags=["checkout"])

IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        max_length=IDEMPOTENCY_KEY_MAX_LENGTH,
        description="Required. A unique value per order attempt (e.g. a UUID); send the same "
        "value to retry the same request",
    ),
]


@router.post(
    "/checkout",
    openapi_extra=OPTIONAL_BEARER,
    status_code=status.HTTP_201_CREATED,
    response_model=OrderRead,
    summary="Place an order from a cart and pay for it",
    description=(
        "Totals are computed on the server. Stock is taken atomically: a line without enough "
        "stock is 409 `insufficient_stock` naming the `lines`, and nothing changes. A declined "
        "payment is 402 `payment_declined` (stock and cart as before, no paid order). "
        "Idempotency-Key (required, 400 `idempotency_key_missing`): the same key and body "
        "again answers the first response again (header `Idempotent-Replayed: true`); while "
        "the first is still running 409 `idempotency_key_in_use`; the key with another body "
        "422 `idempotency_key_reused`. When the payment provider does not answer, 503 "
        "`payment_provider_unavailable`: the order is pending; retry with the same key."
    ),
    responses={
        400: problem_doc("No Idempotency-Key header"),
        402: problem_doc("The payment was declined (`failure_code` says why)"),
        503: problem_doc("The payment provider did not answer; retry with the same key"),
        **problem_responses(401, 404, 409, 422),
    },
)
async def checkout(
    data: CheckoutCreate,
    database: DatabaseDep,
    gateways: GatewaysDep,
    claims: OptionalClaims,
    idempotency_key: IdempotencyKey = None,
    x_cart_token: CartToken = None,
) -> JSONResponse:
    if idempotency_key is None or not idempotency_key.strip():
        raise IdempotencyKeyMissing()
    answer = await workflows.checkout(
        database,
        gateways,
        key=idempotency_key.strip(),
        data=data,
        claims=claims,
        cart_token=x_cart_token,
    )
    return JSONResponse(
        answer.body,
        status_code=answer.status,
        media_type="application/json" if answer.status < 400 else PROBLEM_CONTENT_TYPE,
        headers={"Idempotent-Replayed": "true"} if answer.replayed else None,
    )


@router.post(
    "/payments/webhooks/{provider}",
    response_model=WebhookAck,
    summary="Webhook of a payment provider",
    description=(
        "Signed by the provider (`Sandbox-Signature` / `Stripe-Signature`); an invalid or stale "
        "signature is 400. Each provider event is applied once: a replayed or concurrent "
        "duplicate is answered 200 and changes nothing."
    ),
    responses={
        400: problem_doc("Invalid or stale signature, or an unreadable event"),
        413: problem_doc("The body is too large"),
        **problem_responses(404),
    },
)
async def payment_webhook(
    provider: Annotated[str, Path(min_length=1, max_length=20)],
    request: Request,
    database: DatabaseDep,
    gateways: GatewaysDep,
    settings: SettingsDep,
) -> WebhookAck:
    headers, body = await read_webhook(request)
    await workflows.apply_webhook(
        database, gateways, settings=settings, provider=provider, headers=headers, body=body
    )
    return WebhookAck()
