"""Payments at a provider, refunds, and the provider's webhook events (deduplicated)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from shop.db.base import Base, BigIntId, IdMixin, TimestampMixin


class PaymentStatus(StrEnum):
    PENDING = "pending"  # created locally, provider not called yet (or call outcome unknown)
    AUTHORIZED = "authorized"  # awaiting capture (async capture)
    CAPTURED = "captured"
    DECLINED = "declined"
    VOIDED = "voided"


class Payment(IdMixin, TimestampMixin, Base):
    __tablename__ = "payments"
    __table_args__ = (
        Index("uq_payments_provider_reference", "provider", "provider_reference", unique=True),
        CheckConstraint("refunded_amount <= captured_amount", name="refund_within_capture"),
    )

    order_id: Mapped[int] = mapped_column(
        BigIntId, ForeignKey("orders.id", ondelete="CASCADE"), index=True
    )
    provider: Mapped[str] = mapped_column(String(20))
    provider_reference: Mapped[str | None] = mapped_column(String(100))  # e.g. pi_..., sbx_...
    status: Mapped[PaymentStatus] = mapped_column(String(20), default=PaymentStatus.PENDING)
    amount: Mapped[int] = mapped_column(Integer)
    currency: Mapped[str] = mapped_column(String(3))
    captured_amount: Mapped[int] = mapped_column(Integer, default=0)
    refunded_amount: Mapped[int] = mapped_column(Integer, default=0)
    failure_code: Mapped[str | None] = mapped_column(String(60))


class Refund(IdMixin, Base):
    __tablename__ = "refunds"
    __table_args__ = (CheckConstraint("amount > 0", name="amount_positive"),)

    order_id: Mapped[int] = mapped_column(
        BigIntId, ForeignKey("orders.id", ondelete="CASCADE"), index=True
    )
    payment_id: Mapped[int] = mapped_column(BigIntId, ForeignKey("payments.id", ondelete="CASCADE"))
    amount: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(500), default="")
    provider_reference: Mapped[str | None] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(20), default="pending")  # pending|succeeded|failed
    created_by_user_id: Mapped[int | None] = mapped_column(
        BigIntId, ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime]


class PaymentEvent(IdMixin, Base):
    """A webhook event as received. The unique (provider, event_id) makes replays no-ops."""

    __tablename__ = "payment_events"
    __table_args__ = (
        Index("uq_payment_events_provider_event", "provider", "event_id", unique=True),
    )

    provider: Mapped[str] = mapped_column(String(20))
    event_id: Mapped[str] = mapped_column(String(100))
    type: Mapped[str] = mapped_column(String(60))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    received_at: Mapped[datetime]
    processed_at: Mapped[datetime | None]
