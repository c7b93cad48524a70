"""Reviews and wishlists."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from shop.db.base import Base, BigIntId, IdMixin, TimestampMixin


class ReviewStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


class Review(IdMixin, TimestampMixin, Base):
    __tablename__ = "reviews"
    __table_args__ = (
        Index("uq_reviews_product_user", "product_id", "user_id", unique=True),
        Index("ix_reviews_product_status", "product_id", "status"),
        CheckConstraint("rating BETWEEN 1 AND 5", name="rating_range"),
    )

    product_id: Mapped[int] = mapped_column(BigIntId, ForeignKey("products.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(BigIntId, ForeignKey("users.id", ondelete="CASCADE"))
    rating: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[ReviewStatus] = mapped_column(String(20), default=ReviewStatus.PENDING)
    verified_purchase: Mapped[bool] = mapped_column(Boolean, default=False)


class WishlistItem(IdMixin, Base):
    __tablename__ = "wishlist_items"
    __table_args__ = (
        Index("uq_wishlist_items_user_product", "user_id", "product_id", unique=True),
    )

    user_id: Mapped[int] = mapped_column(BigIntId, ForeignKey("users.id", ondelete="CASCADE"))
    product_id: Mapped[int] = mapped_column(BigIntId, ForeignKey("products.id", ondelete="CASCADE"))
    created_at: Mapped[datetime]
