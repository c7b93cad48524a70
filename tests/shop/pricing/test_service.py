"""Pricing service on both databases: quotes, coupon checks, redemption (and its races), tax."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from shop.db.session import Database
from shop.models.pricing import Coupon, CouponKind, CouponRedemption, TaxRate
from shop.pricing import service
from shop.pricing.calculator import PricedLine
from shop.pricing.errors import CouponRejected, ShippingMethodUnavailable
from tests.builders.accounts import create_user
from tests.builders.pricing import (
    create_coupon,
    create_order_row,
    create_shipping_method,
    create_tax_rate,
)

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
LINES = [PricedLine(1, 1999, 1), PricedLine(2, 2999, 1), PricedLine(3, 1099, 2)]  # 7196


async def _redemptions(session: AsyncSession, coupon_id: int) -> int:
    count = await session.scalar(
        select(func.count())
        .select_from(CouponRedemption)
        .where(CouponRedemption.coupon_id == coupon_id)
    )
    return int(count or 0)


async def _times_used(session: AsyncSession, coupon_id: int) -> int:
    return int(await session.scalar(select(Coupon.times_used).where(Coupon.id == coupon_id)) or 0)


class TestQuote:
    async def test_defaults_from_the_migration(self, session: AsyncSession) -> None:
        # standard 999 free from 5000; default tax 8% ('*'); 15% off.
        await create_coupon(session, code="FIFTEEN", value=15)
        quote = await service.quote(
            session,
            lines=LINES,
            coupon_code="fifteen",
            shipping_method="standard",
            country="US",
            region="CA",
            email=None,
            user_id=None,
            now=NOW,
        )
        totals = quote.totals
        assert (totals.subtotal, totals.discount, totals.shipping, totals.tax, totals.total) == (
            7196,
            1079,
            0,
            489,
            6606,
        )
        assert [line.discount for line in totals.lines] == [300, 449, 330]
        assert quote.coupon is not None
        assert quote.coupon.code == "FIFTEEN"
        assert quote.shipping_method.code == "standard"
        assert quote.tax_rate is not None
        assert quote.tax_rate.country == "*"

    async def test_without_coupon(self, session: AsyncSession) -> None:
        quote = await service.quote(
            session,
            lines=[PricedLine(1, 1000, 1)],
            coupon_code=None,
            shipping_method="express",
            country="US",
            region=None,
            email=None,
            user_id=None,
        )
        assert (quote.totals.shipping, quote.totals.tax, quote.totals.total) == (1999, 80, 3079)
        assert quote.coupon is None

    async def test_blank_coupon_code_is_no_coupon(self, session: AsyncSession) -> None:
        quote = await service.quote(
            session,
            lines=[PricedLine(1, 1000, 1)],
            coupon_code="  ",
            shipping_method="express",
            country="US",
            region=None,
            email=None,
            user_id=None,
        )
        assert quote.coupon is None
        assert quote.totals.discount == 0

    async def test_shipping_taxed_by_a_regional_rate(self, session: AsyncSession) -> None:
        await create_tax_rate(
            session, country="US", region="NY", basis_points=1000, applies_to_shipping=True
        )
        quote = await service.quote(
            session,
            lines=[PricedLine(1, 1000, 1)],
            coupon_code=None,
            shipping_method="express",
            country="us",
            region="ny",
            email=None,
            user_id=None,
        )
        # 10% of 1000 and of 1999 (199.9 -> 200).
        assert (quote.totals.shipping_tax, quote.totals.tax, quote.totals.total) == (
            200,
            300,
            1000 + 1999 + 300,
        )

    async def test_free_shipping_coupon(self, session: AsyncSession) -> None:
        await create_coupon(session, code="SHIPFREE", kind=CouponKind.FREE_SHIPPING)
        quote = await service.quote(
            session,
            lines=[PricedLine(1, 1000, 1)],
            coupon_code="SHIPFREE",
            shipping_method="overnight",
            country="US",
            region=None,
            email=None,
            user_id=None,
        )
        assert (quote.totals.shipping, quote.totals.discount, quote.totals.total) == (0, 0, 1080)

    async def test_unknown_shipping_method(self, session: AsyncSession) -> None:
        with pytest.raises(ShippingMethodUnavailable) as caught:
            await service.quote(
                session,
                lines=LINES,
                coupon_code=None,
                shipping_method="teleport",
                country="US",
                region=None,
                email=None,
                user_id=None,
            )
        assert caught.value.code == "shipping_method_unavailable"
        assert caught.value.status == 422
        assert caught.value.extra == {"available": ["standard", "express", "overnight"]}

    async def test_inactive_shipping_method(self, session: AsyncSession) -> None:
        await create_shipping_method(session, code="pigeon", is_active=False)
        with pytest.raises(ShippingMethodUnavailable):
            await service.quote(
                session,
                lines=LINES,
                coupon_code=None,
                shipping_method="pigeon",
                country="US",
                region=None,
                email=None,
                user_id=None,
            )

    async def test_rejected_coupon(self, session: AsyncSession) -> None:
        with pytest.raises(CouponRejected) as caught:
            await service.quote(
                session,
                lines=LINES,
                coupon_code="NOPE",
                shipping_method="standard",
                country="US",
                region=None,
                email=None,
                user_id=None,
            )
        assert caught.value.code == "coupon_not_found"


class TestCheckCoupon:
    async def check(self, session: AsyncSession, code: str, **options: object) -> Coupon:
        values: dict[str, object] = {"subtotal": 5000, "email": None, "user_id": None, "now": NOW}
        values.update(options)
        return await service.check_coupon(session, code, **values)  # type: ignore[arg-type]

    async def rejected(self, session: AsyncSession, code: str, **options: object) -> CouponRejected:
        with pytest.raises(CouponRejected) as caught:
            await self.check(session, code, **options)
        return caught.value

    async def test_valid(self, session: AsyncSession) -> None:
        coupon = await create_coupon(
            session,
            code="WINTER",
            min_spend_amount=5000,
            starts_at=NOW,
            ends_at=NOW + timedelta(days=1),
            usage_limit=5,
            times_used=4,
            per_customer_limit=1,
        )
        assert await self.check(session, " winter ", email="a@example.com") is coupon

    async def test_not_found(self, session: AsyncSession) -> None:
        error = await self.rejected(session, "MISSING")
        assert (error.code, error.status) == ("coupon_not_found", 422)
        assert error.message == "there is no coupon 'MISSING'; check the code and try again"

    async def test_overlong_code_is_not_found(self, session: AsyncSession) -> None:
        error = await self.rejected(session, "X" * 500)
        assert error.code == "coupon_not_found"

    async def test_inactive(self, session: AsyncSession) -> None:
        await create_coupon(session, code="OLD", is_active=False)
        error = await self.rejected(session, "OLD")
        assert (error.code, error.status) == ("coupon_inactive", 422)

    async def test_not_started(self, session: AsyncSession) -> None:
        await create_coupon(session, code="SOON", starts_at=NOW + timedelta(seconds=1))
        error = await self.rejected(session, "SOON")
        assert (error.code, error.status) == ("coupon_not_started", 422)
        assert error.extra == {"starts_at": "2026-11-26T12:00:01+00:00"}

    async def test_expired_at_its_end(self, session: AsyncSession) -> None:
        await create_coupon(session, code="GONE", ends_at=NOW)
        error = await self.rejected(session, "GONE")
        assert (error.code, error.status) == ("coupon_expired", 422)
        assert error.extra == {"ends_at": "2026-11-26T12:00:00+00:00"}

    async def test_min_spend_not_met(self, session: AsyncSession) -> None:
        await create_coupon(session, code="BIG", min_spend_amount=5000)
        error = await self.rejected(session, "BIG", subtotal=4999)
        assert (error.code, error.status) == ("min_spend_not_met", 422)
        assert error.message == (
            "the coupon 'BIG' needs a subtotal of at least 50.00 before discounts; add 0.01 "
            "more to use it"
        )
        assert error.extra == {"min_spend_amount": 5000, "shortfall_amount": 1}

    async def test_usage_limit_reached(self, session: AsyncSession) -> None:
        await create_coupon(session, code="FIVE", usage_limit=5, times_used=5)
        error = await self.rejected(session, "FIVE")
        assert (error.code, error.status) == ("usage_limit_reached", 409)

    async def test_customer_usage_limit_reached_by_email(self, session: AsyncSession) -> None:
        coupon = await create_coupon(session, code="ONCE", per_customer_limit=1, times_used=1)
        order = await create_order_row(session)
        session.add(
            CouponRedemption(
                coupon_id=coupon.id, order_id=order.id, email="a@example.com", created_at=NOW
            )
        )
        error = await self.rejected(session, "ONCE", email="A@Example.com")
        assert (error.code, error.status) == ("customer_usage_limit_reached", 409)
        # Someone else may still use it.
        assert await self.check(session, "ONCE", email="b@example.com") is coupon

    async def test_customer_usage_limit_reached_by_account(self, session: AsyncSession) -> None:
        user = await create_user(session)
        coupon = await create_coupon(session, code="ONCE", per_customer_limit=1, times_used=1)
        order = await create_order_row(session, user_id=user.id)
        session.add(
            CouponRedemption(
                coupon_id=coupon.id,
                order_id=order.id,
                user_id=user.id,
                email="old@example.com",
                created_at=NOW,
            )
        )
        error = await self.rejected(session, "ONCE", email="new@example.com", user_id=user.id)
        assert error.code == "customer_usage_limit_reached"

    async def test_rejections_in_order(self, session: AsyncSession) -> None:
        # Used up and below the minimum spend: the limit is what the customer cannot change.
        await create_coupon(session, code="BOTH", usage_limit=1, times_used=1, min_spend_amount=9)
        error = await self.rejected(session, "BOTH", subtotal=1)
        assert error.code == "usage_limit_reached"


class TestRedeemCoupon:
    async def test_counts_the_use_and_records_the_redemption(self, session: AsyncSession) -> None:
        user = await create_user(session)
        coupon = await create_coupon(session, code="TEN", usage_limit=2)
        order = await create_order_row(session)
        await service.redeem_coupon(
            session,
            code="ten",
            order_id=order.id,
            email=" Buyer@Example.com",
            user_id=user.id,
            now=NOW,
        )
        assert coupon.times_used == 1
        assert await _times_used(session, coupon.id) == 1
        rows = (await session.execute(select(CouponRedemption))).scalars().all()
        assert [(r.coupon_id, r.order_id, r.email, r.user_id, r.created_at) for r in rows] == [
            (coupon.id, order.id, "buyer@example.com", user.id, NOW)
        ]

    async def test_usage_limit_reached(self, database: Database) -> None:
        async with database.transaction() as session:
            coupon = await create_coupon(session, code="LAST", usage_limit=1, times_used=1)
            order = await create_order_row(session)
        with pytest.raises(CouponRejected) as caught:
            async with database.transaction() as session:
                await service.redeem_coupon(
                    session, code="LAST", order_id=order.id, email="a@example.com", user_id=None
                )
        assert caught.value.code == "usage_limit_reached"
        async with database.read() as session:
            assert await _times_used(session, coupon.id) == 1
            assert await _redemptions(session, coupon.id) == 0

    async def test_customer_limit_rolls_back_the_use(self, database: Database) -> None:
        async with database.transaction() as session:
            coupon = await create_coupon(session, code="ONCE", per_customer_limit=1)
            first, second = await create_order_row(session), await create_order_row(session)
            await service.redeem_coupon(
                session, code="ONCE", order_id=first.id, email="a@example.com", user_id=None
            )
        with pytest.raises(CouponRejected) as caught:
            async with database.transaction() as session:
                await service.redeem_coupon(
                    session, code="ONCE", order_id=second.id, email="A@example.com", user_id=None
                )
        assert (caught.value.code, caught.value.status) == ("customer_usage_limit_reached", 409)
        async with database.read() as session:
            assert await _times_used(session, coupon.id) == 1
            assert await _redemptions(session, coupon.id) == 1

    async def test_expired_since_it_was_quoted(self, session: AsyncSession) -> None:
        coupon = await create_coupon(session, code="LATE", ends_at=NOW)
        order = await create_order_row(session)
        with pytest.raises(CouponRejected) as caught:
            await service.redeem_coupon(
                session,
                code="LATE",
                order_id=order.id,
                email="a@example.com",
                user_id=None,
                now=NOW,
            )
        assert caught.value.code == "coupon_expired"
        assert await _times_used(session, coupon.id) == 0

    async def test_race_usage_limit_of_five_among_twenty(self, database: Database) -> None:
        async with database.transaction() as session:
            coupon = await create_coupon(session, code="RACE5", usage_limit=5)
            orders = [await create_order_row(session) for _ in range(20)]

        async def redeem(index: int) -> str:
            try:
                async with database.transaction() as session:
                    await service.redeem_coupon(
                        session,
                        code="RACE5",
                        order_id=orders[index].id,
                        email=f"buyer{index}@example.com",
                        user_id=None,
                    )
            except CouponRejected as exc:
                return exc.code
            return "redeemed"

        outcomes = await asyncio.gather(*(redeem(i) for i in range(20)))
        assert sorted(outcomes) == ["redeemed"] * 5 + ["usage_limit_reached"] * 15
        async with database.read() as session:
            assert await _times_used(session, coupon.id) == 5
            assert await _redemptions(session, coupon.id) == 5

    async def test_race_per_customer_limit(self, database: Database) -> None:
        async with database.transaction() as session:
            coupon = await create_coupon(session, code="ONCEEACH", per_customer_limit=1)
            orders = [await create_order_row(session) for _ in range(10)]

        async def redeem(index: int) -> str:
            try:
                async with database.transaction() as session:
                    await service.redeem_coupon(
                        session,
                        code="ONCEEACH",
                        order_id=orders[index].id,
                        email="same@example.com",
                        user_id=None,
                    )
            except CouponRejected as exc:
                return exc.code
            return "redeemed"

        outcomes = await asyncio.gather(*(redeem(i) for i in range(10)))
        assert sorted(outcomes) == ["customer_usage_limit_reached"] * 9 + ["redeemed"]
        async with database.read() as session:
            assert await _times_used(session, coupon.id) == 1
            assert await _redemptions(session, coupon.id) == 1


class TestReleaseCoupon:
    async def test_gives_the_use_back(self, session: AsyncSession) -> None:
        coupon = await create_coupon(session, code="BACK", usage_limit=1, per_customer_limit=1)
        order, again = await create_order_row(session), await create_order_row(session)
        await service.redeem_coupon(
            session, code="BACK", order_id=order.id, email="a@example.com", user_id=None
        )
        assert await service.release_coupon(session, order_id=order.id) is True
        assert coupon.times_used == 0
        assert await _redemptions(session, coupon.id) == 0
        # The same customer may use it again.
        await service.redeem_coupon(
            session, code="BACK", order_id=again.id, email="a@example.com", user_id=None
        )
        assert await _times_used(session, coupon.id) == 1

    async def test_order_without_coupon(self, session: AsyncSession) -> None:
        coupon = await create_coupon(session, code="KEEP", times_used=3)
        order = await create_order_row(session)
        assert await service.release_coupon(session, order_id=order.id) is False
        assert await _times_used(session, coupon.id) == 3


class TestResolveTaxRate:
    async def test_region_over_country_over_default(self, session: AsyncSession) -> None:
        country = await create_tax_rate(session, country="US", basis_points=500)
        region = await create_tax_rate(session, country="US", region="CA", basis_points=725)
        assert await service.resolve_tax_rate(session, country="US", region="CA") is region
        assert await service.resolve_tax_rate(session, country="us", region=" ca ") is region
        assert await service.resolve_tax_rate(session, country="US", region="NY") is country
        assert await service.resolve_tax_rate(session, country="US", region=None) is country
        fallback = await service.resolve_tax_rate(session, country="DE", region="BE")
        assert fallback is not None
        assert (fallback.country, fallback.region, fallback.basis_points) == ("*", "", 800)

    async def test_region_without_a_country_rate(self, session: AsyncSession) -> None:
        region = await create_tax_rate(session, country="CA", region="QC", basis_points=1498)
        assert await service.resolve_tax_rate(session, country="CA", region="QC") is region
        fallback = await service.resolve_tax_rate(session, country="CA", region="ON")
        assert fallback is not None
        assert fallback.country == "*"

    async def test_no_rate_at_all(self, session: AsyncSession) -> None:
        await session.execute(delete(TaxRate))
        assert await service.resolve_tax_rate(session, country="US", region=None) is None


class TestListShippingMethods:
    async def test_active_in_display_order(self, session: AsyncSession) -> None:
        await create_shipping_method(session, code="pickup", position=0)
        await create_shipping_method(session, code="hidden", is_active=False, position=0)
        methods = await service.list_shipping_methods(session)
        assert [m.code for m in methods] == ["pickup", "standard", "express", "overnight"]

    async def test_all(self, session: AsyncSession) -> None:
        await create_shipping_method(session, code="hidden", is_active=False, position=9)
        methods = await service.list_shipping_methods(session, active_only=False)
        assert [m.code for m in methods] == ["standard", "express", "overnight", "hidden"]
