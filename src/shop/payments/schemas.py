"""API shapes of payments and refunds (for the order pages of other features), and the answer
to a provider's webhook."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from shop.kit.money import MoneyRead
from shop.models.payments import Payment, Refund


class PaymentRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    provider: str
    status: str = Field(description="pending | authorized | captured | declined | voided")
    amount: MoneyRead
    captured: MoneyRead
    refunded: MoneyRead
    failure_code: str | None
    created_at: datetime

    @classmethod
    def of(cls, payment: Payment) -> PaymentRead:
        def money(amount: int) -> MoneyRead:
            return MoneyRead(amount=amount, currency=payment.currency)

        return cls(
            id=payment.id,
            provider=payment.provider,
            status=str(payment.status),
            amount=money(payment.amount),
            captured=money(payment.captured_amount),
            refunded=money(payment.refunded_amount),
            failure_code=payment.failure_code,
            created_at=payment.created_at,
        )


class RefundRead(BaseModel):
    id: int
    payment_id: int
    amount: MoneyRead
    reason: str
    status: str = Field(description="pending | succeeded | failed")
    created_at: datetime

    @classmethod
    def of(cls, refund: Refund, *, currency: str) -> RefundRead:
        return cls(
            id=refund.id,
            payment_id=refund.payment_id,
            amount=MoneyRead(amount=refund.amount, currency=currency),
            reason=refund.reason,
            status=refund.status,
            created_at=refund.created_at,
        )


class WebhookAck(BaseModel):
    """2xx tells the provider to stop retrying: also for duplicates and ignored event types."""

    received: bool = True
