"""The totals calculator: pure functions from priced lines and terms to totals (no DB, no I/O).

Every amount is an int of minor units. The rules, with worked examples, are in docs/pricing.md.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from shop.kit.money import round_half_even
from shop.models.pricing import CouponKind

BASIS_POINTS = 10_000


@dataclass(frozen=True, slots=True)
class PricedLine:
    variant_id: int
    unit_price: int
    quantity: int

    def __post_init__(self) -> None:
        if self.unit_price < 0:
            raise ValueError("unit_price must not be negative")
        if self.quantity < 1:
            raise ValueError("quantity must be at least 1")

    @property
    def amount(self) -> int:
        return self.unit_price * self.quantity


@dataclass(frozen=True, slots=True)
class CouponTerms:
    """What a coupon does: percentage (value = percent), fixed (value = minor units off the
    subtotal) or free shipping (value unused)."""

    kind: CouponKind
    value: int = 0

    def __post_init__(self) -> None:
        if self.kind is CouponKind.PERCENTAGE and not 1 <= self.value <= 100:
            raise ValueError("a percentage coupon takes 1 to 100 percent")
        if self.value < 0:
            raise ValueError("a coupon's value must not be negative")


@dataclass(frozen=True, slots=True)
class ShippingTerms:
    price: int
    free_over: int | None = None  # free when the discounted subtotal reaches it

    def __post_init__(self) -> None:
        if self.price < 0 or (self.free_over is not None and self.free_over < 0):
            raise ValueError("shipping amounts must not be negative")


@dataclass(frozen=True, slots=True)
class TaxTerms:
    basis_points: int  # 800 = 8%
    applies_to_shipping: bool = False

    def __post_init__(self) -> None:
        if not 0 <= self.basis_points <= BASIS_POINTS:
            raise ValueError("a tax rate is 0 to 10000 basis points")


NO_TAX = TaxTerms(basis_points=0)


@dataclass(frozen=True, slots=True)
class LineTotals:
    variant_id: int
    amount: int  # unit_price * quantity
    discount: int
    tax: int
    total: int  # amount - discount + tax


@dataclass(frozen=True, slots=True)
class Totals:
    lines: tuple[LineTotals, ...]
    subtotal: int
    discount: int
    shipping: int
    shipping_tax: int  # part of `tax`; 0 unless the rate applies to shipping
    tax: int  # the lines' taxes plus shipping_tax
    total: int


def calculate(
    lines: Sequence[PricedLine],
    *,
    shipping: ShippingTerms,
    tax: TaxTerms = NO_TAX,
    coupon: CouponTerms | None = None,
) -> Totals:
    amounts = [line.amount for line in lines]
    subtotal = sum(amounts)
    discount = coupon_discount(subtotal, coupon)
    discounts = spread(discount, amounts)
    shipping_amount = shipping_price(shipping, subtotal - discount, coupon)
    line_taxes = [
        percent_of(a - d, tax.basis_points) for a, d in zip(amounts, discounts, strict=True)
    ]
    shipping_tax = percent_of(shipping_amount, tax.basis_points) if tax.applies_to_shipping else 0
    total_tax = sum(line_taxes) + shipping_tax
    return Totals(
        lines=tuple(
            LineTotals(
                variant_id=line.variant_id,
                amount=amount,
                discount=line_discount,
                tax=line_tax,
                total=amount - line_discount + line_tax,
            )
            for line, amount, line_discount, line_tax in zip(
                lines, amounts, discounts, line_taxes, strict=True
            )
        ),
        subtotal=subtotal,
        discount=discount,
        shipping=shipping_amount,
        shipping_tax=shipping_tax,
        tax=total_tax,
        # Never negative: the discount is capped at the subtotal and nothing else subtracts.
        total=subtotal - discount + shipping_amount + total_tax,
    )


def coupon_discount(subtotal: int, coupon: CouponTerms | None) -> int:
    if coupon is None or coupon.kind is CouponKind.FREE_SHIPPING:
        return 0
    if coupon.kind is CouponKind.PERCENTAGE:
        return round_half_even(Decimal(subtotal) * coupon.value / 100)
    return min(coupon.value, subtotal)


def shipping_price(
    terms: ShippingTerms, discounted_subtotal: int, coupon: CouponTerms | None
) -> int:
    if coupon is not None and coupon.kind is CouponKind.FREE_SHIPPING:
        return 0
    if terms.free_over is not None and discounted_subtotal >= terms.free_over:
        return 0
    return terms.price


def percent_of(amount: int, basis_points: int) -> int:
    return round_half_even(Decimal(amount) * basis_points / BASIS_POINTS)


def spread(total: int, amounts: Sequence[int]) -> list[int]:
    """Split `total` (0 <= total <= sum(amounts)) over `amounts` in proportion, each share rounded
    half-even, the rounding remainder on the largest amount (ties: the first).

    A share never exceeds its amount nor drops below zero: on tiny lines the remainder can be
    larger than what the largest line can take (e.g. 2 over five lines of 1 rounds every share
    to 0), and then the rest moves on to the next largest line, and so on.
    """
    whole = sum(amounts)
    if not 0 <= total <= whole:
        raise ValueError("the amount to spread must be between 0 and the sum of the amounts")
    if total == 0:
        return [0] * len(amounts)
    shares = [round_half_even(Decimal(total) * amount / whole) for amount in amounts]
    remainder = total - sum(shares)
    # Largest first; sorted() is stable, so equal amounts keep their order (the first wins).
    for index in sorted(range(len(amounts)), key=lambda i: -amounts[i]):
        if remainder == 0:
            break
        if remainder > 0:
            moved = min(remainder, amounts[index] - shares[index])
        else:
            moved = -min(-remainder, shares[index])
        shares[index] += moved
        remainder -= moved
    return shares
