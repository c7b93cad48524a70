from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from shop.config import Settings
from shop.integrations.payments.base import (
    GatewayResult,
    GatewayStatus,
    NotificationKind,
    RefundResult,
    RefundStatus,
)
from shop.kit.clock import utcnow
from shop.models.payments import Payment, PaymentEvent, PaymentStatus, Refund
from shop.payments import service
from shop.payments.errors import (
    InvalidRefundAmount,
    PaymentNotFound,
    PaymentNotRefundable,
    RefundExceedsCaptured,
    RefundNotFound,
    UnknownWebhookProvider,
    WebhookRejected,
)
from shop.payments.service import PaymentNotification
from tests.builders.payments import (
    create_order,
    create_payment,
    sandbox_event,
    sandbox_headers,
)
from tests.fakes.stripe_server import FakeStripe


def secret(settings: Settings) -> str:
    return settings.sandbox_webhook_secret.get_secret_value()


async def snapshot(session: AsyncSession, payment_id: int) -> dict[str, Any]:
    payment = await service.get_payment(session, payment_id)
    return {
        "status": payment.status,
        "reference": payment.provider_reference,
        "captured": payment.captured_amount,
        "refunded": payment.refunded_amount,
        "failure_code": payment.failure_code,
    }


async def count(session: AsyncSession, model: type[Any]) -> int:
    return int((await session.execute(select(func.count()).select_from(model))).scalar_one())


async def deliver(
    session: AsyncSession,
    settings: Settings,
    body: bytes,
    *,
    headers: dict[str, str] | None = None,
    provider: str = "sandbox",
) -> PaymentNotification | None:
    return await service.receive_webhook(
        session,
        provider=provider,
        headers=headers if headers is not None else sandbox_headers(body, secret=secret(settings)),
        body=body,
        settings=settings,
    )


class TestCreatePayment:
    async def test_pending(self, session: AsyncSession) -> None:
        order = await create_order(session, total=4200)
        payment = await service.create_payment(
            session, order_id=order.id, provider="sandbox", amount=4200, currency="USD"
        )
        assert payment.id is not None
        assert (payment.status, payment.amount, payment.captured_amount) == ("pending", 4200, 0)
        assert payment.provider_reference is None

    async def test_metadata_and_key_name_the_payment(self, session: AsyncSession) -> None:
        payment = await create_payment(session)
        assert service.payment_metadata(payment) == {
            "payment_id": str(payment.id),
            "order_id": str(payment.order_id),
        }
        key = service.authorization_key(payment)
        assert key.startswith(f"shopwright-payment-{payment.id}-")
        reloaded = await service.get_payment(session, payment.id)
        assert service.authorization_key(reloaded) == key  # stable: retries reuse it


class TestGetPayment:
    async def test_missing(self, session: AsyncSession) -> None:
        with pytest.raises(PaymentNotFound) as error:
            await service.get_payment(session, 999_999)
        assert (error.value.status, error.value.code) == (404, "payment_not_found")


