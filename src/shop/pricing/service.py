"""Pricing at the till: quotes (totals of priced lines), coupon checks, the atomic redemption of a
coupon when an order is placed (and its release on cancellation), shipping methods, tax rates.

Never commits; the caller's transaction keeps or rolls back everything. Rules: docs/pricing.md.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from shop.auth.emails import canonical_login
from shop.kit.clock import utcnow
from shop.models.pricing import Coupon, CouponKind, ShippingMethod, TaxRate
from shop.pricing import repository as repo
from shop.pricing.calculator import (
    NO_TAX,
    CouponTerms,
    PricedLine,
    ShippingTerms,
    TaxTerms,
    Totals,
    calculate,
)
from shop.pricing.errors import CouponRejected, ShippingMethodUnavailable

MAX_CODE_LENGTH = 40


@dataclass(frozen=True, slots=True)
class Quote:
    """The totals and what they were computed from (the checkout snapshots the codes)."""

    totals: Totals
    coupon: Coupon | None
    shipping_method: ShippingMethod
    tax_rate: TaxRate | None  # None only if every rate, the default too, was removed: no tax


async def quote(
    session: AsyncSession,
    *,
    lines: Sequence[PricedLine],
    coupon_code: str | None,
    shipping_method: str,
    country: str,
    region: str | None,
    email: str | None,
    user_id: int | None,
    now: datetime | None = None,
) -> Quote:
    """Totals for `lines` shipped to (country, region); raises CouponRejected or
    ShippingMethodUnavailable when the coupon or the method cannot be used."""
    method = await get_active_shipping_method(session, shipping_method)
    coupon = None
    if coupon_code is not None and coupon_code.strip():
        subtotal = sum(line.amount for line in lines)
        coupon = await check_coupon(
            session, coupon_code, subtotal=subtotal, email=email, user_id=user_id, now=now
        )
    rate = await resolve_tax_rate(session, country=country, region=region)
    totals = calculate(
        lines,
        coupon=None if coupon is None else coupon_terms(coupon),
        shipping=ShippingTerms(price=method.price_amount, free_over=method.free_over_amount),
        tax=NO_TAX
        if rate is None
        else TaxTerms(basis_points=rate.basis_points, applies_to_shipping=rate.applies_to_shipping),
    )
    return Quote(totals=totals, coupon=coupon, shipping_method=method, tax_rate=rate)


def coupon_terms(coupon: Coupon) -> CouponTerms:
    return CouponTerms(kind=CouponKind(coupon.kind), value=coupon.value)


# --- coupons --------------------------------------------------------------------------------


def normalize_coupon_code(code: str) -> str:
    return code.strip().upper()


async def check_coupon(
    session: AsyncSession,
    code: str,
    *,
    subtotal: int,
    email: str | None,
    user_id: int | None,
    now: datetime | None = None,
) -> Coupon:
    """The coupon of `code` if it can be used on a cart of `subtotal` (before discounts) by this
    customer now; else CouponRejected. The limits are checked again, atomically, by
    `redeem_coupon` when the order is placed."""
    coupon = await _usable_coupon(session, code, now=now or utcnow())
    if coupon.usage_limit is not None and coupon.times_used >= coupon.usage_limit:
        raise _used_up(coupon)
    await _check_customer_limit(session, coupon, email=email, user_id=user_id)
    if subtotal < coupon.min_spend_amount:
        raise CouponRejected(
            "min_spend_not_met",
            f"the coupon '{coupon.code}' needs a subtotal of at least "
            f"{_major(coupon.min_spend_amount)} before discounts; add "
            f"{_major(coupon.min_spend_amount - subtotal)} more to use it",
            min_spend_amount=coupon.min_spend_amount,
            shortfall_amount=coupon.min_spend_amount - subtotal,
        )
    return coupon


async def redeem_coupon(
    session: AsyncSession,
    *,
    code: str,
    order_id: int,
    email: str,
    user_id: int | None,
    now: datetime | None = None,
) -> None:
    """Use the coupon for an order being placed, within the caller's transaction.

    The total limit is taken with one conditional UPDATE (which also serializes concurrent
    redemptions of this coupon), then the per-customer limit is counted, then the redemption is
    recorded. On CouponRejected the caller must roll back: the UPDATE may already have run."""
    moment = now or utcnow()
    coupon = await _usable_coupon(session, code, now=moment)
    if not await repo.take_coupon_use(session, coupon):
        raise _used_up(coupon)
    customer_email = canonical_login(email)
    await _check_customer_limit(session, coupon, email=customer_email, user_id=user_id)
    await repo.add_redemption(
        session,
        coupon_id=coupon.id,
        order_id=order_id,
        email=customer_email,
        user_id=user_id,
        created_at=moment,
    )


async def release_coupon(session: AsyncSession, *, order_id: int) -> bool:
    """Give a cancelled order's coupon use back (to the total and the per-customer limit).

    Returns False when the order used no coupon (or it was released already)."""
    redemption = await repo.get_redemption_by_order(session, order_id)
    if redemption is None:
        return False
    coupon = await repo.get_coupon(session, redemption.coupon_id)
    if coupon is not None:
        await repo.give_back_coupon_use(session, coupon)
    await repo.delete_redemption(session, redemption)
    return True


async def _usable_coupon(session: AsyncSession, code: str, *, now: datetime) -> Coupon:
    normalized = normalize_coupon_code(code)
    coupon = None
    if 0 < len(normalized) <= MAX_CODE_LENGTH:
        coupon = await repo.get_coupon_by_code(session, normalized)
    if coupon is None:
        raise CouponRejected(
            "coupon_not_found",
            f"there is no coupon '{normalized[:MAX_CODE_LENGTH]}'; check the code and try again",
        )
    if not coupon.is_active:
        raise CouponRejected("coupon_inactive", f"the coupon '{coupon.code}' is no longer offered")
    if coupon.starts_at is not None and now < coupon.starts_at:
        raise CouponRejected(
            "coupon_not_started",
            f"the coupon '{coupon.code}' can be used from {coupon.starts_at.isoformat()}",
            starts_at=coupon.starts_at.isoformat(),
        )
    if coupon.ends_at is not None and now >= coupon.ends_at:
        raise CouponRejected(
            "coupon_expired",
            f"the coupon '{coupon.code}' expired at {coupon.ends_at.isoformat()}",
            ends_at=coupon.ends_at.isoformat(),
        )
    return coupon


async def _check_customer_limit(
    session: AsyncSession, coupon: Coupon, *, email: str | None, user_id: int | None
) -> None:
    if coupon.per_customer_limit is None:
        return
    used = await repo.count_customer_redemptions(
        session,
        coupon.id,
        email=None if email is None else canonical_login(email),
        user_id=user_id,
    )
    if used >= coupon.per_customer_limit:
        raise CouponRejected(
            "customer_usage_limit_reached",
            f"the coupon '{coupon.code}' can be used {coupon.per_customer_limit} time(s) per "
            "customer, and you have used it up",
            per_customer_limit=coupon.per_customer_limit,
        )


def _used_up(coupon: Coupon) -> CouponRejected:
    return CouponRejected(
        "usage_limit_reached",
        f"the coupon '{coupon.code}' has been used the most times it may be; it is no longer "
        "available",
        usage_limit=coupon.usage_limit,
    )


def _major(amount: int) -> str:
    """Minor units as a two-decimal amount for messages: 5000 -> '50.00'."""
    units, cents = divmod(amount, 100)
    return f"{units:,}.{cents:02d}"


# --- shipping and tax -----------------------------------------------------------------------


async def list_shipping_methods(
    session: AsyncSession, *, active_only: bool = True
) -> Sequence[ShippingMethod]:
    """In display order (position, then id)."""
    return await repo.list_shipping_methods(session, active_only=active_only)


async def get_active_shipping_method(session: AsyncSession, code: str) -> ShippingMethod:
    normalized = code.strip().lower()
    method = None
    if 0 < len(normalized) <= MAX_CODE_LENGTH:
        method = await repo.get_shipping_method_by_code(session, normalized)
    if method is None or not method.is_active:
        offered = [m.code for m in await repo.list_shipping_methods(session, active_only=True)]
        raise ShippingMethodUnavailable(
            f"the shipping method '{normalized[:MAX_CODE_LENGTH]}' is not offered; choose one "
            f"of: {', '.join(offered) or 'none is configured'}",
            available=offered,
        )
    return method


async def resolve_tax_rate(
    session: AsyncSession, *, country: str, region: str | None
) -> TaxRate | None:
    """The most specific rate: (country, region), else (country, ''), else the default ('*', '').

    Country and region are matched case-insensitively."""
    country_code = country.strip().upper()
    region_code = (region or "").strip().upper()
    candidates = await repo.tax_rate_candidates(session, country_code, region_code)

    def specificity(rate: TaxRate) -> int:
        if rate.country == "*":
            return 0
        return 2 if rate.region else 1

    return max(candidates, key=specificity, default=None)
