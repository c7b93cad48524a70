from __future__ import annotations

import re

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from shop.models.orders import Order, OrderStatus
from shop.orders import money as orders_money
from shop.orders import service as orders_service
from shop.orders.errors import IllegalTransition
from tests.builders.orders import create_variant, place_order

S = OrderStatus
LEGAL = {
    (S.PENDING, S.PAID),
    (S.PENDING, S.CANCELLED),
    (S.PAID, S.PROCESSING),
    (S.PAID, S.CANCELLED),
    (S.PROCESSING, S.SHIPPED),
    (S.PROCESSING, S.CANCELLED),
    (S.SHIPPED, S.DELIVERED),
}


class TestCheckTransition:
    def test_only_the_documented_moves_are_legal(self) -> None:
        for current in S:
            for target in S:
                order = Order(number="SW-TEST0000", status=current)
                if (current, target) in LEGAL:
                    orders_service.check_transition(order, target)
                    continue
                with pytest.raises(IllegalTransition) as caught:
                    orders_service.check_transition(order, target)
                assert caught.value.extra["allowed"] == [
                    str(t) for t in orders_service.allowed_transitions(current)
                ]


class TestNewOrderNumber:
    def test_short_unambiguous_and_random(self) -> None:
        numbers = {orders_service.new_order_number() for _ in range(1000)}

        assert len(numbers) == 1000
        assert all(re.fullmatch(orders_service.NUMBER_PATTERN, n) for n in numbers)
        assert not any(set(n[3:]) & set("ILOU") for n in numbers)


class TestCreateOrder:
    async def test_draws_again_when_the_number_is_taken(
        self, session: AsyncSession, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        variant = await create_variant(session, stock=5)
        first = await place_order(session, lines=[(variant, 1)])
        drawn = iter([first.number, first.number, "SW-NEWNUMB1"])
        monkeypatch.setattr(orders_service, "new_order_number", lambda: next(drawn))

        second = await place_order(session, lines=[(variant, 1)])

        assert second.number == "SW-NEWNUMB1"
        assert second.id != first.id

    async def test_refuses_inconsistent_totals(self, session: AsyncSession) -> None:
        variant = await create_variant(session, stock=5)
        order = await place_order(session, lines=[(variant, 1)])
        data = orders_service.NewOrder(
            user_id=None,
            email="x@example.com",
            currency="USD",
            subtotal=1000,
            discount=0,
            shipping=0,
            tax=0,
            total=999,
            shipping_method="standard",
            coupon_code=None,
            shipping_address={},
            billing_address={},
            cart_id=None,
        )

        with pytest.raises(ValueError, match="inconsistent"):
            await orders_service.create_order(session, data, actor=orders_service.Actor.system())

        assert order.number.startswith("SW-")


class TestRecordCapture:
    async def test_a_repeated_capture_changes_nothing(self, session: AsyncSession) -> None:
        variant = await create_variant(session, stock=5)
        order = await place_order(session, lines=[(variant, 1)], status=S.PENDING)
        actor = orders_service.Actor.system()

        first = await orders_money.record_capture(
            session, order, amount=order.total_amount, actor=actor
        )
        again = await orders_money.record_capture(
            session, order, amount=order.total_amount, actor=actor
        )

        assert (first, again) == (True, False)
        assert (order.status, order.captured_amount) == (S.PAID, order.total_amount)
