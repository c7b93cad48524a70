"""Customer accounts beyond sign-in: saved addresses, password resets, account deletions."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from shop.db.base import Base, BigIntId, IdMixin, TimestampMixin


class Address(IdMixin, TimestampMixin, Base):
    """An address a customer saved for later checkouts. At most one per customer is the default
    (kept by the service: the flag moves, it is never set on two rows in one transaction)."""

    __tablename__ = "addresses"
    __table_args__ = (Index("ix_addresses_user_id", "user_id"),)

    user_id: Mapped[int] = mapped_column(BigIntId, ForeignKey("users.id", ondelete="CASCADE"))
    label: Mapped[str] = mapped_column(String(50), default="")
    name: Mapped[str] = mapped_column(String(200))
    line1: Mapped[str] = mapped_column(String(200))
    line2: Mapped[str | None] = mapped_column(String(200))
    city: Mapped[str] = mapped_column(String(100))
    region: Mapped[str | None] = mapped_column(String(100))
    postal_code: Mapped[str] = mapped_column(String(20))
    country: Mapped[str] = mapped_column(String(2))
    phone: Mapped[str | None] = mapped_column(String(40))
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)


class PasswordResetToken(IdMixin, Base):
    """A single-use password reset link; only the sha256 of its secret is stored."""

    __tablename__ = "password_reset_tokens"

    user_id: Mapped[int] = mapped_column(
        BigIntId, ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]


class PasswordResetRequest(IdMixin, Base):
    """Every request for a reset link, whether the email is an account or not, kept for the
    rate-limit window: counting requests (not tokens) says nothing about which emails exist."""

    __tablename__ = "password_reset_requests"
    __table_args__ = (
        Index("ix_password_reset_requests_email_at", "email", "created_at"),
        Index("ix_password_reset_requests_ip_at", "client_ip", "created_at"),
    )

    email: Mapped[str] = mapped_column(String(254))
    client_ip: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]


class AccountDeletion(IdMixin, Base):
    """Marks a customer account deleted at the customer's request. The user row stays (orders
    keep pointing at it) with its personal data replaced by placeholders."""

    __tablename__ = "account_deletions"

    user_id: Mapped[int] = mapped_column(
        BigIntId, ForeignKey("users.id", ondelete="CASCADE"), unique=True
    )
    deleted_at: Mapped[datetime]
