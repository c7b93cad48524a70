"""Catalog: category tree, brands, products with images and typed attributes, variants."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Boolean, CheckConstraint, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shop.db.base import Base, BigIntId, IdMixin, TimestampMixin


class ProductStatus(StrEnum):
    DRAFT = "draft"
    ACTIVE = "active"
    ARCHIVED = "archived"


class AttributeType(StrEnum):
    TEXT = "text"
    NUMBER = "number"
    BOOLEAN = "boolean"


class Category(IdMixin, TimestampMixin, Base):
    __tablename__ = "categories"

    parent_id: Mapped[int | None] = mapped_column(
        BigIntId, ForeignKey("categories.id", ondelete="RESTRICT"), index=True
    )
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(Integer, default=0)


class Brand(IdMixin, TimestampMixin, Base):
    __tablename__ = "brands"

    slug: Mapped[str] = mapped_column(String(120), unique=True)
    name: Mapped[str] = mapped_column(String(120))


class Product(IdMixin, TimestampMixin, Base):
    __tablename__ = "products"
    __table_args__ = (
        Index("ix_products_status_created", "status", "created_at"),
        Index("ix_products_status_price", "status", "price_amount"),
        # Covers the facet counts of listings (category and brand per filtered set).
        Index(
            "ix_products_listing", "status", "category_id", "brand_id", "price_amount", "featured"
        ),
    )

    slug: Mapped[str] = mapped_column(String(140), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[ProductStatus] = mapped_column(String(20), default=ProductStatus.DRAFT)
    featured: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    brand_id: Mapped[int | None] = mapped_column(
        BigIntId, ForeignKey("brands.id", ondelete="RESTRICT"), index=True
    )
    category_id: Mapped[int | None] = mapped_column(
        BigIntId, ForeignKey("categories.id", ondelete="RESTRICT"), index=True
    )
    # The lowest price among active variants, kept by the catalog service: listings sort and
    # filter on it without aggregating variants per row.
    price_amount: Mapped[int | None] = mapped_column(Integer)
    # Approved reviews, kept by the reviews service in the same transaction as the review change.
    rating_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    rating_total: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    variants: Mapped[list[Variant]] = relationship(
        lazy="raise", order_by="Variant.position, Variant.id", back_populates="product"
    )
    images: Mapped[list[ProductImage]] = relationship(
        lazy="raise", order_by="ProductImage.position, ProductImage.id"
    )
    attributes: Mapped[list[ProductAttribute]] = relationship(
        lazy="raise", order_by="ProductAttribute.name"
    )
    brand: Mapped[Brand | None] = relationship(lazy="raise")
    category: Mapped[Category | None] = relationship(lazy="raise")


class ProductImage(IdMixin, Base):
    __tablename__ = "product_images"

    product_id: Mapped[int] = mapped_column(
        BigIntId, ForeignKey("products.id", ondelete="CASCADE"), index=True
    )
    url: Mapped[str] = mapped_column(String(500))
    alt: Mapped[str] = mapped_column(String(200), default="")
    position: Mapped[int] = mapped_column(Integer, default=0)


class ProductAttribute(IdMixin, Base):
    """A typed attribute (material=cotton, weight_g=180, waterproof=true). The value is kept as
    text in a canonical form so `attr.<name>=<value>` filters by equality on both databases."""

    __tablename__ = "product_attributes"
    __table_args__ = (
        Index("uq_product_attributes_product_name", "product_id", "name", unique=True),
        Index("ix_product_attributes_name_value", "name", "value"),
    )

    product_id: Mapped[int] = mapped_column(BigIntId, ForeignKey("products.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(60))
    type: Mapped[AttributeType] = mapped_column(String(10))
    value: Mapped[str] = mapped_column(String(200))


class Variant(IdMixin, TimestampMixin, Base):
    __tablename__ = "variants"
    __table_args__ = (
        CheckConstraint("price_amount >= 0", name="price_not_negative"),
        CheckConstraint(
            "compare_at_amount IS NULL OR compare_at_amount >= 0", name="compare_at_not_negative"
        ),
        CheckConstraint("stock_quantity >= 0", name="stock_not_negative"),
    )

    product_id: Mapped[int] = mapped_column(
        BigIntId, ForeignKey("products.id", ondelete="CASCADE"), index=True
    )
    sku: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[str] = mapped_column(String(200), default="")
    options: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    price_amount: Mapped[int] = mapped_column(Integer)
    compare_at_amount: Mapped[int | None] = mapped_column(Integer)
    stock_quantity: Mapped[int] = mapped_column(Integer, default=0)
    track_inventory: Mapped[bool] = mapped_column(Boolean, default=True)
    low_stock_threshold: Mapped[int] = mapped_column(Integer, default=5)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    position: Mapped[int] = mapped_column(Integer, default=0)

    product: Mapped[Product] = relationship(lazy="raise", back_populates="variants")