class TestRecordAuthorization:
    async def test_captured(self, session: AsyncSession) -> None:
        payment = await create_payment(session, amount=3000)
        result = GatewayResult(GatewayStatus.CAPTURED, "sbx_a", amount=3000)
        recorded = await service.record_authorization(session, payment.id, result)
        assert recorded.status == "captured"
        assert await snapshot(session, payment.id) == {
            "status": "captured",
            "reference": "sbx_a",
            "captured": 3000,
            "refunded": 0,
            "failure_code": None,
        }

    async def test_authorized(self, session: AsyncSession) -> None:
        payment = await create_payment(session)
        result = GatewayResult(GatewayStatus.AUTHORIZED, "sbx_b")
        await service.record_authorization(session, payment.id, result)
        assert (await snapshot(session, payment.id))["status"] == "authorized"

    async def test_declined(self, session: AsyncSession) -> None:
        payment = await create_payment(session)
        result = GatewayResult(GatewayStatus.DECLINED, "sbx_c", failure_code="insufficient_funds")
        await service.record_authorization(session, payment.id, result)
        assert await snapshot(session, payment.id) == {
            "status": "declined",
            "reference": "sbx_c",
            "captured": 0,
            "refunded": 0,
            "failure_code": "insufficient_funds",
        }

    async def test_voided(self, session: AsyncSession) -> None:
        payment = await create_payment(session, status=PaymentStatus.AUTHORIZED, reference="sbx_d")
        result = GatewayResult(GatewayStatus.VOIDED, "sbx_d")
        await service.record_authorization(session, payment.id, result)
        assert (await snapshot(session, payment.id))["status"] == "voided"

    async def test_authorized_after_webhook_captured_changes_nothing(
        self, session: AsyncSession
    ) -> None:
        payment = await create_payment(session, status=PaymentStatus.CAPTURED, reference="sbx_e")
        before = await snapshot(session, payment.id)
        result = GatewayResult(GatewayStatus.AUTHORIZED, "sbx_e")
        recorded = await service.record_authorization(session, payment.id, result)
        assert recorded.status == "captured"
        assert await snapshot(session, payment.id) == before

    async def test_declined_never_undoes_a_capture(self, session: AsyncSession) -> None:
        payment = await create_payment(session, status=PaymentStatus.CAPTURED, reference="sbx_f")
        before = await snapshot(session, payment.id)
        result = GatewayResult(GatewayStatus.DECLINED, "sbx_f", failure_code="card_declined")
        await service.record_authorization(session, payment.id, result)
        assert await snapshot(session, payment.id) == before

    async def test_reference_is_never_overwritten(self, session: AsyncSession) -> None:
        payment = await create_payment(session, status=PaymentStatus.CAPTURED, reference="sbx_g")
        result = GatewayResult(GatewayStatus.CAPTURED, "sbx_other", amount=5000)
        await service.record_authorization(session, payment.id, result)
        assert (await snapshot(session, payment.id))["reference"] == "sbx_g"


async def captured_payment(session: AsyncSession, *, amount: int = 5000) -> Payment:
    return await create_payment(
        session, amount=amount, status=PaymentStatus.CAPTURED, reference=f"sbx_{time.time_ns()}"
    )


class TestRefundableAmount:
    async def test_captured_minus_refunded_minus_in_progress(self, session: AsyncSession) -> None:
        payment = await captured_payment(session, amount=5000)
        first = await service.begin_refund(session, payment.id, amount=1000)
        await service.record_refund(
            session, first.id, RefundResult(RefundStatus.SUCCEEDED, "re_1", 1000)
        )
        await service.begin_refund(session, payment.id, amount=1500)
        assert await service.refundable_amount(session, payment.id) == 2500

    async def test_nothing_before_capture(self, session: AsyncSession) -> None:
        payment = await create_payment(session, status=PaymentStatus.AUTHORIZED, reference="x")
        assert await service.refundable_amount(session, payment.id) == 0


class TestBeginRefund:
    async def test_pending_refund(self, session: AsyncSession) -> None:
        payment = await captured_payment(session)
        refund = await service.begin_refund(
            session, payment.id, amount=1200, reason="damaged", actor_user_id=None
        )
        assert (refund.status, refund.amount, refund.reason) == ("pending", 1200, "damaged")
        assert (refund.order_id, refund.payment_id) == (payment.order_id, payment.id)
        assert service.refund_metadata(refund) == {
            "refund_id": str(refund.id),
            "payment_id": str(payment.id),
            "order_id": str(payment.order_id),
        }
        assert service.refund_key(refund).startswith(f"shopwright-refund-{refund.id}-")
        assert (await snapshot(session, payment.id))["refunded"] == 0  # not yet

    async def test_more_than_refundable(self, session: AsyncSession) -> None:
        payment = await captured_payment(session, amount=5000)
        await service.begin_refund(session, payment.id, amount=4000)
        with pytest.raises(RefundExceedsCaptured) as error:
            await service.begin_refund(session, payment.id, amount=1001)
        assert (error.value.status, error.value.code) == (409, "refund_exceeds_captured")
        assert error.value.extra == {"refundable": 1000, "requested": 1001}
        assert await count(session, Refund) == 1

    @pytest.mark.parametrize("amount", [0, -5])
    async def test_not_positive(self, session: AsyncSession, amount: int) -> None:
        payment = await captured_payment(session)
        with pytest.raises(InvalidRefundAmount):
            await service.begin_refund(session, payment.id, amount=amount)
        assert await count(session, Refund) == 0

    @pytest.mark.parametrize(
        "status", [PaymentStatus.PENDING, PaymentStatus.AUTHORIZED, PaymentStatus.DECLINED]
    )
    async def test_not_captured(self, session: AsyncSession, status: PaymentStatus) -> None:
        payment = await create_payment(session, status=status, reference="sbx_nc")
        with pytest.raises(PaymentNotRefundable) as error:
            await service.begin_refund(session, payment.id, amount=1)
        assert error.value.code == "payment_not_refundable"
        assert await count(session, Refund) == 0

    async def test_unknown_payment(self, session: AsyncSession) -> None:
        with pytest.raises(PaymentNotFound):
            await service.begin_refund(session, 424_242, amount=1)


