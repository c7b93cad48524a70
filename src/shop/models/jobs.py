"""Durable background work (outbox) and stored idempotent responses."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from shop.db.base import Base, IdMixin


class OutboxJob(IdMixin, Base):
    """Written in the same transaction as the change it follows (an order, a shipment), so the
    side effect (an email, a webhook) is never lost; the worker runs it after commit."""

    __tablename__ = "outbox_jobs"
    __table_args__ = (Index("ix_outbox_jobs_due", "done_at", "run_after"),)

    topic: Mapped[str] = mapped_column(String(60))  # e.g. "mail.order_confirmation"
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime]
    run_after: Mapped[datetime]
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None]
    done_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)


class IdempotencyRecord(IdMixin, Base):
    """One Idempotency-Key of one endpoint: in flight, or finished with the response to replay."""

    __tablename__ = "idempotency_records"
    __table_args__ = (Index("uq_idempotency_records_scope_key", "scope", "key", unique=True),)

    scope: Mapped[str] = mapped_column(String(60))  # endpoint, e.g. "checkout"
    key: Mapped[str] = mapped_column(String(255))
    request_hash: Mapped[str] = mapped_column(String(64))
    response_status: Mapped[int | None] = mapped_column(Integer)  # None while in flight
    response_body: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[datetime]
    locked_until: Mapped[datetime]  # an in-flight claim expires if its process died
