"""The Stripe adapter (the official library) against the local fake of Stripe's API."""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import stripe as stripe_library

from shop.integrations.payments.base import (
    GatewayRejected,
    GatewayStatus,
    GatewayUnavailable,
    NotificationKind,
    PaymentGateway,
    RefundStatus,
    WebhookRejected,
)
from shop.integrations.payments.stripe import StripeGateway, parse_webhook
from tests.fakes.stripe_server import FakeStripe, ServerThread, decode_form
from tests.fakes.webhook_receiver import WebhookReceiver
from tests.live import free_port
from tests.shop.integrations.payments.conftest import STRIPE_TEST_KEY

# Parsing is checked against a fixed clock: signatures default to this moment, so a test that runs
# minutes after collection (xdist on a busy machine) is not mistaken for a stale delivery.
NOW = 1_790_000_000.0


def key() -> str:
    return f"test-{uuid.uuid4().hex}"


@pytest.fixture
def fake(fake_stripe: tuple[FakeStripe, str]) -> FakeStripe:
    return fake_stripe[0]


async def pay(
    gateway: StripeGateway,
    method: str = "pm_card_visa",
    *,
    amount: int = 2599,
    capture: bool = True,
    idempotency_key: str | None = None,
) -> Any:
    return await gateway.authorize(
        amount=amount,
        currency="USD",
        token=method,
        idempotency_key=idempotency_key or key(),
        metadata={"payment_id": "5", "order_id": "9"},
        capture=capture,
    )


class TestDecodeForm:
    def test_nested_keys(self) -> None:
        body = b"amount=5&metadata[a]=1&metadata[b]=x&types[0]=card&types[1]=link&o[p][q]=z"
        assert decode_form(body) == {
            "amount": "5",
            "metadata": {"a": "1", "b": "x"},
            "types": ["card", "link"],
            "o": {"p": {"q": "z"}},
        }


class TestStripeGateway:
    def test_is_a_payment_gateway(self, stripe_gateway: StripeGateway) -> None:
        assert isinstance(stripe_gateway, PaymentGateway)
        assert stripe_gateway.name == "stripe"