class TestRecordRefund:
    async def test_succeeded(self, session: AsyncSession) -> None:
        payment = await captured_payment(session)
        refund = await service.begin_refund(session, payment.id, amount=2000)
        recorded = await service.record_refund(
            session, refund.id, RefundResult(RefundStatus.SUCCEEDED, "re_x", 2000)
        )
        assert recorded.newly_refunded is True
        assert (recorded.refund.status, recorded.refund.provider_reference) == (
            "succeeded",
            "re_x",
        )
        assert (await snapshot(session, payment.id))["refunded"] == 2000

    async def test_recorded_twice_counts_once(self, session: AsyncSession) -> None:
        payment = await captured_payment(session)
        refund = await service.begin_refund(session, payment.id, amount=2000)
        result = RefundResult(RefundStatus.SUCCEEDED, "re_y", 2000)
        await service.record_refund(session, refund.id, result)
        again = await service.record_refund(session, refund.id, result)
        assert again.newly_refunded is False
        assert (await snapshot(session, payment.id))["refunded"] == 2000

    async def test_failed_releases_the_reservation(self, session: AsyncSession) -> None:
        payment = await captured_payment(session, amount=5000)
        refund = await service.begin_refund(session, payment.id, amount=5000)
        recorded = await service.record_refund(
            session, refund.id, RefundResult(RefundStatus.FAILED, None, 5000)
        )
        assert (recorded.refund.status, recorded.newly_refunded) == ("failed", False)
        assert await service.refundable_amount(session, payment.id) == 5000
        assert (await snapshot(session, payment.id))["refunded"] == 0

    async def test_pending_keeps_the_reference(self, session: AsyncSession) -> None:
        payment = await captured_payment(session)
        refund = await service.begin_refund(session, payment.id, amount=100)
        recorded = await service.record_refund(
            session, refund.id, RefundResult(RefundStatus.PENDING, "re_p", 100)
        )
        assert (recorded.refund.status, recorded.refund.provider_reference) == (
            "pending",
            "re_p",
        )
        assert await service.refundable_amount(session, payment.id) == 4900

    async def test_unknown_refund(self, session: AsyncSession) -> None:
        with pytest.raises(RefundNotFound):
            await service.record_refund(
                session, 31337, RefundResult(RefundStatus.SUCCEEDED, "re", 1)
            )


class TestStalePendingPayments:
    async def test_only_old_pending_ones(self, session: AsyncSession) -> None:
        old = await create_payment(session)
        await create_payment(session, status=PaymentStatus.CAPTURED, reference="sbx_done")
        later = utcnow() + timedelta(minutes=10)
        stale = await service.stale_pending_payments(session, now=later)
        assert [p.id for p in stale] == [old.id]
        assert await service.stale_pending_payments(session) == []


