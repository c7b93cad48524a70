"""Every ORM table, imported here so that `Base.metadata` is complete."""

from shop.models.accounts import LoginFailure, RefreshToken, Role, User
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

__all__ = [
    "AttributeType",
    "Brand",
    "Category",
    "LoginFailure",
    "Product",
    "ProductAttribute",
    "ProductImage",
    "ProductStatus",
    "RefreshToken",
    "Role",
    "User",
    "Variant",
]