class TestAuthorize:
    async def test_visa_is_captured(self, stripe_gateway: StripeGateway, fake: FakeStripe) -> None:
        result = await pay(stripe_gateway)
        assert result.status is GatewayStatus.CAPTURED
        assert result.reference.startswith("pi_")
        assert result.amount == 2599
        intent = fake.intents[result.reference]
        assert intent["currency"] == "usd"
        assert intent["metadata"] == {"payment_id": "5", "order_id": "9"}
        assert intent["payment_method"] == "pm_card_visa"
        assert intent["capture_method"] == "automatic"

    async def test_manual_capture_is_held(self, stripe_gateway: StripeGateway) -> None:
        result = await pay(stripe_gateway, capture=False)
        assert result.status is GatewayStatus.AUTHORIZED

    async def test_charge_declined(self, stripe_gateway: StripeGateway, fake: FakeStripe) -> None:
        result = await pay(stripe_gateway, "pm_card_chargeDeclined")
        assert result.status is GatewayStatus.DECLINED
        assert result.failure_code == "card_declined"
        assert result.message == "Your card was declined."
        assert fake.intents[result.reference]["status"] == "requires_payment_method"

    async def test_insufficient_funds(self, stripe_gateway: StripeGateway) -> None:
        result = await pay(stripe_gateway, "pm_card_chargeDeclinedInsufficientFunds")
        assert result.status is GatewayStatus.DECLINED
        assert result.failure_code == "insufficient_funds"

    async def test_unknown_payment_method(self, stripe_gateway: StripeGateway) -> None:
        with pytest.raises(GatewayRejected) as error:
            await pay(stripe_gateway, "pm_nope")
        assert error.value.code == "resource_missing"

    async def test_idempotency_same_key_twice_is_one_intent(
        self, stripe_gateway: StripeGateway, fake: FakeStripe
    ) -> None:
        idempotency_key = key()
        before = len(fake.intents)
        first = await pay(stripe_gateway, idempotency_key=idempotency_key)
        again = await pay(stripe_gateway, idempotency_key=idempotency_key)
        assert again == first
        assert len(fake.intents) == before + 1
        sent = [k for method, path, k in fake.requests if path == "/v1/payment_intents"]
        assert sent.count(idempotency_key) == 2

    async def test_idempotency_declines_replay_too(
        self, stripe_gateway: StripeGateway, fake: FakeStripe
    ) -> None:
        idempotency_key = key()
        first = await pay(stripe_gateway, "pm_card_chargeDeclined", idempotency_key=idempotency_key)
        again = await pay(stripe_gateway, "pm_card_chargeDeclined", idempotency_key=idempotency_key)
        assert again == first

    async def test_idempotency_key_reused_with_another_amount(
        self, stripe_gateway: StripeGateway
    ) -> None:
        idempotency_key = key()
        await pay(stripe_gateway, idempotency_key=idempotency_key)
        with pytest.raises(GatewayRejected) as error:
            await pay(stripe_gateway, amount=1, idempotency_key=idempotency_key)
        assert error.value.code == "idempotency_key_reused"

    async def test_server_error_is_unavailable(
        self, stripe_gateway: StripeGateway, fake: FakeStripe
    ) -> None:
        before = len(fake.intents)
        fake.fail_next(1, status=500)
        with pytest.raises(GatewayUnavailable) as error:
            await pay(stripe_gateway)
        assert error.value.provider == "stripe"
        assert len(fake.intents) == before

    async def test_idempotency_library_retry_after_server_error_charges_once(
        self, fake_stripe: tuple[FakeStripe, str], http: httpx.AsyncClient
    ) -> None:
        fake, url = fake_stripe
        gateway = StripeGateway(http, api_key=STRIPE_TEST_KEY, api_base=url, max_network_retries=1)
        idempotency_key = key()
        before = len(fake.intents)
        fake.fail_next(1, status=503)
        result = await pay(gateway, idempotency_key=idempotency_key)
        assert result.status is GatewayStatus.CAPTURED
        assert len(fake.intents) == before + 1
        sent = [k for method, path, k in fake.requests if k == idempotency_key]
        assert len(sent) == 2

    async def test_unreachable_is_unavailable(self, http: httpx.AsyncClient) -> None:
        gateway = StripeGateway(
            http,
            api_key=STRIPE_TEST_KEY,
            api_base=f"http://127.0.0.1:{free_port()}",
            max_network_retries=0,
        )
        with pytest.raises(GatewayUnavailable):
            await pay(gateway)


class TestCapture:
    async def test_held_intent(self, stripe_gateway: StripeGateway) -> None:
        held = await pay(stripe_gateway, capture=False)
        result = await stripe_gateway.capture(
            reference=held.reference, amount=2000, idempotency_key=key()
        )
        assert (result.status, result.amount) == (GatewayStatus.CAPTURED, 2000)

    async def test_captured_intent(self, stripe_gateway: StripeGateway) -> None:
        captured = await pay(stripe_gateway)
        with pytest.raises(GatewayRejected) as error:
            await stripe_gateway.capture(reference=captured.reference, idempotency_key=key())
        assert error.value.code == "payment_intent_unexpected_state"


class TestVoid:
    async def test_held_intent(self, stripe_gateway: StripeGateway, fake: FakeStripe) -> None:
        held = await pay(stripe_gateway, capture=False)
        result = await stripe_gateway.void(reference=held.reference, idempotency_key=key())
        assert result.status is GatewayStatus.VOIDED
        assert fake.intents[held.reference]["status"] == "canceled"

    async def test_captured_intent(self, stripe_gateway: StripeGateway) -> None:
        captured = await pay(stripe_gateway)
        with pytest.raises(GatewayRejected) as error:
            await stripe_gateway.void(reference=captured.reference, idempotency_key=key())
        assert error.value.code == "payment_intent_unexpected_state"


