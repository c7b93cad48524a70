"""The checkout request. The answer is the order (`shop.orders.schemas.OrderRead`)."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from shop.auth.schemas import Email
from shop.kit.text import ONE_LINE
from shop.orders.repository import MAX_ID
from shop.orders.schemas import Address

IDEMPOTENCY_KEY_MAX_LENGTH = 255


class PaymentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    provider: Annotated[
        str, StringConstraints(min_length=1, max_length=20, pattern=r"^[a-z][a-z0-9_]*$")
    ] = Field(description="A provider offered by the shop, e.g. sandbox")
    token: Annotated[
        str, StringConstraints(min_length=1, max_length=255, pattern=r"^[A-Za-z0-9_\-.:]+$")
    ] = Field(
        description="The provider's card token (e.g. tok_visa); card numbers never reach the shop"
    )


class CheckoutCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    cart_id: int = Field(strict=True, ge=1, le=MAX_ID)
    email: Email
    shipping_address: Address
    billing_address: Address | None = Field(
        default=None, description="Defaults to the shipping address"
    )
    shipping_method: Annotated[
        str,
        StringConstraints(strip_whitespace=True, to_lower=True, min_length=1, max_length=40),
        ONE_LINE,
    ] = Field(description="A code from GET /api/v1/shipping-methods, e.g. standard")
    payment: PaymentIn
