"""Back-office management of coupons, shipping methods and tax rates. Never commits.

Deleting keeps history intact: a coupon that was ever used and a shipping method that an order
names are deactivated instead of deleted (the caller learns which). Tax rates are deleted, except
the default rate ('*', ''), which every address falls back to.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from shop.errors import NotFound
from shop.kit.money import MoneyIn
from shop.kit.pagination import PageRequest
from shop.models.pricing import Coupon, CouponKind, ShippingMethod, TaxRate
from shop.pricing import repository as repo
from shop.pricing.errors import (
    CouponCodeTaken,
    DefaultTaxRateRequired,
    ShippingMethodCodeTaken,
    TaxRateExists,
    invalid_fields,
)
from shop.pricing.schemas import (
    CouponCreate,
    CouponUpdate,
    ShippingMethodCreate,
    ShippingMethodUpdate,
    TaxRateCreate,
    TaxRateUpdate,
)

DEFAULT_COUNTRY = "*"

# --- coupons --------------------------------------------------------------------------------


async def list_coupons(session: AsyncSession, page: PageRequest) -> tuple[Sequence[Coupon], int]:
    """Newest first, and how many there are in all."""
    return await repo.list_coupons(session, page)


async def get_coupon(session: AsyncSession, coupon_id: int) -> Coupon:
    coupon = await repo.get_coupon(session, coupon_id)
    if coupon is None:
        raise NotFound(f"there is no coupon with id {coupon_id}")
    return coupon


async def create_coupon(session: AsyncSession, data: CouponCreate, *, currency: str) -> Coupon:
    errors: list[tuple[str, str]] = []
    value = _coupon_value(
        errors,
        data.kind,
        percent_off=data.percent_off,
        amount_off=_amount(errors, "amount_off", data.amount_off, currency),
    )
    min_spend = _amount(errors, "min_spend", data.min_spend, currency) or 0
    _check_dates(errors, data.starts_at, data.ends_at)
    if errors:
        raise invalid_fields(errors)
    if await repo.coupon_code_exists(session, data.code, except_id=None):
        raise _code_taken(data.code)
    coupon = Coupon(
        code=data.code,
        kind=data.kind,
        value=value,
        min_spend_amount=min_spend,
        starts_at=data.starts_at,
        ends_at=data.ends_at,
        usage_limit=data.usage_limit,
        per_customer_limit=data.per_customer_limit,
        times_used=0,
        is_active=data.is_active,
    )
    await repo.add(session, coupon)
    return coupon


async def update_coupon(
    session: AsyncSession, coupon_id: int, data: CouponUpdate, *, currency: str
) -> Coupon:
    """Apply the members given; the result must be a valid coupon as a whole."""
    coupon = await get_coupon(session, coupon_id)
    given = data.model_fields_set
    errors: list[tuple[str, str]] = []
    old_kind = CouponKind(coupon.kind)
    kind = data.kind if data.kind is not None else old_kind
    # The stored value carries over only while the kind stays the same.
    percent_off = (
        data.percent_off
        if "percent_off" in given
        else (coupon.value if old_kind is kind is CouponKind.PERCENTAGE else None)
    )
    amount_off = (
        _amount(errors, "amount_off", data.amount_off, currency)
        if "amount_off" in given
        else (coupon.value if old_kind is kind is CouponKind.FIXED else None)
    )
    value = _coupon_value(errors, kind, percent_off=percent_off, amount_off=amount_off)
    min_spend = _amount(errors, "min_spend", data.min_spend, currency)
    starts_at = data.starts_at if "starts_at" in given else coupon.starts_at
    ends_at = data.ends_at if "ends_at" in given else coupon.ends_at
    _check_dates(errors, starts_at, ends_at)
    usage_limit = data.usage_limit if "usage_limit" in given else coupon.usage_limit
    if usage_limit is not None and usage_limit < coupon.times_used:
        errors.append(
            ("usage_limit", f"must be at least {coupon.times_used}, the times it was used so far")
        )
    if errors:
        raise invalid_fields(errors)
    if data.code is not None and data.code != coupon.code:
        if await repo.coupon_code_exists(session, data.code, except_id=coupon.id):
            raise _code_taken(data.code)
        coupon.code = data.code
    coupon.kind = kind
    coupon.value = value
    if min_spend is not None:
        coupon.min_spend_amount = min_spend
    coupon.starts_at = starts_at
    coupon.ends_at = ends_at
    coupon.usage_limit = usage_limit
    if "per_customer_limit" in given:
        coupon.per_customer_limit = data.per_customer_limit
    if data.is_active is not None:
        coupon.is_active = data.is_active
    await session.flush()
    return coupon


async def delete_coupon(session: AsyncSession, coupon_id: int) -> Coupon | None:
    """Delete a coupon that was never used (None); deactivate a used one (returned) so that its
    orders and redemptions keep their history."""
    coupon = await get_coupon(session, coupon_id)
    if coupon.times_used > 0 or await repo.coupon_was_redeemed(session, coupon.id):
        coupon.is_active = False
        await session.flush()
        return coupon
    await repo.remove(session, coupon)
    return None


def _coupon_value(
    errors: list[tuple[str, str]],
    kind: CouponKind,
    *,
    percent_off: int | None,
    amount_off: int | None,
) -> int:
    if kind is CouponKind.PERCENTAGE:
        if percent_off is None:
            errors.append(("percent_off", "is required for a percentage coupon (1-100)"))
        if amount_off is not None:
            errors.append(("amount_off", "applies to fixed coupons only; leave it out"))
        return percent_off or 0
    if kind is CouponKind.FIXED:
        if amount_off is None:
            errors.append(("amount_off", "is required for a fixed coupon"))
        elif amount_off < 1:
            errors.append(("amount_off.amount", "must be at least 1"))
        if percent_off is not None:
            errors.append(("percent_off", "applies to percentage coupons only; leave it out"))
        return amount_off or 0
    for field, given in (("percent_off", percent_off), ("amount_off", amount_off)):
        if given is not None:
            errors.append((field, "a free-shipping coupon takes no value; leave it out"))
    return 0


def _check_dates(
    errors: list[tuple[str, str]], starts_at: datetime | None, ends_at: datetime | None
) -> None:
    if starts_at is not None and ends_at is not None and ends_at <= starts_at:
        errors.append(("ends_at", "must be after starts_at"))


def _code_taken(code: str) -> CouponCodeTaken:
    return CouponCodeTaken(
        f"a coupon with the code '{code}' exists already (codes ignore case); choose another"
    )


# --- shipping methods -----------------------------------------------------------------------


async def list_shipping_methods(session: AsyncSession) -> Sequence[ShippingMethod]:
    """All of them, inactive ones too, in display order."""
    return await repo.list_shipping_methods(session, active_only=False)


async def get_shipping_method(session: AsyncSession, method_id: int) -> ShippingMethod:
    method = await repo.get_shipping_method(session, method_id)
    if method is None:
        raise NotFound(f"there is no shipping method with id {method_id}")
    return method


async def create_shipping_method(
    session: AsyncSession, data: ShippingMethodCreate, *, currency: str
) -> ShippingMethod:
    errors: list[tuple[str, str]] = []
    price = _amount(errors, "price", data.price, currency)
    free_over = _amount(errors, "free_over", data.free_over, currency)
    if errors:
        raise invalid_fields(errors)
    if await repo.get_shipping_method_by_code(session, data.code) is not None:
        raise ShippingMethodCodeTaken(
            f"a shipping method with the code '{data.code}' exists already; choose another"
        )
    method = ShippingMethod(
        code=data.code,
        name=data.name,
        price_amount=price,
        free_over_amount=free_over,
        is_active=data.is_active,
        position=data.position,
    )
    await repo.add(session, method)
    return method


async def update_shipping_method(
    session: AsyncSession, method_id: int, data: ShippingMethodUpdate, *, currency: str
) -> ShippingMethod:
    method = await get_shipping_method(session, method_id)
    given = data.model_fields_set
    errors: list[tuple[str, str]] = []
    price = _amount(errors, "price", data.price, currency)
    free_over = _amount(errors, "free_over", data.free_over, currency)
    if errors:
        raise invalid_fields(errors)
    if data.name is not None:
        method.name = data.name
    if price is not None:
        method.price_amount = price
    if "free_over" in given:
        method.free_over_amount = free_over
    if data.is_active is not None:
        method.is_active = data.is_active
    if data.position is not None:
        method.position = data.position
    await session.flush()
    return method


async def delete_shipping_method(session: AsyncSession, method_id: int) -> ShippingMethod | None:
    """Delete a method no order names (None); deactivate one that an order names (returned)."""
    method = await get_shipping_method(session, method_id)
    if await repo.shipping_method_was_used(session, method.code):
        method.is_active = False
        await session.flush()
        return method
    await repo.remove(session, method)
    return None


# --- tax rates ------------------------------------------------------------------------------


async def list_tax_rates(session: AsyncSession) -> Sequence[TaxRate]:
    """Ordered by country then region; the default ('*') comes first."""
    return await repo.list_tax_rates(session)


async def get_tax_rate(session: AsyncSession, rate_id: int) -> TaxRate:
    rate = await repo.get_tax_rate(session, rate_id)
    if rate is None:
        raise NotFound(f"there is no tax rate with id {rate_id}")
    return rate


async def create_tax_rate(session: AsyncSession, data: TaxRateCreate) -> TaxRate:
    if data.country == DEFAULT_COUNTRY and data.region:
        raise invalid_fields([("region", "the default rate ('*') covers no region; send ''")])
    if await repo.tax_rate_exists(session, data.country, data.region):
        where = f"{data.country}/{data.region}" if data.region else data.country
        raise TaxRateExists(
            f"a tax rate for {where} exists already; change that one (PATCH) instead"
        )
    rate = TaxRate(
        country=data.country,
        region=data.region,
        name=data.name,
        basis_points=data.basis_points,
        applies_to_shipping=data.applies_to_shipping,
    )
    await repo.add(session, rate)
    return rate


async def update_tax_rate(session: AsyncSession, rate_id: int, data: TaxRateUpdate) -> TaxRate:
    rate = await get_tax_rate(session, rate_id)
    if data.name is not None:
        rate.name = data.name
    if data.basis_points is not None:
        rate.basis_points = data.basis_points
    if data.applies_to_shipping is not None:
        rate.applies_to_shipping = data.applies_to_shipping
    await session.flush()
    return rate


async def delete_tax_rate(session: AsyncSession, rate_id: int) -> None:
    rate = await get_tax_rate(session, rate_id)
    if rate.country == DEFAULT_COUNTRY and rate.region == "":
        raise DefaultTaxRateRequired(
            "the default tax rate ('*') applies wherever no other rate does and cannot be "
            "deleted; set its basis_points to 0 for no tax"
        )
    await repo.remove(session, rate)


# --- shared ---------------------------------------------------------------------------------


def _amount(
    errors: list[tuple[str, str]], field: str, money: MoneyIn | None, currency: str
) -> int | None:
    if money is None:
        return None
    if money.currency != currency:
        errors.append(
            (f"{field}.currency", f"is {money.currency} but the store sells in {currency}")
        )
    return money.amount
