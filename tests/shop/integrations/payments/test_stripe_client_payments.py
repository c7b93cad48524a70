"""The Stripe adapter's browser-confirmed payments (Payment Element) against the fake Stripe API:
what is sent on creation, and how each PaymentIntent status reads back."""

from __future__ import annotations

import httpx
import pytest

from shop.integrations.payments.base import GatewayRejected, GatewayStatus
from shop.integrations.payments.client_confirmation import (
    ClientConfirmedGateway,
    ClientPayment,
    ClientPaymentState,
)
from shop.integrations.payments.stripe import StripeGateway
from tests.fakes.stripe_server import FakeStripe

METADATA = {"payment_id": "41", "order_id": "7", "order_number": "SW-TEST-1"}


async def _create(gateway: StripeGateway, key: str, amount: int = 2599) -> ClientPayment:
    return await gateway.create_client_payment(
        amount=amount, currency="USD", idempotency_key=key, metadata=METADATA
    )


async def _confirm(url: str, payment: ClientPayment, method: str) -> httpx.Response:
    async with httpx.AsyncClient() as http:
        return await http.post(
            f"{url}/v1/payment_intents/{payment.reference}/confirm",
            headers={"Authorization": "Bearer pk_test_shopwright"},
            data={"payment_method": method, "client_secret": payment.client_secret},
        )


class TestCreateClientPayment:
    async def test_an_unconfirmed_intent_with_automatic_methods(
        self, stripe_gateway: StripeGateway, fake_stripe: tuple[FakeStripe, str]
    ) -> None:
        fake, _ = fake_stripe

        payment = await _create(stripe_gateway, "client-create-1")

        intent = fake.intents[payment.reference]
        assert isinstance(stripe_gateway, ClientConfirmedGateway)
        assert (intent["amount"], intent["currency"], intent["metadata"]) == (2599, "usd", METADATA)
        assert intent["automatic_payment_methods"]["enabled"] is True
        assert intent["payment_method"] is None
        assert payment.client_secret == intent["client_secret"]
        assert payment.client_secret.startswith(f"{payment.reference}_secret_")
        assert (payment.state, payment.result) == (ClientPaymentState.AWAITING_PAYMENT_METHOD, None)
        assert (payment.amount, payment.currency, dict(payment.metadata)) == (2599, "USD", METADATA)

    async def test_the_same_key_gives_the_same_intent(self, stripe_gateway: StripeGateway) -> None:
        first = await _create(stripe_gateway, "client-create-2")
        again = await _create(stripe_gateway, "client-create-2")

        assert (again.reference, again.client_secret) == (first.reference, first.client_secret)

    async def test_a_refused_amount_is_rejected(self, stripe_gateway: StripeGateway) -> None:
        with pytest.raises(GatewayRejected) as caught:
            await _create(stripe_gateway, "client-create-3", amount=0)

        assert caught.value.code == "amount_too_small"


class TestRetrieveClientPayment:
    async def test_succeeded_is_captured(
        self, stripe_gateway: StripeGateway, fake_stripe: tuple[FakeStripe, str]
    ) -> None:
        _, url = fake_stripe
        created = await _create(stripe_gateway, "client-read-1")
        await _confirm(url, created, "pm_card_visa")

        payment = await stripe_gateway.retrieve_client_payment(created.reference)

        assert payment.state is ClientPaymentState.SUCCEEDED
        assert payment.result is not None
        assert (payment.result.status, payment.result.amount) == (GatewayStatus.CAPTURED, 2599)

    async def test_3ds_pending_then_failed(
        self, stripe_gateway: StripeGateway, fake_stripe: tuple[FakeStripe, str]
    ) -> None:
        fake, url = fake_stripe
        created = await _create(stripe_gateway, "client-read-2")
        await _confirm(url, created, "pm_card_threeDSecure2Required")

        waiting = await stripe_gateway.retrieve_client_payment(created.reference)
        fake.complete_authentication(created.reference, succeed=False)
        failed = await stripe_gateway.retrieve_client_payment(created.reference)

        assert (waiting.state, waiting.result) == (ClientPaymentState.REQUIRES_ACTION, None)
        assert failed.state is ClientPaymentState.FAILED
        assert failed.result is not None
        assert failed.result.status is GatewayStatus.DECLINED
        assert failed.result.failure_code == "payment_intent_authentication_failure"

    async def test_a_decline_names_its_reason(
        self, stripe_gateway: StripeGateway, fake_stripe: tuple[FakeStripe, str]
    ) -> None:
        _, url = fake_stripe
        created = await _create(stripe_gateway, "client-read-3")
        refused = await _confirm(url, created, "pm_card_chargeDeclinedInsufficientFunds")

        payment = await stripe_gateway.retrieve_client_payment(created.reference)

        assert refused.status_code == 402
        assert payment.result is not None
        assert payment.result.failure_code == "insufficient_funds"

    async def test_processing_and_canceled(
        self, stripe_gateway: StripeGateway, fake_stripe: tuple[FakeStripe, str]
    ) -> None:
        fake, _ = fake_stripe
        slow = await _create(stripe_gateway, "client-read-4")
        dropped = await _create(stripe_gateway, "client-read-5")
        fake.process_asynchronously(slow.reference)
        await stripe_gateway.void(reference=dropped.reference, idempotency_key="client-void-5")

        processing = await stripe_gateway.retrieve_client_payment(slow.reference)
        canceled = await stripe_gateway.retrieve_client_payment(dropped.reference)

        assert (processing.state, processing.result) == (ClientPaymentState.PROCESSING, None)
        assert canceled.state is ClientPaymentState.CANCELED
        assert canceled.result is not None
        assert canceled.result.status is GatewayStatus.VOIDED

    async def test_a_wrong_client_secret_cannot_confirm(
        self, stripe_gateway: StripeGateway, fake_stripe: tuple[FakeStripe, str]
    ) -> None:
        _, url = fake_stripe
        created = await _create(stripe_gateway, "client-read-6")
        other = await _create(stripe_gateway, "client-read-7")
        forged = ClientPayment(
            reference=created.reference,
            client_secret=other.client_secret,
            state=created.state,
            amount=created.amount,
            currency=created.currency,
        )

        refused = await _confirm(url, forged, "pm_card_visa")
        payment = await stripe_gateway.retrieve_client_payment(created.reference)

        assert refused.status_code == 400
        assert payment.state is ClientPaymentState.AWAITING_PAYMENT_METHOD

    async def test_an_unknown_id_is_rejected(self, stripe_gateway: StripeGateway) -> None:
        with pytest.raises(GatewayRejected) as caught:
            await stripe_gateway.retrieve_client_payment("pi_unknown")

        assert caught.value.code == "resource_missing"
