"""Pricing JSON shapes: inputs (XCreate / XUpdate, unknown members refused) and outputs (XRead).

Money is always `{"amount": <int minor units>, "currency": "<store currency>"}`; inputs must be in
the store currency (checked by the service, which is told it). Rules that depend on more than one
field or on the stored row (kind vs. value, ends_at after starts_at) are checked by the service,
which answers 422 `validation_error` with `errors` naming the fields, like the schema checks here.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, ClassVar

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

from shop.kit.clock import as_utc
from shop.kit.money import MoneyIn, MoneyRead
from shop.kit.text import NO_CONTROL_CHARACTERS
from shop.models.pricing import Coupon, CouponKind, ShippingMethod

# 10 million in a two-decimal currency; also keeps amounts inside 32-bit INTEGER columns.
MAX_COUNT = 1_000_000_000
REGION_MAX_LENGTH = 50

StrictBool = Annotated[bool, Field(strict=True)]
Percent = Annotated[int, Field(strict=True, ge=1, le=100, description="Percent off, 1-100")]
UseLimit = Annotated[int, Field(strict=True, ge=1, le=MAX_COUNT)]
Position = Annotated[int, Field(strict=True, ge=0, le=1_000_000)]
BasisPoints = Annotated[
    int, Field(strict=True, ge=0, le=10_000, description="Hundredths of a percent: 800 = 8%")
]
CouponCode = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True,
        to_upper=True,
        min_length=3,
        max_length=40,
        pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]*$",
    ),
    Field(description="Letters, digits, '-' and '_'; case-insensitive (stored uppercase)"),
]
ShippingCode = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True,
        to_lower=True,
        min_length=1,
        max_length=40,
        pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]*$",
    ),
    Field(description="Letters, digits, '-' and '_'; case-insensitive (stored lowercase)"),
]
Name = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, min_length=1, max_length=100, pattern=NO_CONTROL_CHARACTERS
    ),
]
OptionalName = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=100, pattern=NO_CONTROL_CHARACTERS)
]
Country = Annotated[
    str,
    StringConstraints(strip_whitespace=True, to_upper=True, pattern=r"^([A-Za-z]{2}|\*)$"),
    Field(description="ISO 3166-1 alpha-2 code, or '*' for every other country"),
]


def _upper_region(text: str) -> str:
    # Uppercased after the length check, and uppercasing can lengthen ('ß' -> 'SS').
    upper = text.upper()
    if len(upper) > REGION_MAX_LENGTH:
        raise ValueError(f"must be at most {REGION_MAX_LENGTH} characters in uppercase")
    return upper


def _utc(moment: datetime) -> datetime:
    try:
        return as_utc(moment)
    except OverflowError:
        raise ValueError("is out of range once converted to UTC") from None


Region = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, max_length=REGION_MAX_LENGTH, pattern=NO_CONTROL_CHARACTERS
    ),
    AfterValidator(_upper_region),
    Field(description="A region of the country (e.g. 'CA'), case-insensitive; '' = all of it"),
]
Moment = Annotated[AwareDatetime, AfterValidator(_utc), Field(description="With a UTC offset")]


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _Patch(_Input):
    """A partial update: absent members stay; only `_nullable` members may be sent as null."""

    _nullable: ClassVar[frozenset[str]] = frozenset()

    @model_validator(mode="after")
    def _no_null_for_required(self) -> _Patch:
        for name in self.model_fields_set:
            if getattr(self, name) is None and name not in self._nullable:
                raise ValueError(f"{name} cannot be null; leave it out to keep the current value")
        return self


def money(amount: int, currency: str) -> MoneyRead:
    return MoneyRead(amount=amount, currency=currency)


# --- coupons --------------------------------------------------------------------------------


class CouponCreate(_Input):
    code: CouponCode
    kind: CouponKind
    percent_off: Percent | None = Field(default=None, description="Required for `percentage`")
    amount_off: MoneyIn | None = Field(default=None, description="Required for `fixed`")
    min_spend: MoneyIn | None = Field(
        default=None, description="Subtotal (before discounts) the cart must reach; none if absent"
    )
    starts_at: Moment | None = None
    ends_at: Moment | None = Field(default=None, description="Exclusive; after starts_at")
    usage_limit: UseLimit | None = Field(default=None, description="Uses in total; none = no limit")
    per_customer_limit: UseLimit | None = Field(
        default=None, description="Uses per customer (by email or account); none = no limit"
    )
    is_active: StrictBool = True


class CouponUpdate(_Patch):
    """Only the members given change; null clears a date or a limit."""

    _nullable = frozenset(
        {"starts_at", "ends_at", "usage_limit", "per_customer_limit", "percent_off", "amount_off"}
    )

    code: CouponCode | None = None
    kind: CouponKind | None = None
    percent_off: Percent | None = None
    amount_off: MoneyIn | None = None
    min_spend: MoneyIn | None = None
    starts_at: Moment | None = None
    ends_at: Moment | None = None
    usage_limit: UseLimit | None = None
    per_customer_limit: UseLimit | None = None
    is_active: StrictBool | None = None


class CouponRead(BaseModel):
    id: int
    code: str
    kind: CouponKind
    percent_off: int | None
    amount_off: MoneyRead | None
    min_spend: MoneyRead
    starts_at: datetime | None
    ends_at: datetime | None
    usage_limit: int | None
    per_customer_limit: int | None
    times_used: int
    is_active: bool
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, coupon: Coupon, currency: str) -> CouponRead:
        kind = CouponKind(coupon.kind)
        return cls(
            id=coupon.id,
            code=coupon.code,
            kind=kind,
            percent_off=coupon.value if kind is CouponKind.PERCENTAGE else None,
            amount_off=money(coupon.value, currency) if kind is CouponKind.FIXED else None,
            min_spend=money(coupon.min_spend_amount, currency),
            starts_at=coupon.starts_at,
            ends_at=coupon.ends_at,
            usage_limit=coupon.usage_limit,
            per_customer_limit=coupon.per_customer_limit,
            times_used=coupon.times_used,
            is_active=coupon.is_active,
            created_at=coupon.created_at,
            updated_at=coupon.updated_at,
        )


class CouponPage(BaseModel):
    items: list[CouponRead]
    total: int
    page: int
    page_size: int


# --- shipping methods -----------------------------------------------------------------------


class ShippingMethodCreate(_Input):
    code: ShippingCode
    name: Name
    price: MoneyIn
    free_over: MoneyIn | None = Field(
        default=None, description="Free when the discounted subtotal reaches this; none = never"
    )
    is_active: StrictBool = True
    position: Position = 0


class ShippingMethodUpdate(_Patch):
    """Only the members given change; `free_over: null` makes the method never free. The code
    is fixed (orders refer to it): create a new method instead."""

    _nullable = frozenset({"free_over"})

    name: Name | None = None
    price: MoneyIn | None = None
    free_over: MoneyIn | None = None
    is_active: StrictBool | None = None
    position: Position | None = None


class ShippingMethodPublicRead(BaseModel):
    code: str
    name: str
    price: MoneyRead
    free_over: MoneyRead | None

    @classmethod
    def of(cls, method: ShippingMethod, currency: str) -> ShippingMethodPublicRead:
        free_over = method.free_over_amount
        return cls(
            code=method.code,
            name=method.name,
            price=money(method.price_amount, currency),
            free_over=None if free_over is None else money(free_over, currency),
        )


class ShippingMethodRead(ShippingMethodPublicRead):
    id: int
    is_active: bool
    position: int
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, method: ShippingMethod, currency: str) -> ShippingMethodRead:
        return cls(
            **ShippingMethodPublicRead.of(method, currency).model_dump(),
            id=method.id,
            is_active=method.is_active,
            position=method.position,
            created_at=method.created_at,
            updated_at=method.updated_at,
        )


# --- tax rates ------------------------------------------------------------------------------


class TaxRateCreate(_Input):
    country: Country
    region: Region = ""
    name: OptionalName = ""
    basis_points: BasisPoints
    applies_to_shipping: StrictBool = False


class TaxRateUpdate(_Patch):
    """Only the members given change. Country and region are fixed: create a new rate instead."""

    name: OptionalName | None = None
    basis_points: BasisPoints | None = None
    applies_to_shipping: StrictBool | None = None


class TaxRateRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    country: str
    region: str
    name: str
    basis_points: int
    applies_to_shipping: bool
    created_at: datetime
    updated_at: datetime
