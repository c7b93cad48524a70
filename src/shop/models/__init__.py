"""Every ORM table, imported here so that `Base.metadata` is complete."""

from shop.models.accounts import LoginFailure, RefreshToken, Role, User
from shop.models.audit import AuditEntry
from shop.models.carts import Cart, CartLine
from shop.models.catalog import (
    AttributeType,
    Brand,
    Category,
    Product,
    ProductAttribute,
    ProductImage,
    ProductStatus,
    Variant,
)
from shop.models.customers import (
    AccountDeletion,
    Address,
    PasswordResetRequest,
    PasswordResetToken,
)
from shop.models.engagement import Review, ReviewStatus, WishlistItem
from shop.models.inventory import InventoryMovement, MovementKind
from shop.models.jobs import IdempotencyRecord, OutboxJob
from shop.models.orders import Fulfillment, Order, OrderEvent, OrderLine, OrderStatus
from shop.models.payments import Payment, PaymentEvent, PaymentStatus, Refund
from shop.models.pricing import Coupon, CouponKind, CouponRedemption, ShippingMethod, TaxRate

__all__ = [
    "AccountDeletion",
    "Address",
    "AttributeType",
    "AuditEntry",
    "Brand",
    "Cart",
    "CartLine",
    "Category",
    "Coupon",
    "CouponKind",
    "CouponRedemption",
    "Fulfillment",
    "IdempotencyRecord",
    "InventoryMovement",
    "LoginFailure",
    "MovementKind",
    "Order",
    "OrderEvent",
    "OrderLine",
    "OrderStatus",
    "OutboxJob",
    "PasswordResetRequest",
    "PasswordResetToken",
    "Payment",
    "PaymentEvent",
    "PaymentStatus",
    "Product",
    "ProductAttribute",
    "ProductImage",
    "ProductStatus",
    "Refund",
    "RefreshToken",
    "Review",
    "ReviewStatus",
    "Role",
    "ShippingMethod",
    "TaxRate",
    "User",
    "Variant",
    "WishlistItem",
]
