"""JSON shapes of orders: addresses, the order as customers and staff see it, staff inputs.

Money is always `{"amount": <int minor units>, "currency": "<store currency>"}`."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
)

from shop.kit.money import MAX_AMOUNT, MoneyRead
from shop.kit.text import NO_CONTROL_CHARACTERS, ONE_LINE
from shop.models.orders import Fulfillment, OrderEvent, OrderLine, OrderStatus
from shop.models.payments import PaymentStatus
from shop.orders.countries import COUNTRY_CODES
from shop.orders.repository import MAX_ID
from shop.orders.service import AdminOrderView, OrderSummary, OrderView
from shop.payments.schemas import PaymentRead, RefundRead


def _text(max_length: int, *, min_length: int = 1) -> StringConstraints:
    return StringConstraints(
        strip_whitespace=True,
        min_length=min_length,
        max_length=max_length,
        pattern=NO_CONTROL_CHARACTERS,
    )


Text60 = Annotated[str, _text(60)]
Text100 = Annotated[str, _text(100)]
Text200 = Annotated[str, _text(200)]
PostalCode = Annotated[str, _text(20)]
Reason = Annotated[str, _text(500)]
OptionalText100 = Annotated[str, _text(100, min_length=0)]
OptionalText200 = Annotated[str, _text(200, min_length=0)]
OptionalReason = Annotated[str, _text(500, min_length=0)]


def _country(code: str) -> str:
    if code not in COUNTRY_CODES:
        raise ValueError(f"{code!r} is not an ISO 3166-1 alpha-2 country code (e.g. US, DE)")
    return code


Country = Annotated[
    str,
    StringConstraints(pattern=r"^[A-Z]{2}$"),
    AfterValidator(_country),
    Field(
        description="ISO 3166-1 alpha-2, upper case, e.g. US",
        json_schema_extra={"enum": sorted(COUNTRY_CODES)},
    ),
]


def _not_a_number(value: object) -> object:
    # Pydantic would read "1700000000" as a Unix time; the API documents ISO 8601 only.
    if not isinstance(value, str | datetime) or re.fullmatch(r"\s*[-+]?[\d.]+\s*", str(value)):
        raise ValueError("use an ISO 8601 date-time, e.g. 2026-01-31T00:00:00Z")
    return value


IsoDateTime = Annotated[datetime, BeforeValidator(_not_a_number)]
OrderNumber = Annotated[
    str,
    StringConstraints(strip_whitespace=True, to_upper=True, min_length=1, max_length=20),
    ONE_LINE,
    Field(description="The order number, e.g. SW-7KQ2M9XA", examples=["SW-7KQ2M9XA"]),
]


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Address(_Input):
    name: Text200
    line1: Text200
    line2: OptionalText200 | None = None
    city: Text100
    region: OptionalText100 | None = None
    postal_code: PostalCode
    country: Country

    def stored(self) -> dict[str, Any]:
        """As kept on the order: empty optional parts are null."""
        data = self.model_dump()
        for name in ("line2", "region"):
            data[name] = data[name] or None
        return data


class AddressRead(BaseModel):
    name: str
    line1: str
    line2: str | None = None
    city: str
    region: str | None = None
    postal_code: str
    country: str


class TotalsRead(BaseModel):
    subtotal: MoneyRead
    discount: MoneyRead
    shipping: MoneyRead
    tax: MoneyRead
    total: MoneyRead


class OrderLineRead(BaseModel):
    id: int
    variant_id: int | None
    product_id: int | None
    product_name: str
    variant_title: str
    sku: str
    unit_price: MoneyRead
    quantity: int
    discount: MoneyRead
    tax: MoneyRead
    total: MoneyRead = Field(description="unit_price × quantity − discount + tax")

    @classmethod
    def of(cls, line: OrderLine, currency: str) -> OrderLineRead:
        return cls(
            id=line.id,
            variant_id=line.variant_id,
            product_id=line.product_id,
            product_name=line.product_name,
            variant_title=line.variant_title,
            sku=line.sku,
            unit_price=MoneyRead(amount=line.unit_price_amount, currency=currency),
            quantity=line.quantity,
            discount=MoneyRead(amount=line.discount_amount, currency=currency),
            tax=MoneyRead(amount=line.tax_amount, currency=currency),
            total=MoneyRead(amount=line.total_amount, currency=currency),
        )


class PaymentSummaryRead(BaseModel):
    provider: str
    status: PaymentStatus


class FulfillmentRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    carrier: str
    tracking_number: str
    created_at: datetime

    @classmethod
    def of(cls, fulfillment: Fulfillment) -> FulfillmentRead:
        return cls.model_validate(fulfillment)


class OrderRead(BaseModel):
    id: int
    number: str
    status: OrderStatus
    email: str
    lines: list[OrderLineRead]
    totals: TotalsRead
    shipping_address: AddressRead
    billing_address: AddressRead
    shipping_method: str
    coupon_code: str | None
    payment: PaymentSummaryRead | None = Field(description="The latest payment attempt")
    fulfillments: list[FulfillmentRead]
    created_at: datetime

    @classmethod
    def fields_of(cls, view: OrderView | AdminOrderView) -> dict[str, Any]:
        order, payment = view.order, view.payment
        currency = order.currency

        def money(amount: int) -> MoneyRead:
            return MoneyRead(amount=amount, currency=currency)

        return {
            "id": order.id,
            "number": order.number,
            "status": order.status,
            "email": order.email,
            "lines": [OrderLineRead.of(line, currency) for line in order.lines],
            "totals": TotalsRead(
                subtotal=money(order.subtotal_amount),
                discount=money(order.discount_amount),
                shipping=money(order.shipping_amount),
                tax=money(order.tax_amount),
                total=money(order.total_amount),
            ),
            "shipping_address": AddressRead.model_validate(order.shipping_address),
            "billing_address": AddressRead.model_validate(order.billing_address),
            "shipping_method": order.shipping_method,
            "coupon_code": order.coupon_code,
            "payment": None
            if payment is None
            else PaymentSummaryRead(provider=payment.provider, status=payment.status),
            "fulfillments": [FulfillmentRead.of(f) for f in order.fulfillments],
            "created_at": order.created_at,
        }

    @classmethod
    def of(cls, view: OrderView) -> OrderRead:
        return cls(**cls.fields_of(view))


class OrderSummaryRead(BaseModel):
    id: int
    number: str
    status: OrderStatus
    email: str
    total: MoneyRead
    item_count: int
    created_at: datetime

    @classmethod
    def of(cls, summary: OrderSummary) -> OrderSummaryRead:
        order = summary.order
        return cls(
            id=order.id,
            number=order.number,
            status=order.status,
            email=order.email,
            total=MoneyRead(amount=order.total_amount, currency=order.currency),
            item_count=summary.item_count,
            created_at=order.created_at,
        )


class OrderPageRead(BaseModel):
    items: list[OrderSummaryRead]
    total: int
    page: int
    page_size: int


class OrderEventRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    type: str
    from_status: OrderStatus | None
    to_status: OrderStatus | None
    actor: str = Field(description="customer, guest, system or staff:<email>")
    actor_user_id: int | None
    data: dict[str, Any]
    created_at: datetime

    @classmethod
    def of(cls, event: OrderEvent) -> OrderEventRead:
        return cls.model_validate(event)


class AdminOrderRead(OrderRead):
    user_id: int | None
    captured: MoneyRead
    refunded: MoneyRead
    allowed_transitions: list[OrderStatus]
    events: list[OrderEventRead]
    payments: list[PaymentRead]
    refunds: list[RefundRead]
    updated_at: datetime

    @classmethod
    def of_admin(cls, view: AdminOrderView, allowed: list[OrderStatus]) -> AdminOrderRead:
        order = view.order
        return cls(
            **cls.fields_of(view),
            user_id=order.user_id,
            captured=MoneyRead(amount=order.captured_amount, currency=order.currency),
            refunded=MoneyRead(amount=order.refunded_amount, currency=order.currency),
            allowed_transitions=allowed,
            events=[OrderEventRead.of(event) for event in order.events],
            payments=[PaymentRead.of(payment) for payment in view.payments],
            refunds=[RefundRead.of(refund, currency=order.currency) for refund in view.refunds],
            updated_at=order.updated_at,
        )


class OrderLookup(_Input):
    number: OrderNumber
    email: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=3, max_length=254), ONE_LINE
    ]


class TransitionCreate(_Input):
    to: OrderStatus = Field(
        description="processing, delivered or cancelled; `paid` follows a captured payment and "
        "`shipped` a fulfilment"
    )
    reason: OptionalReason = ""


class FulfillmentCreate(_Input):
    carrier: Text60
    tracking_number: Text100


class RefundAmount(_Input):
    amount: int = Field(strict=True, ge=1, le=MAX_AMOUNT, description="Minor units, at least 1")
    currency: str = Field(pattern=r"^[A-Z]{3}$", description="The order's currency")


class RestockLine(_Input):
    line_id: int = Field(strict=True, ge=1, le=MAX_ID, description="An order line id")
    quantity: int = Field(strict=True, ge=1, le=1_000_000)


class RefundCreate(_Input):
    amount: RefundAmount
    reason: Reason
    restock: list[RestockLine] = Field(
        default_factory=list,
        max_length=100,
        description="Returned goods to put back on the shelf (`restock_on_refund` movements)",
    )


class CancelCreate(_Input):
    reason: OptionalReason = ""
