"""Carts: anonymous (secret token) or a customer's, with lines by variant."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shop.db.base import Base, BigIntId, IdMixin, TimestampMixin


class Cart(IdMixin, TimestampMixin, Base):
    __tablename__ = "carts"
    __table_args__ = (
        # One open cart per customer; anonymous carts have no user.
        Index(
            "uq_carts_user_open",
            "user_id",
            unique=True,
            sqlite_where=text("user_id IS NOT NULL AND converted_at IS NULL"),
            postgresql_where=text("user_id IS NOT NULL AND converted_at IS NULL"),
        ),
        Index("ix_carts_updated_at", "updated_at"),
    )

    # sha256 of the secret cart token; the token itself is shown once, at creation.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int | None] = mapped_column(
        BigIntId, ForeignKey("users.id", ondelete="CASCADE")
    )
    currency: Mapped[str] = mapped_column(String(3))
    coupon_code: Mapped[str | None] = mapped_column(String(40))
    converted_at: Mapped[datetime | None]  # set when an order was placed from it

    lines: Mapped[list[CartLine]] = relationship(
        lazy="raise", order_by="CartLine.id", cascade="all, delete-orphan"
    )


class CartLine(IdMixin, TimestampMixin, Base):
    __tablename__ = "cart_lines"
    __table_args__ = (
        Index("uq_cart_lines_cart_variant", "cart_id", "variant_id", unique=True),
        CheckConstraint("quantity BETWEEN 1 AND 99", name="quantity_range"),
    )

    cart_id: Mapped[int] = mapped_column(BigIntId, ForeignKey("carts.id", ondelete="CASCADE"))
    variant_id: Mapped[int] = mapped_column(
        BigIntId, ForeignKey("variants.id", ondelete="CASCADE"), index=True
    )
    quantity: Mapped[int] = mapped_column(Integer)
