"""Every SQL statement of pricing: coupons and their redemptions, shipping methods, tax rates."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import exists, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from shop.kit.pagination import PageRequest
from shop.models.orders import Order
from shop.models.pricing import Coupon, CouponRedemption, ShippingMethod, TaxRate

# --- coupons --------------------------------------------------------------------------------


async def get_coupon(session: AsyncSession, coupon_id: int) -> Coupon | None:
    return await session.get(Coupon, coupon_id)


async def get_coupon_by_code(session: AsyncSession, code: str) -> Coupon | None:
    result = await session.execute(select(Coupon).where(Coupon.code == code))
    return result.scalar_one_or_none()


async def coupon_code_exists(session: AsyncSession, code: str, *, except_id: int | None) -> bool:
    query = select(exists().where(Coupon.code == code))
    if except_id is not None:
        query = select(exists().where(Coupon.code == code, Coupon.id != except_id))
    return bool(await session.scalar(query))


async def list_coupons(session: AsyncSession, page: PageRequest) -> tuple[Sequence[Coupon], int]:
    total = await session.scalar(select(func.count()).select_from(Coupon))
    result = await session.execute(
        select(Coupon).order_by(Coupon.id.desc()).offset(page.offset).limit(page.limit)
    )
    return result.scalars().all(), int(total or 0)


async def take_coupon_use(session: AsyncSession, coupon: Coupon) -> bool:
    """Count one use if the limit allows it, in one conditional UPDATE.

    On PostgreSQL the UPDATE locks the row until the transaction ends and re-checks the condition
    against the latest committed version, so concurrent takers are serialized; SQLite write
    transactions are IMMEDIATE, so they are serialized before they start."""
    result = await session.execute(
        update(Coupon)
        .where(
            Coupon.id == coupon.id,
            or_(Coupon.usage_limit.is_(None), Coupon.times_used < Coupon.usage_limit),
        )
        .values(times_used=Coupon.times_used + 1)
        .returning(Coupon.times_used)
        .execution_options(synchronize_session=False)
    )
    times_used = result.scalar_one_or_none()
    if times_used is None:
        return False
    set_committed_value(coupon, "times_used", times_used)
    return True


async def give_back_coupon_use(session: AsyncSession, coupon: Coupon) -> None:
    result = await session.execute(
        update(Coupon)
        .where(Coupon.id == coupon.id, Coupon.times_used > 0)
        .values(times_used=Coupon.times_used - 1)
        .returning(Coupon.times_used)
        .execution_options(synchronize_session=False)
    )
    times_used = result.scalar_one_or_none()
    if times_used is not None:
        set_committed_value(coupon, "times_used", times_used)


async def count_customer_redemptions(
    session: AsyncSession, coupon_id: int, *, email: str | None, user_id: int | None
) -> int:
    who = []
    if email is not None:
        who.append(CouponRedemption.email == email)
    if user_id is not None:
        who.append(CouponRedemption.user_id == user_id)
    if not who:
        return 0
    count = await session.scalar(
        select(func.count())
        .select_from(CouponRedemption)
        .where(CouponRedemption.coupon_id == coupon_id, or_(*who))
    )
    return int(count or 0)


async def add_redemption(
    session: AsyncSession,
    *,
    coupon_id: int,
    order_id: int,
    email: str,
    user_id: int | None,
    created_at: datetime,
) -> CouponRedemption:
    redemption = CouponRedemption(
        coupon_id=coupon_id, order_id=order_id, email=email, user_id=user_id, created_at=created_at
    )
    session.add(redemption)
    await session.flush()
    return redemption


async def get_redemption_by_order(session: AsyncSession, order_id: int) -> CouponRedemption | None:
    result = await session.execute(
        select(CouponRedemption).where(CouponRedemption.order_id == order_id)
    )
    return result.scalar_one_or_none()


async def delete_redemption(session: AsyncSession, redemption: CouponRedemption) -> None:
    await session.delete(redemption)
    await session.flush()


async def coupon_was_redeemed(session: AsyncSession, coupon_id: int) -> bool:
    query = select(exists().where(CouponRedemption.coupon_id == coupon_id))
    return bool(await session.scalar(query))


# --- shipping methods -----------------------------------------------------------------------


async def list_shipping_methods(
    session: AsyncSession, *, active_only: bool
) -> Sequence[ShippingMethod]:
    query = select(ShippingMethod).order_by(ShippingMethod.position, ShippingMethod.id)
    if active_only:
        query = query.where(ShippingMethod.is_active.is_(True))
    return (await session.execute(query)).scalars().all()


async def get_shipping_method(session: AsyncSession, method_id: int) -> ShippingMethod | None:
    return await session.get(ShippingMethod, method_id)


async def get_shipping_method_by_code(session: AsyncSession, code: str) -> ShippingMethod | None:
    result = await session.execute(select(ShippingMethod).where(ShippingMethod.code == code))
    return result.scalar_one_or_none()


async def shipping_method_was_used(session: AsyncSession, code: str) -> bool:
    # Orders keep the method's code as a snapshot (no foreign key).
    return bool(await session.scalar(select(exists().where(Order.shipping_method == code))))


# --- tax rates ------------------------------------------------------------------------------


async def list_tax_rates(session: AsyncSession) -> Sequence[TaxRate]:
    result = await session.execute(select(TaxRate).order_by(TaxRate.country, TaxRate.region))
    return result.scalars().all()


async def get_tax_rate(session: AsyncSession, rate_id: int) -> TaxRate | None:
    return await session.get(TaxRate, rate_id)


async def tax_rate_exists(session: AsyncSession, country: str, region: str) -> bool:
    query = select(exists().where(TaxRate.country == country, TaxRate.region == region))
    return bool(await session.scalar(query))


async def tax_rate_candidates(
    session: AsyncSession, country: str, region: str
) -> Sequence[TaxRate]:
    """The rates that may apply to an address: its region's, its country's, the default."""
    result = await session.execute(
        select(TaxRate).where(
            or_(
                (TaxRate.country == country) & TaxRate.region.in_([region, ""]),
                (TaxRate.country == "*") & (TaxRate.region == ""),
            )
        )
    )
    return result.scalars().all()


# --- shared ---------------------------------------------------------------------------------


async def add(session: AsyncSession, row: Coupon | ShippingMethod | TaxRate) -> None:
    session.add(row)
    await session.flush()


async def remove(session: AsyncSession, row: Coupon | ShippingMethod | TaxRate) -> None:
    await session.delete(row)
    await session.flush()
