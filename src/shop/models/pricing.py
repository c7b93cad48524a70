"""Pricing configuration: coupons, shipping methods, tax rates."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from shop.db.base import Base, BigIntId, IdMixin, TimestampMixin


class CouponKind(StrEnum):
    PERCENTAGE = "percentage"  # value: percent, 1-100
    FIXED = "fixed"  # value: minor units off the subtotal
    FREE_SHIPPING = "free_shipping"  # value unused (0)


class Coupon(IdMixin, TimestampMixin, Base):
    __tablename__ = "coupons"
    __table_args__ = (
        CheckConstraint("value >= 0", name="value_not_negative"),
        CheckConstraint("times_used >= 0", name="times_used_not_negative"),
        CheckConstraint(
            "usage_limit IS NULL OR times_used <= usage_limit", name="within_usage_limit"
        ),
    )

    code: Mapped[str] = mapped_column(String(40), unique=True)  # stored uppercase
    kind: Mapped[CouponKind] = mapped_column(String(20))
    value: Mapped[int] = mapped_column(Integer, default=0)
    min_spend_amount: Mapped[int] = mapped_column(Integer, default=0)
    starts_at: Mapped[datetime | None]
    ends_at: Mapped[datetime | None]
    usage_limit: Mapped[int | None] = mapped_column(Integer)
    per_customer_limit: Mapped[int | None] = mapped_column(Integer)
    # Taken by one conditional UPDATE when an order is placed, so the limit holds under races.
    times_used: Mapped[int] = mapped_column(Integer, default=0)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)


class CouponRedemption(IdMixin, Base):
    __tablename__ = "coupon_redemptions"
    __table_args__ = (Index("ix_coupon_redemptions_coupon_email", "coupon_id", "email"),)

    coupon_id: Mapped[int] = mapped_column(BigIntId, ForeignKey("coupons.id", ondelete="CASCADE"))
    order_id: Mapped[int] = mapped_column(
        BigIntId, ForeignKey("orders.id", ondelete="CASCADE"), unique=True
    )
    user_id: Mapped[int | None] = mapped_column(
        BigIntId, ForeignKey("users.id", ondelete="SET NULL")
    )
    email: Mapped[str] = mapped_column(String(254))  # per-customer limits count guests by email
    created_at: Mapped[datetime]


class ShippingMethod(IdMixin, TimestampMixin, Base):
    __tablename__ = "shipping_methods"
    __table_args__ = (CheckConstraint("price_amount >= 0", name="price_not_negative"),)

    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    price_amount: Mapped[int] = mapped_column(Integer)
    # Free when the discounted subtotal reaches this amount (None: never free).
    free_over_amount: Mapped[int | None] = mapped_column(Integer)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    position: Mapped[int] = mapped_column(Integer, default=0)


class TaxRate(IdMixin, TimestampMixin, Base):
    """A rate for a country ('*' = everywhere else) and optionally one region of it."""

    __tablename__ = "tax_rates"
    __table_args__ = (
        Index("uq_tax_rates_country_region", "country", "region", unique=True),
        CheckConstraint("basis_points BETWEEN 0 AND 10000", name="rate_range"),
    )

    country: Mapped[str] = mapped_column(String(2))
    region: Mapped[str] = mapped_column(String(50), default="")  # '' = whole country
    name: Mapped[str] = mapped_column(String(100), default="")
    basis_points: Mapped[int] = mapped_column(Integer)  # 800 = 8%
    applies_to_shipping: Mapped[bool] = mapped_column(Boolean, default=False)
