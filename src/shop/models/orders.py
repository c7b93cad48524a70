"""Orders with line snapshots, an append-only event log, fulfilments."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shop.db.base import Base, BigIntId, IdMixin, TimestampMixin


class OrderStatus(StrEnum):
    PENDING = "pending"  # placed, awaiting capture
    PAID = "paid"
    PROCESSING = "processing"
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    CANCELLED = "cancelled"


class Order(IdMixin, TimestampMixin, Base):
    __tablename__ = "orders"
    __table_args__ = (
        Index("ix_orders_user_created", "user_id", "created_at"),
        Index("ix_orders_status_created", "status", "created_at"),
        CheckConstraint("total_amount >= 0", name="total_not_negative"),
        CheckConstraint("refunded_amount <= captured_amount", name="refund_within_capture"),
    )

    number: Mapped[str] = mapped_column(String(20), unique=True)
    user_id: Mapped[int | None] = mapped_column(
        BigIntId, ForeignKey("users.id", ondelete="SET NULL")
    )
    email: Mapped[str] = mapped_column(String(254), index=True)
    status: Mapped[OrderStatus] = mapped_column(String(20), default=OrderStatus.PENDING)
    currency: Mapped[str] = mapped_column(String(3))
    subtotal_amount: Mapped[int] = mapped_column(Integer)
    discount_amount: Mapped[int] = mapped_column(Integer, default=0)
    shipping_amount: Mapped[int] = mapped_column(Integer, default=0)
    tax_amount: Mapped[int] = mapped_column(Integer, default=0)
    total_amount: Mapped[int] = mapped_column(Integer)
    captured_amount: Mapped[int] = mapped_column(Integer, default=0)
    refunded_amount: Mapped[int] = mapped_column(Integer, default=0)
    shipping_method: Mapped[str] = mapped_column(String(40))
    coupon_code: Mapped[str | None] = mapped_column(String(40))
    shipping_address: Mapped[dict[str, Any]] = mapped_column(JSON)
    billing_address: Mapped[dict[str, Any]] = mapped_column(JSON)
    cart_id: Mapped[int | None] = mapped_column(
        BigIntId, ForeignKey("carts.id", ondelete="SET NULL"), index=True
    )

    lines: Mapped[list[OrderLine]] = relationship(lazy="raise", order_by="OrderLine.id")
    events: Mapped[list[OrderEvent]] = relationship(lazy="raise", order_by="OrderEvent.id")
    fulfillments: Mapped[list[Fulfillment]] = relationship(lazy="raise", order_by="Fulfillment.id")


class OrderLine(IdMixin, Base):
    """A snapshot: name, SKU and price as they were when the order was placed."""

    __tablename__ = "order_lines"

    order_id: Mapped[int] = mapped_column(
        BigIntId, ForeignKey("orders.id", ondelete="CASCADE"), index=True
    )
    variant_id: Mapped[int | None] = mapped_column(
        BigIntId, ForeignKey("variants.id", ondelete="SET NULL"), index=True
    )
    product_id: Mapped[int | None] = mapped_column(
        BigIntId, ForeignKey("products.id", ondelete="SET NULL")
    )
    product_name: Mapped[str] = mapped_column(String(200))
    variant_title: Mapped[str] = mapped_column(String(200), default="")
    sku: Mapped[str] = mapped_column(String(64))
    unit_price_amount: Mapped[int] = mapped_column(Integer)
    quantity: Mapped[int] = mapped_column(Integer)
    discount_amount: Mapped[int] = mapped_column(Integer, default=0)
    tax_amount: Mapped[int] = mapped_column(Integer, default=0)
    total_amount: Mapped[int] = mapped_column(Integer)  # unit*qty - discount + tax


class OrderEvent(IdMixin, Base):
    """Append-only: who did what to the order, and when."""

    __tablename__ = "order_events"

    order_id: Mapped[int] = mapped_column(
        BigIntId, ForeignKey("orders.id", ondelete="CASCADE"), index=True
    )
    type: Mapped[str] = mapped_column(String(40))  # placed, status_changed, refunded ...
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str | None] = mapped_column(String(20))
    actor_user_id: Mapped[int | None] = mapped_column(
        BigIntId, ForeignKey("users.id", ondelete="SET NULL")
    )
    actor: Mapped[str] = mapped_column(String(100))  # "customer", "system", "staff:<email>"
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime]


class Fulfillment(IdMixin, Base):
    __tablename__ = "fulfillments"

    order_id: Mapped[int] = mapped_column(
        BigIntId, ForeignKey("orders.id", ondelete="CASCADE"), index=True
    )
    carrier: Mapped[str] = mapped_column(String(60))
    tracking_number: Mapped[str] = mapped_column(String(100))
    created_by_user_id: Mapped[int | None] = mapped_column(
        BigIntId, ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime]