class TestRefund:
    async def test_part_then_too_much(
        self, stripe_gateway: StripeGateway, fake: FakeStripe
    ) -> None:
        captured = await pay(stripe_gateway, amount=5000)
        refund = await stripe_gateway.refund(
            reference=captured.reference,
            amount=3000,
            idempotency_key=key(),
            metadata={"refund_id": "3"},
        )
        assert (refund.status, refund.amount) == (RefundStatus.SUCCEEDED, 3000)
        assert refund.reference is not None
        assert fake.refunds[refund.reference]["metadata"] == {"refund_id": "3"}
        with pytest.raises(GatewayRejected) as error:
            await stripe_gateway.refund(
                reference=captured.reference, amount=2001, idempotency_key=key()
            )
        assert error.value.code == "amount_too_large"

    async def test_idempotency_retry_refunds_once(
        self, stripe_gateway: StripeGateway, fake: FakeStripe
    ) -> None:
        captured = await pay(stripe_gateway, amount=5000)
        idempotency_key = key()
        first = await stripe_gateway.refund(
            reference=captured.reference, amount=1000, idempotency_key=idempotency_key
        )
        again = await stripe_gateway.refund(
            reference=captured.reference, amount=1000, idempotency_key=idempotency_key
        )
        assert again == first
        refunds = [r for r in fake.refunds.values() if r["payment_intent"] == captured.reference]
        assert len(refunds) == 1


def intent_object(**changes: Any) -> dict[str, Any]:
    return {
        "id": "pi_123",
        "object": "payment_intent",
        "amount": 2599,
        "amount_received": 2599,
        "currency": "usd",
        "status": "succeeded",
        "metadata": {"payment_id": "17", "order_id": "4"},
        "last_payment_error": None,
        **changes,
    }


def signed(fake: FakeStripe, body: bytes, **options: Any) -> dict[str, str]:
    options.setdefault("timestamp", int(NOW))
    return {"stripe-signature": fake.sign(body, **options), "content-type": "application/json"}


class TestParseWebhook:
    def test_payment_intent_succeeded(self, fake: FakeStripe) -> None:
        body = fake.event("payment_intent.succeeded", intent_object(), event_id="evt_1")
        event = parse_webhook(signed(fake, body), body, secret=fake.webhook_secret, now=NOW)
        assert (event.provider, event.event_id, event.type) == (
            "stripe",
            "evt_1",
            "payment_intent.succeeded",
        )
        assert event.kind is NotificationKind.CAPTURED
        assert (event.reference, event.amount, event.currency, event.payment_id) == (
            "pi_123",
            2599,
            "USD",
            17,
        )
        assert event.payload == json.loads(body)

    def test_the_library_accepts_the_fakes_signature(self, fake: FakeStripe) -> None:
        body = fake.event("payment_intent.succeeded", intent_object())
        constructed = stripe_library.Webhook.construct_event(
            body, fake.sign(body), fake.webhook_secret
        )
        assert constructed.type == "payment_intent.succeeded"

    def test_payment_failed(self, fake: FakeStripe) -> None:
        failed = intent_object(
            status="requires_payment_method",
            amount_received=0,
            last_payment_error={"code": "card_declined", "decline_code": "insufficient_funds"},
        )
        body = fake.event("payment_intent.payment_failed", failed)
        event = parse_webhook(signed(fake, body), body, secret=fake.webhook_secret, now=NOW)
        assert event.kind is NotificationKind.FAILED
        assert (event.amount, event.failure_code) == (2599, "insufficient_funds")

    def test_refund_succeeded(self, fake: FakeStripe) -> None:
        refund = {
            "id": "re_1",
            "object": "refund",
            "amount": 700,
            "currency": "usd",
            "payment_intent": "pi_123",
            "status": "succeeded",
            "metadata": {"refund_id": "8"},
        }
        body = fake.event("refund.created", refund)
        event = parse_webhook(signed(fake, body), body, secret=fake.webhook_secret, now=NOW)
        assert event.kind is NotificationKind.REFUNDED
        assert (event.reference, event.amount, event.refund_reference, event.refund_id) == (
            "pi_123",
            700,
            "re_1",
            8,
        )

    def test_pending_refund_is_not_acted_on(self, fake: FakeStripe) -> None:
        refund = {"id": "re_2", "amount": 700, "payment_intent": "pi_1", "status": "pending"}
        body = fake.event("refund.created", refund)
        event = parse_webhook(signed(fake, body), body, secret=fake.webhook_secret, now=NOW)
        assert event.kind is None

    def test_other_event_types_are_read_but_not_acted_on(self, fake: FakeStripe) -> None:
        body = fake.event("customer.created", {"id": "cus_1", "object": "customer"})
        event = parse_webhook(signed(fake, body), body, secret=fake.webhook_secret, now=NOW)
        assert (event.kind, event.reference, event.type) == (None, None, "customer.created")

    def test_wrong_secret(self, fake: FakeStripe) -> None:
        body = fake.event("payment_intent.succeeded", intent_object())
        headers = signed(fake, body, secret="whsec_wrong")
        with pytest.raises(WebhookRejected) as error:
            parse_webhook(headers, body, secret=fake.webhook_secret, now=NOW)
        assert error.value.code == "invalid_signature"

    def test_stale(self, fake: FakeStripe) -> None:
        body = fake.event("payment_intent.succeeded", intent_object())
        headers = signed(fake, body, timestamp=int(NOW) - 301)
        with pytest.raises(WebhookRejected) as error:
            parse_webhook(headers, body, secret=fake.webhook_secret, now=NOW)
        assert error.value.code == "stale_signature"

    @pytest.mark.parametrize("header", ["", "t=abc,v1=def", "v1=abc", "nonsense"])
    def test_malformed_header(self, fake: FakeStripe, header: str) -> None:
        body = fake.event("payment_intent.succeeded", intent_object())
        with pytest.raises(WebhookRejected) as error:
            parse_webhook({"Stripe-Signature": header}, body, secret=fake.webhook_secret, now=NOW)
        assert error.value.code == "invalid_signature"

    def test_missing_header(self, fake: FakeStripe) -> None:
        body = fake.event("payment_intent.succeeded", intent_object())
        with pytest.raises(WebhookRejected) as error:
            parse_webhook({}, body, secret=fake.webhook_secret, now=NOW)
        assert error.value.code == "invalid_signature"

    @pytest.mark.parametrize(
        "body",
        [
            b"not json",
            b'{"id": "evt_1"}',
            b'{"id": 5, "type": "x", "created": 1, "data": {"object": {}}}',
            b'{"id": "evt_1", "type": "x", "created": 1, "data": {"object": []}}',
            b'{"id": "evt_1", "type": "payment_intent.succeeded", "created": 1, '
            b'"data": {"object": {"id": "pi_1"}}}',
        ],
    )
    def test_malformed_but_signed_payload(self, fake: FakeStripe, body: bytes) -> None:
        with pytest.raises(WebhookRejected) as error:
            parse_webhook(signed(fake, body), body, secret=fake.webhook_secret, now=NOW)
        assert error.value.code == "invalid_payload"


