"""What each mail template needs. Validated before a mail job is written, and again when sent.

Money is {"amount": <minor units>, "currency": "USD"}, as everywhere in the shop."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

# Links in mails are http(s) only: no javascript: or data: URLs in an href.
_URL = r"^https?://[^\s<>\"']+$"


class _Context(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class MoneyContext(_Context):
    amount: int
    currency: str = Field(pattern=r"^[A-Z]{3}$")


class AddressContext(_Context):
    name: str = Field(min_length=1, max_length=200)
    line1: str = Field(min_length=1, max_length=200)
    line2: str | None = Field(default=None, max_length=200)
    city: str = Field(min_length=1, max_length=100)
    region: str | None = Field(default=None, max_length=100)
    postal_code: str = Field(min_length=1, max_length=20)
    country: str = Field(min_length=2, max_length=2)


class OrderLineContext(_Context):
    name: str = Field(min_length=1, max_length=200)
    variant: str = Field(default="", max_length=200)
    sku: str = Field(min_length=1, max_length=64)
    quantity: int = Field(ge=1)
    unit_price: MoneyContext
    total: MoneyContext


class OrderTotalsContext(_Context):
    subtotal: MoneyContext
    discount: MoneyContext
    shipping: MoneyContext
    tax: MoneyContext
    total: MoneyContext


class OrderConfirmationContext(_Context):
    order_number: str = Field(min_length=1, max_length=20)
    customer_name: str | None = Field(default=None, max_length=200)
    lines: list[OrderLineContext] = Field(min_length=1)
    totals: OrderTotalsContext
    shipping_method: str | None = Field(default=None, max_length=100)
    shipping_address: AddressContext
    order_url: str | None = Field(default=None, max_length=500, pattern=_URL)


class OrderShippedContext(_Context):
    order_number: str = Field(min_length=1, max_length=20)
    customer_name: str | None = Field(default=None, max_length=200)
    carrier: str = Field(min_length=1, max_length=60)
    tracking_number: str = Field(min_length=1, max_length=100)
    # Until carriers are integrated the link is whatever the caller has (or the order page).
    tracking_url: str | None = Field(default=None, max_length=500, pattern=_URL)
    shipping_address: AddressContext | None = None
    order_url: str | None = Field(default=None, max_length=500, pattern=_URL)


class PasswordResetContext(_Context):
    reset_url: str = Field(max_length=500, pattern=_URL)
    expires_minutes: int = Field(ge=1)
    customer_name: str | None = Field(default=None, max_length=200)


TEMPLATE_CONTEXTS: dict[str, type[_Context]] = {
    "order_confirmation": OrderConfirmationContext,
    "order_shipped": OrderShippedContext,
    "password_reset": PasswordResetContext,
}
