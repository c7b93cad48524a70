"""Which payment adapters the shop runs with, chosen by settings, and how to find one.

The lead builds them once in the app lifespan (`app.state.gateways = build_gateways(settings,
http)`); checkout code gets them from there with `gateways_from_state(request.app.state)` and
picks one with `get_gateway`. Nothing here imports FastAPI.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

import httpx

from shop.config import Settings
from shop.errors import InvalidInput, NotFound
from shop.integrations.payments import sandbox, stripe
from shop.integrations.payments.base import PaymentGateway, WebhookEvent
from shop.integrations.payments.sandbox import SandboxGateway
from shop.integrations.payments.stripe import StripeGateway

STATE_ATTRIBUTE = "gateways"
SANDBOX_MOUNT_PATH = "/_sandbox"


class UnknownPaymentProvider(InvalidInput):
    code = "unknown_payment_provider"

    def __init__(self, provider: str, available: list[str]) -> None:
        names = ", ".join(available) or "none"
        super().__init__(
            f"the payment provider '{provider}' is not offered here; use one of: {names}",
            available=available,
        )


class UnknownWebhookProvider(NotFound):
    code = "unknown_payment_provider"

    def __init__(self, provider: str) -> None:
        super().__init__(f"no payment provider '{provider}' sends webhooks to this shop")


def sandbox_base_url(settings: Settings) -> str:
    """SHOP_SANDBOX_URL, or the sandbox mounted inside the shop itself."""
    return (
        settings.sandbox_url or f"{settings.public_url.rstrip('/')}{SANDBOX_MOUNT_PATH}"
    ).rstrip("/")


def build_gateways(settings: Settings, http: httpx.AsyncClient) -> dict[str, PaymentGateway]:
    """One adapter per provider in settings.providers, all sharing the app's httpx client."""
    gateways: dict[str, PaymentGateway] = {}
    for provider in settings.providers:
        if provider == sandbox.PROVIDER:
            if settings.is_production:  # Settings refuses this already; belt and braces
                raise RuntimeError("the sandbox payment provider is refused in production")
            gateways[provider] = SandboxGateway(http, base_url=sandbox_base_url(settings))
        elif provider == stripe.PROVIDER:
            if settings.stripe_api_key is None:
                raise RuntimeError("stripe needs SHOP_STRIPE_API_KEY")
            gateways[provider] = StripeGateway(
                http,
                api_key=settings.stripe_api_key.get_secret_value(),
                api_base=settings.stripe_api_base,
            )
        else:
            raise RuntimeError(f"no adapter for the payment provider {provider!r}")
    return gateways


def gateways_from_state(state: object) -> dict[str, PaymentGateway]:
    """The gateways the lifespan stored on `app.state` (any object with that attribute)."""
    gateways: dict[str, PaymentGateway] | None = getattr(state, STATE_ATTRIBUTE, None)
    if gateways is None:
        raise RuntimeError(
            f"no payment gateways on the app state; set state.{STATE_ATTRIBUTE} = "
            "build_gateways(settings, http) in the lifespan"
        )
    return gateways


def get_gateway(gateways: Mapping[str, PaymentGateway], provider: str) -> PaymentGateway:
    """The adapter for `provider`; 422 unknown_payment_provider (with `available`) otherwise."""
    gateway = gateways.get(provider)
    if gateway is None:
        raise UnknownPaymentProvider(provider, sorted(gateways))
    return gateway


def parse_webhook(
    *,
    provider: str,
    headers: Mapping[str, str],
    body: bytes,
    settings: Settings,
    now: datetime,
) -> WebhookEvent:
    """Verify and read a webhook of an enabled provider. Raises UnknownWebhookProvider (404) and
    WebhookRejected (400 invalid_signature | stale_signature | invalid_payload)."""
    if provider not in settings.providers:
        raise UnknownWebhookProvider(provider)
    moment = now.timestamp()
    if provider == sandbox.PROVIDER:
        secret = settings.sandbox_webhook_secret.get_secret_value()
        return sandbox.parse_webhook(headers, body, secret=secret, now=moment)
    if provider == stripe.PROVIDER and settings.stripe_webhook_secret is not None:
        secret = settings.stripe_webhook_secret.get_secret_value()
        return stripe.parse_webhook(headers, body, secret=secret, now=moment)
    raise UnknownWebhookProvider(provider)