class TestSendEvent:
    async def test_posts_a_signed_event(self, fake: FakeStripe) -> None:
        receiver = WebhookReceiver()
        server = ServerThread(receiver.app()).start()
        try:
            response = await fake.send_event(
                f"{server.url}/hook", "payment_intent.succeeded", intent_object()
            )
        finally:
            server.stop()
        assert response.status_code == 200
        [delivery] = receiver.deliveries
        event = parse_webhook(
            delivery.headers, delivery.body, secret=fake.webhook_secret, now=time.time()
        )
        assert (event.kind, event.reference) == (NotificationKind.CAPTURED, "pi_123")


@pytest.fixture(autouse=True)
def _no_stripe_globals() -> Iterator[None]:
    # The adapter must not depend on (or change) the library's global configuration.
    before = (stripe_library.api_key, stripe_library.api_base)
    yield
    assert (stripe_library.api_key, stripe_library.api_base) == before


class TestLogging:
    async def test_tokens_and_secrets_stay_out_of_the_logs(
        self, fake_stripe: tuple[FakeStripe, str], http: httpx.AsyncClient, caplog: Any
    ) -> None:
        caplog.set_level(logging.DEBUG)
        _, url = fake_stripe
        gateway = StripeGateway(http, api_key=STRIPE_TEST_KEY, api_base=url, max_network_retries=0)
        await pay(gateway, "pm_card_visa")
        await pay(gateway, "pm_card_chargeDeclined")
        assert "pm_card" not in caplog.text
        assert "client_secret" not in caplog.text
        assert STRIPE_TEST_KEY not in caplog.text

    def test_webhook_payload_drops_the_client_secret(self, fake: FakeStripe) -> None:
        body = fake.event("payment_intent.succeeded", intent_object(client_secret="pi_s_123"))
        event = parse_webhook(signed(fake, body), body, secret=fake.webhook_secret, now=NOW)
        assert "client_secret" not in event.payload["data"]["object"]
