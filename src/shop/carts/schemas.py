"""Request and response bodies of the cart API."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from shop.carts.errors import MAX_LINE_QUANTITY
from shop.carts.repository import MAX_ID
from shop.carts.service import CartLineView, CartStatus, CartView, CreatedCart, LineIssue
from shop.kit.money import MoneyRead
from shop.pricing.schemas import CouponCode

Quantity = Annotated[int, Field(ge=1, le=MAX_LINE_QUANTITY, description="1 to 99")]


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CartItemCreate(_Input):
    variant_id: int = Field(ge=1, le=MAX_ID)
    quantity: Quantity = 1


class CartItemUpdate(_Input):
    quantity: Quantity


class CartCouponSet(_Input):
    code: CouponCode = Field(description="Case-insensitive")


class CartLineRead(BaseModel):
    id: int
    variant_id: int
    product_id: int
    product_name: str
    product_slug: str
    variant_title: str
    sku: str
    image_url: str | None
    unit_price: MoneyRead = Field(description="The variant's current price")
    quantity: int
    line_total: MoneyRead
    available_quantity: int | None = Field(
        description="How many can be bought now: 0 when unavailable, null when stock is not tracked"
    )
    issues: list[LineIssue] = Field(
        description="Empty when the line can be bought as it is; flagged lines are kept"
    )

    @classmethod
    def of(cls, line: CartLineView, currency: str) -> CartLineRead:
        row = line.row
        return cls(
            id=row.id,
            variant_id=row.variant_id,
            product_id=row.product_id,
            product_name=row.product_name,
            product_slug=row.product_slug,
            variant_title=row.variant_title,
            sku=row.sku,
            image_url=row.image_url,
            unit_price=MoneyRead(amount=row.unit_price, currency=currency),
            quantity=row.quantity,
            line_total=MoneyRead(amount=line.line_total, currency=currency),
            available_quantity=line.available_quantity,
            issues=list(line.issues),
        )


class CartTotalsRead(BaseModel):
    subtotal: MoneyRead = Field(
        description="Current prices times quantities of every line, flagged lines included; "
        "discount, shipping and tax are computed at checkout"
    )
    item_count: int = Field(description="Sum of the quantities")


class CartRead(BaseModel):
    id: int
    status: CartStatus
    currency: str
    coupon_code: str | None
    lines: list[CartLineRead]
    totals: CartTotalsRead
    has_issues: bool = Field(description="Some line is flagged; fix it before checking out")
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, cart: CartView) -> CartRead:
        return cls(**_cart_fields(cart))


class CartCreatedRead(CartRead):
    token: str | None = Field(
        description="The cart's secret, shown only here: send it as 'X-Cart-Token'. Null when "
        "a signed-in customer's existing open cart is returned (their bearer token opens it)"
    )

    @classmethod
    def of_created(cls, created: CreatedCart) -> CartCreatedRead:
        return cls(**_cart_fields(created.cart), token=created.token)


def _cart_fields(cart: CartView) -> dict[str, Any]:
    currency = cart.currency
    return {
        "id": cart.id,
        "status": cart.status,
        "currency": currency,
        "coupon_code": cart.coupon_code,
        "lines": [CartLineRead.of(line, currency) for line in cart.lines],
        "totals": CartTotalsRead(
            subtotal=MoneyRead(amount=cart.subtotal, currency=currency),
            item_count=cart.item_count,
        ),
        "has_issues": cart.has_issues,
        "created_at": cart.created_at,
        "updated_at": cart.updated_at,
    }
