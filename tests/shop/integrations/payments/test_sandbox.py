"""The sandbox adapter against the real sandbox app served on its own port."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest

from shop.integrations.payments.base import (
    GatewayRejected,
    GatewayResult,
    GatewayStatus,
    GatewayUnavailable,
    NotificationKind,
    PaymentGateway,
    RefundStatus,
)
from shop.integrations.payments.sandbox import SandboxGateway, parse_webhook
from tests.fakes.webhook_receiver import SANDBOX_TEST_SECRET, SandboxServer
from tests.live import free_port


def key() -> str:
    return f"test-{uuid.uuid4().hex}"


def payments_with_marker(db_path: Path, marker: str) -> int:
    with sqlite3.connect(db_path) as connection:
        row = connection.execute(
            "SELECT COUNT(*) FROM payments WHERE metadata LIKE ?", (f'%"{marker}"%',)
        ).fetchone()
    return int(row[0])


async def charge(
    sandbox: SandboxGateway,
    token: str = "tok_visa",  # noqa: S107 (a test card token)
    *,
    amount: int = 2599,
    capture: bool = True,
) -> GatewayResult:
    return await sandbox.authorize(
        amount=amount,
        currency="USD",
        token=token,
        idempotency_key=key(),
        metadata={"order_id": "7"},
        capture=capture,
    )


class TestSandboxGateway:
    def test_is_a_payment_gateway(self, sandbox: SandboxGateway) -> None:
        assert isinstance(sandbox, PaymentGateway)
        assert sandbox.name == "sandbox"


class TestAuthorize:
    async def test_visa_is_captured_at_once(self, sandbox: SandboxGateway) -> None:
        result = await charge(sandbox)
        assert result.status is GatewayStatus.CAPTURED
        assert result.reference is not None
        assert result.reference.startswith("sbx_")
        assert result.failure_code is None
        assert result.amount == 2599
        payment = await sandbox.retrieve(result.reference)
        assert payment["status"] == "captured"
        assert payment["captured_amount"] == 2599
        assert payment["currency"] == "USD"
        assert payment["metadata"] == {"order_id": "7"}
        assert "token" not in payment

    async def test_visa_without_capture_is_held(self, sandbox: SandboxGateway) -> None:
        result = await charge(sandbox, capture=False)
        assert result.status is GatewayStatus.AUTHORIZED
        assert result.reference is not None
        assert (await sandbox.retrieve(result.reference))["captured_amount"] == 0

    async def test_charge_declined(self, sandbox: SandboxGateway) -> None:
        result = await charge(sandbox, "tok_chargeDeclined")
        assert result.status is GatewayStatus.DECLINED
        assert result.failure_code == "card_declined"
        assert result.message == "Your card was declined."
        assert result.reference is not None

    async def test_insufficient_funds(self, sandbox: SandboxGateway) -> None:
        result = await charge(sandbox, "tok_insufficientFunds")
        assert result.status is GatewayStatus.DECLINED
        assert result.failure_code == "insufficient_funds"

    async def test_async_capture_is_authorized_now_and_captured_later(
        self, sandbox: SandboxGateway, sandbox_server: SandboxServer
    ) -> None:
        result = await charge(sandbox, "tok_asyncCapture")
        assert result.status is GatewayStatus.AUTHORIZED
        assert result.reference is not None
        deliveries = await sandbox_server.receiver.wait_for(result.reference)
        assert [d.event["type"] for d in deliveries] == ["payment.captured"]
        assert (await sandbox.retrieve(result.reference))["status"] == "captured"

    async def test_unknown_token(self, sandbox: SandboxGateway) -> None:
        with pytest.raises(GatewayRejected) as error:
            await charge(sandbox, "4242424242424242")
        assert error.value.code == "invalid_token"
        assert error.value.status == 422

    async def test_idempotency_same_key_twice_is_one_payment(
        self, sandbox: SandboxGateway, sandbox_server: SandboxServer
    ) -> None:
        marker, idempotency_key = uuid.uuid4().hex, key()
        results = [
            await sandbox.authorize(
                amount=1000,
                currency="USD",
                token="tok_visa",
                idempotency_key=idempotency_key,
                metadata={"marker": marker},
            )
            for _ in range(2)
        ]
        assert results[0] == results[1]
        assert payments_with_marker(sandbox_server.db_path, marker) == 1

    async def test_race_idempotency_same_key_concurrently_is_one_payment(
        self, sandbox: SandboxGateway, sandbox_server: SandboxServer
    ) -> None:
        marker, idempotency_key = uuid.uuid4().hex, key()
        results = await asyncio.gather(
            *(
                sandbox.authorize(
                    amount=1000,
                    currency="USD",
                    token="tok_visa",
                    idempotency_key=idempotency_key,
                    metadata={"marker": marker},
                )
                for _ in range(10)
            )
        )
        assert {r.reference for r in results} == {results[0].reference}
        assert payments_with_marker(sandbox_server.db_path, marker) == 1

    async def test_idempotency_key_reused_for_another_amount(
        self, sandbox: SandboxGateway, sandbox_server: SandboxServer
    ) -> None:
        marker, idempotency_key = uuid.uuid4().hex, key()

        async def authorize(amount: int) -> GatewayResult:
            return await sandbox.authorize(
                amount=amount,
                currency="USD",
                token="tok_visa",
                idempotency_key=idempotency_key,
                metadata={"marker": marker},
            )

        await authorize(1000)
        with pytest.raises(GatewayRejected) as error:
            await authorize(2000)
        assert error.value.code == "idempotency_key_reused"
        assert payments_with_marker(sandbox_server.db_path, marker) == 1

    async def test_unreachable_provider_is_unavailable_not_declined(
        self, http: httpx.AsyncClient
    ) -> None:
        gateway = SandboxGateway(http, base_url=f"http://127.0.0.1:{free_port()}", timeout=2)
        with pytest.raises(GatewayUnavailable) as error:
            await charge(gateway)
        assert error.value.code == "payment_provider_unavailable"
        assert error.value.status == 503

    async def test_provider_error_is_unavailable(self, http: httpx.AsyncClient) -> None:
        def failing(request: httpx.Request) -> httpx.Response:
            return httpx.Response(502, text="Bad gateway")

        async with httpx.AsyncClient(transport=httpx.MockTransport(failing)) as broken:
            gateway = SandboxGateway(broken, base_url="http://sandbox.invalid")
            with pytest.raises(GatewayUnavailable):
                await charge(gateway)


class TestCapture:
    async def test_held_payment_in_full(self, sandbox: SandboxGateway) -> None:
        held = await charge(sandbox, capture=False)
        assert held.reference is not None
        result = await sandbox.capture(reference=held.reference, idempotency_key=key())
        assert result.status is GatewayStatus.CAPTURED
        assert result.amount == 2599

    async def test_part_of_a_held_payment(self, sandbox: SandboxGateway) -> None:
        held = await charge(sandbox, capture=False)
        assert held.reference is not None
        result = await sandbox.capture(reference=held.reference, amount=1000, idempotency_key=key())
        assert (result.status, result.amount) == (GatewayStatus.CAPTURED, 1000)

    async def test_more_than_held(self, sandbox: SandboxGateway) -> None:
        held = await charge(sandbox, capture=False)
        assert held.reference is not None
        with pytest.raises(GatewayRejected) as error:
            await sandbox.capture(reference=held.reference, amount=2600, idempotency_key=key())
        assert error.value.code == "amount_too_large"
        assert (await sandbox.retrieve(held.reference))["status"] == "authorized"

    async def test_already_captured(self, sandbox: SandboxGateway) -> None:
        captured = await charge(sandbox)
        assert captured.reference is not None
        with pytest.raises(GatewayRejected) as error:
            await sandbox.capture(reference=captured.reference, idempotency_key=key())
        assert error.value.code == "invalid_state"

    async def test_unknown_payment(self, sandbox: SandboxGateway) -> None:
        with pytest.raises(GatewayRejected) as error:
            await sandbox.capture(reference="sbx_missing", idempotency_key=key())
        assert error.value.code == "payment_not_found"


class TestVoid:
    async def test_held_payment(self, sandbox: SandboxGateway) -> None:
        held = await charge(sandbox, capture=False)
        assert held.reference is not None
        result = await sandbox.void(reference=held.reference, idempotency_key=key())
        assert result.status is GatewayStatus.VOIDED

    async def test_async_capture_voided_in_time_is_never_captured(
        self, sandbox: SandboxGateway, sandbox_server: SandboxServer
    ) -> None:
        pending = await charge(sandbox, "tok_asyncCapture")
        assert pending.reference is not None
        await sandbox.void(reference=pending.reference, idempotency_key=key())
        await asyncio.sleep(sandbox_server.capture_delay + 0.3)
        payment = await sandbox.retrieve(pending.reference)
        assert (payment["status"], payment["captured_amount"]) == ("voided", 0)
        assert sandbox_server.receiver.for_payment(pending.reference) == []

    async def test_captured_payment_must_be_refunded(self, sandbox: SandboxGateway) -> None:
        captured = await charge(sandbox)
        assert captured.reference is not None
        with pytest.raises(GatewayRejected) as error:
            await sandbox.void(reference=captured.reference, idempotency_key=key())
        assert error.value.code == "invalid_state"
        assert "refund" in error.value.message


class TestRefund:
    async def test_part_then_the_rest(self, sandbox: SandboxGateway) -> None:
        captured = await charge(sandbox, amount=5000)
        assert captured.reference is not None
        first = await sandbox.refund(
            reference=captured.reference,
            amount=2000,
            idempotency_key=key(),
            metadata={"refund_id": "1"},
        )
        second = await sandbox.refund(
            reference=captured.reference, amount=3000, idempotency_key=key()
        )
        assert (first.status, first.amount) == (RefundStatus.SUCCEEDED, 2000)
        assert (second.status, second.amount) == (RefundStatus.SUCCEEDED, 3000)
        assert first.reference != second.reference
        payment = await sandbox.retrieve(captured.reference)
        assert payment["refunded_amount"] == 5000
        assert [r["amount"] for r in payment["refunds"]] == [2000, 3000]
        assert payment["refunds"][0]["metadata"] == {"refund_id": "1"}

    async def test_more_than_captured(self, sandbox: SandboxGateway) -> None:
        captured = await charge(sandbox, amount=5000)
        assert captured.reference is not None
        await sandbox.refund(reference=captured.reference, amount=4000, idempotency_key=key())
        with pytest.raises(GatewayRejected) as error:
            await sandbox.refund(reference=captured.reference, amount=1001, idempotency_key=key())
        assert error.value.code == "amount_exceeds_refundable"
        assert "1000" in error.value.message
        assert (await sandbox.retrieve(captured.reference))["refunded_amount"] == 4000

    async def test_declined_payment(self, sandbox: SandboxGateway) -> None:
        declined = await charge(sandbox, "tok_chargeDeclined")
        assert declined.reference is not None
        with pytest.raises(GatewayRejected) as error:
            await sandbox.refund(reference=declined.reference, amount=1, idempotency_key=key())
        assert error.value.code == "invalid_state"

    async def test_idempotency_retry_refunds_once(self, sandbox: SandboxGateway) -> None:
        captured = await charge(sandbox, amount=5000)
        assert captured.reference is not None
        idempotency_key = key()
        first = await sandbox.refund(
            reference=captured.reference, amount=1500, idempotency_key=idempotency_key
        )
        again = await sandbox.refund(
            reference=captured.reference, amount=1500, idempotency_key=idempotency_key
        )
        assert again == first
        assert (await sandbox.retrieve(captured.reference))["refunded_amount"] == 1500

    async def test_race_concurrent_refunds_never_exceed_captured(
        self, sandbox: SandboxGateway
    ) -> None:
        captured = await charge(sandbox, amount=5000)
        assert captured.reference is not None
        reference = captured.reference
        outcomes = await asyncio.gather(
            *(
                sandbox.refund(reference=reference, amount=2000, idempotency_key=key())
                for _ in range(6)
            ),
            return_exceptions=True,
        )
        succeeded = [o for o in outcomes if not isinstance(o, BaseException)]
        refused = [o for o in outcomes if isinstance(o, GatewayRejected)]
        assert (len(succeeded), len(refused)) == (2, 4)
        assert (await sandbox.retrieve(reference))["refunded_amount"] == 4000


class TestSendWebhook:
    async def test_resends_the_same_event(
        self, sandbox: SandboxGateway, sandbox_server: SandboxServer
    ) -> None:
        pending = await charge(sandbox, "tok_asyncCapture")
        assert pending.reference is not None
        first = (await sandbox_server.receiver.wait_for(pending.reference))[0].event
        again = await sandbox.send_webhook(reference=pending.reference, type="payment.captured")
        assert again["id"] == first["id"]
        deliveries = await sandbox_server.receiver.wait_for(pending.reference, accepted=2)
        assert [d.event["id"] for d in deliveries] == [first["id"], first["id"]]

    async def test_captures_a_held_payment_now(
        self, sandbox: SandboxGateway, sandbox_server: SandboxServer
    ) -> None:
        held = await charge(sandbox, capture=False)
        assert held.reference is not None
        event = await sandbox.send_webhook(reference=held.reference, type="payment.captured")
        assert event["data"]["payment"]["status"] == "captured"
        delivery = (await sandbox_server.receiver.wait_for(held.reference))[0]
        assert delivery.event == event

    async def test_fails_a_held_payment(
        self, sandbox: SandboxGateway, sandbox_server: SandboxServer
    ) -> None:
        held = await charge(sandbox, capture=False)
        assert held.reference is not None
        event = await sandbox.send_webhook(reference=held.reference, type="payment.failed")
        assert event["type"] == "payment.failed"
        assert event["data"]["payment"]["status"] == "declined"
        assert (await sandbox.retrieve(held.reference))["status"] == "declined"

    async def test_refund_succeeded_carries_the_refund(
        self, sandbox: SandboxGateway, sandbox_server: SandboxServer
    ) -> None:
        captured = await charge(sandbox, amount=5000)
        assert captured.reference is not None
        refund = await sandbox.refund(
            reference=captured.reference,
            amount=1200,
            idempotency_key=key(),
            metadata={"refund_id": "42"},
        )
        event = await sandbox.send_webhook(reference=captured.reference, type="refund.succeeded")
        assert event["data"]["refund"]["id"] == refund.reference
        delivery = (await sandbox_server.receiver.wait_for(captured.reference))[0]
        parsed = parse_webhook(
            delivery.headers, delivery.body, secret=SANDBOX_TEST_SECRET, now=time.time()
        )
        assert parsed.kind is NotificationKind.REFUNDED
        assert (parsed.amount, parsed.refund_id, parsed.refund_reference) == (
            1200,
            42,
            refund.reference,
        )

    async def test_failed_for_a_captured_payment(self, sandbox: SandboxGateway) -> None:
        captured = await charge(sandbox)
        assert captured.reference is not None
        with pytest.raises(GatewayRejected) as error:
            await sandbox.send_webhook(reference=captured.reference, type="payment.failed")
        assert error.value.code == "invalid_state"

    async def test_unknown_type(self, sandbox: SandboxGateway) -> None:
        captured = await charge(sandbox)
        assert captured.reference is not None
        with pytest.raises(GatewayRejected) as error:
            await sandbox.send_webhook(reference=captured.reference, type="payment.exploded")
        assert error.value.code == "invalid_event_type"


class TestLogging:
    async def test_card_tokens_stay_out_of_the_logs(
        self, sandbox: SandboxGateway, sandbox_server: SandboxServer, caplog: Any
    ) -> None:
        caplog.set_level(logging.DEBUG)
        await charge(sandbox, "tok_visa")
        await charge(sandbox, "tok_insufficientFunds")
        with pytest.raises(GatewayRejected):
            await charge(sandbox, "tok_4242424242424242")
        assert "tok_" not in caplog.text