class TestReceiveWebhook:
    async def test_capture_of_an_authorized_payment(
        self, session: AsyncSession, settings: Settings
    ) -> None:
        payment = await create_payment(
            session, amount=2599, status=PaymentStatus.AUTHORIZED, reference="sbx_async"
        )
        body = sandbox_event(reference="sbx_async", amount=2599, event_id="evt_capture")
        notification = await deliver(session, settings, body)
        assert notification == PaymentNotification(
            kind=NotificationKind.CAPTURED,
            provider="sandbox",
            reference="sbx_async",
            amount=2599,
            order_id=payment.order_id,
            payment_id=payment.id,
            currency="USD",
        )
        assert (await snapshot(session, payment.id))["status"] == "captured"
        [event] = (await session.execute(select(PaymentEvent))).scalars()
        assert (event.provider, event.event_id, event.type) == (
            "sandbox",
            "evt_capture",
            "payment.captured",
        )
        assert event.processed_at is not None
        assert event.payload["data"]["payment"]["id"] == "sbx_async"

    async def test_idempotency_replayed_event_changes_nothing(
        self, session: AsyncSession, settings: Settings
    ) -> None:
        payment = await create_payment(session, status=PaymentStatus.AUTHORIZED, reference="sbx_r")
        body = sandbox_event(reference="sbx_r", event_id="evt_replayed")
        first = await deliver(session, settings, body)
        after_first = await snapshot(session, payment.id)
        replays = [await deliver(session, settings, body) for _ in range(3)]
        assert first is not None
        assert replays == [None, None, None]
        assert await snapshot(session, payment.id) == after_first
        assert await count(session, PaymentEvent) == 1

    async def test_idempotency_another_event_for_the_same_capture(
        self, session: AsyncSession, settings: Settings
    ) -> None:
        await create_payment(session, status=PaymentStatus.AUTHORIZED, reference="sbx_two")
        first = await deliver(session, settings, sandbox_event(reference="sbx_two"))
        second = await deliver(session, settings, sandbox_event(reference="sbx_two"))
        assert first is not None
        assert second is None  # recorded, but the payment was captured already
        assert await count(session, PaymentEvent) == 2

    async def test_finds_the_payment_by_metadata_before_its_reference_is_recorded(
        self, session: AsyncSession, settings: Settings
    ) -> None:
        # The webhook overtook the checkout's record_authorization.
        payment = await create_payment(session, amount=1000)
        body = sandbox_event(reference="sbx_early", amount=1000, payment_id=payment.id)
        notification = await deliver(session, settings, body)
        assert notification is not None
        assert notification.payment_id == payment.id
        assert (await snapshot(session, payment.id))["reference"] == "sbx_early"
        late = GatewayResult(GatewayStatus.AUTHORIZED, "sbx_early")
        recorded = await service.record_authorization(session, payment.id, late)
        assert recorded.status == "captured"

    async def test_payment_failed(self, session: AsyncSession, settings: Settings) -> None:
        payment = await create_payment(session, status=PaymentStatus.AUTHORIZED, reference="sbx_f")
        body = sandbox_event(
            event_type="payment.failed", reference="sbx_f", failure_code="card_declined"
        )
        notification = await deliver(session, settings, body)
        assert notification is not None
        assert (notification.kind, notification.failure_code, notification.amount) == (
            NotificationKind.FAILED,
            "card_declined",
            5000,
        )
        assert await snapshot(session, payment.id) == {
            "status": "declined",
            "reference": "sbx_f",
            "captured": 0,
            "refunded": 0,
            "failure_code": "card_declined",
        }

    async def test_failure_after_capture_is_ignored(
        self, session: AsyncSession, settings: Settings
    ) -> None:
        payment = await create_payment(session, status=PaymentStatus.CAPTURED, reference="sbx_ok")
        before = await snapshot(session, payment.id)
        body = sandbox_event(event_type="payment.failed", reference="sbx_ok")
        assert await deliver(session, settings, body) is None
        assert await snapshot(session, payment.id) == before

    async def test_our_refund_settled_by_webhook_then_recorded(
        self, session: AsyncSession, settings: Settings
    ) -> None:
        payment = await captured_payment(session)
        reference = payment.provider_reference
        assert reference is not None
        refund = await service.begin_refund(session, payment.id, amount=1500)
        body = sandbox_event(
            event_type="refund.succeeded",
            reference=reference,
            refund={"id": "sbxre_1", "amount": 1500, "metadata": {"refund_id": str(refund.id)}},
        )
        notification = await deliver(session, settings, body)
        assert notification is not None
        assert (notification.kind, notification.amount, notification.refund_id) == (
            NotificationKind.REFUNDED,
            1500,
            refund.id,
        )
        recorded = await service.record_refund(
            session, refund.id, RefundResult(RefundStatus.SUCCEEDED, "sbxre_1", 1500)
        )
        assert recorded.newly_refunded is False
        assert (await snapshot(session, payment.id))["refunded"] == 1500
        assert await count(session, Refund) == 1

    async def test_refund_made_at_the_provider_is_recorded_once(
        self, session: AsyncSession, settings: Settings
    ) -> None:
        payment = await captured_payment(session)
        reference = payment.provider_reference
        assert reference is not None
        refund = {"id": "sbxre_ext", "amount": 700, "metadata": {}}
        bodies = [
            sandbox_event(event_type="refund.succeeded", reference=reference, refund=refund)
            for _ in range(2)  # two events (distinct ids) about one refund
        ]
        first = await deliver(session, settings, bodies[0])
        second = await deliver(session, settings, bodies[1])
        assert first is not None
        assert (first.kind, first.amount) == (NotificationKind.REFUNDED, 700)
        assert second is None
        [row] = (await session.execute(select(Refund))).scalars()
        assert (row.amount, row.status, row.provider_reference, row.reason) == (
            700,
            "succeeded",
            "sbxre_ext",
            "refunded at sandbox",
        )
        assert (await snapshot(session, payment.id))["refunded"] == 700

    async def test_refund_beyond_captured_is_ignored(
        self, session: AsyncSession, settings: Settings
    ) -> None:
        payment = await captured_payment(session, amount=1000)
        reference = payment.provider_reference
        assert reference is not None
        body = sandbox_event(
            event_type="refund.succeeded",
            reference=reference,
            refund={"id": "sbxre_big", "amount": 1001, "metadata": {}},
        )
        assert await deliver(session, settings, body) is None
        assert (await snapshot(session, payment.id))["refunded"] == 0
        assert await count(session, Refund) == 0

    async def test_unknown_payment_is_recorded_unprocessed(
        self, session: AsyncSession, settings: Settings
    ) -> None:
        body = sandbox_event(reference="sbx_not_ours", event_id="evt_orphan")
        assert await deliver(session, settings, body) is None
        [event] = (await session.execute(select(PaymentEvent))).scalars()
        assert (event.event_id, event.processed_at) == ("evt_orphan", None)

    async def test_event_types_we_do_not_act_on_are_recorded(
        self, session: AsyncSession, settings: Settings
    ) -> None:
        await create_payment(session, status=PaymentStatus.AUTHORIZED, reference="sbx_t")
        body = sandbox_event(event_type="payment.updated", reference="sbx_t")
        assert await deliver(session, settings, body) is None
        [event] = (await session.execute(select(PaymentEvent))).scalars()
        assert event.processed_at is not None

    async def test_invalid_signature_writes_nothing(
        self, session: AsyncSession, settings: Settings
    ) -> None:
        payment = await create_payment(session, status=PaymentStatus.AUTHORIZED, reference="sbx_i")
        before = await snapshot(session, payment.id)
        body = sandbox_event(reference="sbx_i")
        with pytest.raises(WebhookRejected) as error:
            await deliver(
                session, settings, body, headers=sandbox_headers(body, secret="whsec_wrong")
            )
        assert (error.value.status, error.value.code) == (400, "invalid_signature")
        assert await snapshot(session, payment.id) == before
        assert await count(session, PaymentEvent) == 0

    async def test_stale_signature_writes_nothing(
        self, session: AsyncSession, settings: Settings
    ) -> None:
        await create_payment(session, status=PaymentStatus.AUTHORIZED, reference="sbx_s")
        body = sandbox_event(reference="sbx_s")
        old = int(time.time()) - 301
        headers = sandbox_headers(body, secret=secret(settings), timestamp=old)
        with pytest.raises(WebhookRejected) as error:
            await deliver(session, settings, body, headers=headers)
        assert error.value.code == "stale_signature"
        assert await count(session, PaymentEvent) == 0

    async def test_stale_is_judged_against_now(
        self, session: AsyncSession, settings: Settings
    ) -> None:
        body = sandbox_event(reference="sbx_when", created=1_800_000_000)
        headers = sandbox_headers(body, secret=secret(settings), timestamp=1_800_000_000)
        accepted = await service.receive_webhook(
            session,
            provider="sandbox",
            headers=headers,
            body=body,
            settings=settings,
            now=datetime.fromtimestamp(1_800_000_100, UTC),
        )
        assert accepted is None  # verified and recorded (no such payment)
        assert await count(session, PaymentEvent) == 1

    @pytest.mark.parametrize(
        "body",
        [b"", b"not json", b"[]", b'{"id": "evt_1", "type": "payment.captured"}'],
    )
    async def test_signed_but_malformed(
        self, session: AsyncSession, settings: Settings, body: bytes
    ) -> None:
        with pytest.raises(WebhookRejected) as error:
            await deliver(session, settings, body)
        assert error.value.code == "invalid_payload"
        assert await count(session, PaymentEvent) == 0

    async def test_unknown_provider(self, session: AsyncSession, settings: Settings) -> None:
        with pytest.raises(UnknownWebhookProvider) as error:
            await deliver(session, settings, b"{}", provider="paypal")
        assert error.value.status == 404

    async def test_stripe_event(self, session: AsyncSession, settings: Settings) -> None:
        fake = FakeStripe()
        settings = settings.model_copy(
            update={
                "payment_providers": ["sandbox", "stripe"],
                "stripe_webhook_secret": settings.sandbox_webhook_secret.__class__(
                    fake.webhook_secret
                ),
            }
        )
        payment = await create_payment(session, provider="stripe", amount=2599)
        intent = {
            "id": "pi_777",
            "object": "payment_intent",
            "amount": 2599,
            "amount_received": 2599,
            "currency": "usd",
            "status": "succeeded",
            "metadata": service.payment_metadata(payment),
        }
        body = fake.event("payment_intent.succeeded", intent)
        headers = {"Stripe-Signature": fake.sign(body)}
        notification = await deliver(session, settings, body, headers=headers, provider="stripe")
        assert notification is not None
        assert (notification.provider, notification.reference, notification.amount) == (
            "stripe",
            "pi_777",
            2599,
        )
        assert (await snapshot(session, payment.id))["reference"] == "pi_777"
        assert await deliver(session, settings, body, headers=headers, provider="stripe") is None


