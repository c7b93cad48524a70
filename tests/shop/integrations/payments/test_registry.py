from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace

import httpx
import pytest

from shop.config import Environment, Settings
from shop.integrations.payments.base import NotificationKind, WebhookRejected
from shop.integrations.payments.registry import (
    UnknownPaymentProvider,
    UnknownWebhookProvider,
    build_gateways,
    gateways_from_state,
    get_gateway,
    parse_webhook,
    sandbox_base_url,
)
from shop.integrations.payments.sandbox import SandboxGateway
from shop.integrations.payments.signatures import signature_header
from shop.integrations.payments.stripe import StripeGateway
from tests.conftest import TEST_SECRET


def settings_with(tmp_path: Path, **values: object) -> Settings:
    base: dict[str, object] = {
        "env": Environment.TEST,
        "secret_key": TEST_SECRET,
        "var_dir": tmp_path,
    }
    return Settings(**{**base, **values})  # type: ignore[arg-type]


STRIPE = {
    "payment_providers": "sandbox,stripe",
    "stripe_api_key": "sk_test_x",
    "stripe_webhook_secret": "whsec_stripe",
    "stripe_api_base": "http://127.0.0.1:1",
}


class TestBuildGateways:
    async def test_sandbox_by_default(self, tmp_path: Path) -> None:
        async with httpx.AsyncClient() as http:
            gateways = build_gateways(settings_with(tmp_path), http)
        assert list(gateways) == ["sandbox"]
        assert isinstance(gateways["sandbox"], SandboxGateway)

    async def test_stripe_when_configured(self, tmp_path: Path) -> None:
        async with httpx.AsyncClient() as http:
            gateways = build_gateways(settings_with(tmp_path, **STRIPE), http)
        assert list(gateways) == ["sandbox", "stripe"]
        assert isinstance(gateways["stripe"], StripeGateway)

    async def test_production_has_no_sandbox(self, tmp_path: Path) -> None:
        settings = settings_with(tmp_path, env=Environment.PRODUCTION)
        async with httpx.AsyncClient() as http:
            assert build_gateways(settings, http) == {}


class TestSandboxBaseUrl:
    def test_mounted_in_the_shop(self, tmp_path: Path) -> None:
        settings = settings_with(tmp_path, public_url="https://shop.example/")
        assert sandbox_base_url(settings) == "https://shop.example/_sandbox"

    def test_own_server(self, tmp_path: Path) -> None:
        settings = settings_with(tmp_path, sandbox_url="http://127.0.0.1:9100/")
        assert sandbox_base_url(settings) == "http://127.0.0.1:9100"


class TestGetGateway:
    async def test_known(self, tmp_path: Path) -> None:
        async with httpx.AsyncClient() as http:
            gateways = build_gateways(settings_with(tmp_path), http)
        assert get_gateway(gateways, "sandbox") is gateways["sandbox"]

    async def test_unknown(self, tmp_path: Path) -> None:
        async with httpx.AsyncClient() as http:
            gateways = build_gateways(settings_with(tmp_path), http)
        with pytest.raises(UnknownPaymentProvider) as error:
            get_gateway(gateways, "paypal")
        assert (error.value.status, error.value.code) == (422, "unknown_payment_provider")
        assert error.value.extra == {"available": ["sandbox"]}


class TestGatewaysFromState:
    def test_reads_the_state(self) -> None:
        gateways: dict[str, object] = {}
        assert gateways_from_state(SimpleNamespace(gateways=gateways)) is gateways

    def test_missing(self) -> None:
        with pytest.raises(RuntimeError, match="build_gateways"):
            gateways_from_state(SimpleNamespace())


class TestParseWebhook:
    def test_sandbox(self, tmp_path: Path) -> None:
        settings = settings_with(tmp_path)
        body = (
            b'{"id":"evt_9","type":"payment.captured","created":1800000000,'
            b'"data":{"payment":{"id":"sbx_1","captured_amount":10,"currency":"USD"}}}'
        )
        now = datetime.fromtimestamp(1_800_000_000, UTC)
        secret = settings.sandbox_webhook_secret.get_secret_value()
        header = signature_header(body, secret=secret, timestamp=1_800_000_000)
        event = parse_webhook(
            provider="sandbox",
            headers={"sandbox-signature": header},
            body=body,
            settings=settings,
            now=now,
        )
        assert (event.event_id, event.kind, event.amount) == (
            "evt_9",
            NotificationKind.CAPTURED,
            10,
        )

    def test_stripe_uses_its_own_secret(self, tmp_path: Path) -> None:
        settings = settings_with(tmp_path, **STRIPE)
        body = b'{"id":"evt_1","type":"x","created":1,"data":{"object":{}}}'
        header = signature_header(body, secret="whsec_sandbox_development_only", timestamp=1)
        with pytest.raises(WebhookRejected) as error:
            parse_webhook(
                provider="stripe",
                headers={"Stripe-Signature": header},
                body=body,
                settings=settings,
                now=datetime.now(UTC),
            )
        assert error.value.code == "invalid_signature"

    @pytest.mark.parametrize("provider", ["stripe", "paypal", ""])
    def test_provider_not_enabled(self, tmp_path: Path, provider: str) -> None:
        with pytest.raises(UnknownWebhookProvider) as error:
            parse_webhook(
                provider=provider,
                headers={},
                body=b"{}",
                settings=settings_with(tmp_path),
                now=datetime.fromtimestamp(time.time(), UTC),
            )
        assert (error.value.status, error.value.code) == (404, "unknown_payment_provider")
