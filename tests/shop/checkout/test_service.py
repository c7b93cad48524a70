from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from shop.checkout import service as checkout_service
from shop.checkout.errors import CheckoutInProgress, IdempotencyKeyInUse, IdempotencyKeyReused
from shop.checkout.schemas import CheckoutCreate
from shop.checkout.service import Recovery
from shop.kit.clock import utcnow
from shop.models.orders import Order, OrderLine
from shop.models.pricing import CouponKind
from tests.builders.orders import checkout_body, create_cart, create_variant
from tests.builders.pricing import create_coupon

HASH = "a" * 64


class TestClaim:
    async def test_a_new_key_is_claimed(self, session: AsyncSession) -> None:
        claim = await checkout_service.claim(session, key="k", request_hash=HASH)

        assert (claim.replay, claim.recovery) == (None, None)
        assert claim.lease > utcnow() + timedelta(seconds=50)

    async def test_a_key_in_flight_is_in_use(self, session: AsyncSession) -> None:
        await checkout_service.claim(session, key="k", request_hash=HASH)

        with pytest.raises(IdempotencyKeyInUse):
            await checkout_service.claim(session, key="k", request_hash=HASH)

    async def test_another_request_under_the_key_is_reused(self, session: AsyncSession) -> None:
        await checkout_service.claim(session, key="k", request_hash=HASH)

        with pytest.raises(IdempotencyKeyReused):
            await checkout_service.claim(session, key="k", request_hash="b" * 64)

    async def test_a_finished_request_is_replayed(self, session: AsyncSession) -> None:
        claim = await checkout_service.claim(session, key="k", request_hash=HASH)
        await checkout_service.finish(session, claim, status=402, body={"code": "x"})

        again = await checkout_service.claim(session, key="k", request_hash=HASH)

        assert again.replay == (402, {"code": "x"})

    async def test_an_expired_claim_is_taken_over_with_its_recovery_point(
        self, session: AsyncSession
    ) -> None:
        past = utcnow() - timedelta(minutes=5)
        first = await checkout_service.claim(session, key="k", request_hash=HASH, now=past)
        point = Recovery(order_id=7, payment_id=9, provider="sandbox", token="tok_visa")
        from shop.checkout import repository

        await repository.extend_claim(
            session,
            first.record_id,
            held_until=first.lease,
            locked_until=first.lease,
            body=point.to_json(),
            keep_body=False,
        )

        taken = await checkout_service.claim(session, key="k", request_hash=HASH)

        assert taken.record_id == first.record_id
        assert taken.recovery == point
        assert taken.lease > first.lease
        # The first holder's lease is no longer valid: its writes are fenced off.
        assert not await repository.extend_claim(
            session, first.record_id, held_until=first.lease, locked_until=utcnow()
        )


class TestPlace:
    async def test_a_second_order_of_one_cart_waits_for_the_first(
        self, session: AsyncSession
    ) -> None:
        variant = await create_variant(session, stock=5)
        cart, token = await create_cart(session, lines=[(variant, 1)])
        data = CheckoutCreate.model_validate(checkout_body(cart.id))
        first = await checkout_service.claim(session, key="k1", request_hash=HASH)
        placed = await checkout_service.place(
            session, claim=first, data=data, claims=None, cart_token=token
        )
        second = await checkout_service.claim(session, key="k2", request_hash=HASH)

        with pytest.raises(CheckoutInProgress) as caught:
            await checkout_service.place(
                session, claim=second, data=data, claims=None, cart_token=token
            )

        assert caught.value.extra["order_number"] == placed.number


lines_strategy = st.lists(
    st.tuples(st.integers(0, 20_000), st.integers(1, 5)), min_size=1, max_size=3
)
coupon_strategy = st.one_of(
    st.none(),
    st.tuples(st.just(CouponKind.PERCENTAGE), st.integers(1, 100)),
    st.tuples(st.just(CouponKind.FIXED), st.integers(1, 50_000)),
    st.tuples(st.just(CouponKind.FREE_SHIPPING), st.just(0)),
)


class TestPlacedTotals:
    @settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(
        lines=lines_strategy,
        coupon=coupon_strategy,
        method=st.sampled_from(["standard", "express", "overnight"]),
        country=st.sampled_from(["US", "DE", "JP"]),
    )
    async def test_total_is_subtotal_minus_discount_plus_shipping_plus_tax(
        self,
        session: AsyncSession,
        lines: list[tuple[int, int]],
        coupon: tuple[CouponKind, int] | None,
        method: str,
        country: str,
    ) -> None:
        variants = [await create_variant(session, price=price, stock=10) for price, _ in lines]
        code = None
        if coupon is not None:
            code = (await create_coupon(session, kind=coupon[0], value=coupon[1])).code
        cart, token = await create_cart(
            session,
            lines=[(v, quantity) for v, (_, quantity) in zip(variants, lines, strict=True)],
            coupon_code=code,
        )
        body = checkout_body(cart.id, shipping_method=method)
        body["shipping_address"]["country"] = country
        claim = await checkout_service.claim(session, key=f"p-{cart.id}", request_hash=HASH)

        placed = await checkout_service.place(
            session,
            claim=claim,
            data=CheckoutCreate.model_validate(body),
            claims=None,
            cart_token=token,
        )

        order = await session.get(Order, placed.order_id)
        assert order is not None
        order_lines = list(
            await session.scalars(select(OrderLine).where(OrderLine.order_id == order.id))
        )
        assert order.total_amount == (
            order.subtotal_amount - order.discount_amount + order.shipping_amount + order.tax_amount
        )
        assert order.total_amount >= 0
        assert 0 <= order.discount_amount <= order.subtotal_amount
        assert order.subtotal_amount == sum(price * qty for price, qty in lines)
        assert order.discount_amount == sum(line.discount_amount for line in order_lines)
        assert order.tax_amount >= sum(line.tax_amount for line in order_lines)
        for line in order_lines:
            assert line.total_amount == (
                line.unit_price_amount * line.quantity - line.discount_amount + line.tax_amount
            )
            assert 0 <= line.discount_amount <= line.unit_price_amount * line.quantity
        recovery = placed.recovery
        assert (recovery.payment_id is None) == (order.total_amount == 0)


class TestPurgeClaims:
    async def test_forgets_old_finished_keys_only(self, session: AsyncSession) -> None:
        from shop.checkout import repository

        old = utcnow() - timedelta(days=2)
        finished = await checkout_service.claim(session, key="done", request_hash=HASH, now=old)
        await repository.finish(session, finished.record_id, status=201, body={}, now=old)
        placed = await checkout_service.claim(session, key="placed", request_hash=HASH, now=old)
        await repository.extend_claim(
            session,
            placed.record_id,
            held_until=placed.lease,
            locked_until=placed.lease,
            body=Recovery(1, 1, "sandbox", "tok_visa").to_json(),
            keep_body=False,
        )
        await checkout_service.claim(session, key="abandoned", request_hash=HASH, now=old)
        await checkout_service.claim(session, key="fresh", request_hash=HASH)

        removed = await checkout_service.purge_claims(session)

        assert removed == 2
        with pytest.raises(IdempotencyKeyInUse):  # still known: a fresh claim in flight
            await checkout_service.claim(session, key="fresh", request_hash=HASH)
        taken = await checkout_service.claim(session, key="placed", request_hash=HASH)
        assert taken.recovery is not None
        again = await checkout_service.claim(session, key="done", request_hash=HASH)
        assert again.replay is None  # forgotten: a new claim