class TestRefundInvariant:
    @hypothesis_settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(
        steps=st.lists(
            st.tuples(
                st.integers(min_value=-10, max_value=6000),
                st.sampled_from([RefundStatus.SUCCEEDED, RefundStatus.FAILED, "webhook"]),
            ),
            max_size=8,
        )
    )
    async def test_refunds_never_exceed_captured(
        self, session: AsyncSession, settings: Settings, steps: list[tuple[int, object]]
    ) -> None:
        payment = await captured_payment(session, amount=5000)
        reference = payment.provider_reference
        assert reference is not None
        succeeded = 0
        for amount, outcome in steps:
            try:
                refund = await service.begin_refund(session, payment.id, amount=amount)
            except (InvalidRefundAmount, RefundExceedsCaptured):
                continue
            if outcome == "webhook":
                refund_document = {
                    "id": f"sbxre_{refund.id}",
                    "amount": amount,
                    "metadata": service.refund_metadata(refund),
                }
                body = sandbox_event(
                    event_type="refund.succeeded", reference=reference, refund=refund_document
                )
                await deliver(session, settings, body)
                succeeded += amount
            else:
                status = RefundStatus(str(outcome))
                await service.record_refund(session, refund.id, RefundResult(status, None, amount))
                succeeded += amount if status is RefundStatus.SUCCEEDED else 0
            state = await snapshot(session, payment.id)
            assert state["refunded"] == succeeded
            assert 0 <= state["refunded"] <= state["captured"]
            assert await service.refundable_amount(session, payment.id) == 5000 - succeeded
