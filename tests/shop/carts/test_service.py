from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from shop.auth.tokens import AccessClaims
from shop.carts import service as carts_service
from shop.db.session import Database
from shop.errors import Conflict, InvalidInput, NotFound
from shop.kit.clock import utcnow
from shop.models.carts import Cart, CartLine
from shop.models.catalog import ProductStatus
from tests.builders.carts import (
    change_product,
    change_variant,
    create_cart,
    create_customer,
    create_variant,
)

IDLE = timedelta(days=7)


def claims_of(user_id: int) -> AccessClaims:
    return AccessClaims(
        user_id=user_id, role="customer", expires_at=utcnow() + timedelta(minutes=5)
    )


async def lines_of(session: AsyncSession, cart_id: int) -> list[tuple[int, int]]:
    result = await session.execute(
        select(CartLine.variant_id, CartLine.quantity)
        .where(CartLine.cart_id == cart_id)
        .order_by(CartLine.variant_id)
    )
    return [(variant_id, quantity) for variant_id, quantity in result]


async def open_carts_of(session: AsyncSession, user_id: int) -> list[int]:
    result = await session.execute(
        select(Cart.id).where(Cart.user_id == user_id, Cart.converted_at.is_(None))
    )
    return list(result.scalars())


async def cart_exists(session: AsyncSession, cart_id: int) -> bool:
    count = await session.execute(select(func.count()).select_from(Cart).where(Cart.id == cart_id))
    return count.scalar_one() == 1


class TestMergeIntoCustomerCart:
    async def test_lines_are_summed_and_capped(self, session: AsyncSession) -> None:
        alice = await create_customer(session)
        one, two, three = [await create_variant(session) for _ in range(3)]
        own, _ = await create_cart(session, user=alice.user, lines=[(one, 3), (two, 98)])
        anonymous, token = await create_cart(session, lines=[(one, 2), (two, 5), (three, 1)])

        await carts_service.merge_into_customer_cart(
            session, user_id=alice.user.id, cart_token=token
        )

        assert await lines_of(session, own.id) == [(one.id, 5), (two.id, 99), (three.id, 1)]
        assert not await cart_exists(session, anonymous.id)
        assert await open_carts_of(session, alice.user.id) == [own.id]

    async def test_anonymous_cart_becomes_the_customers(self, session: AsyncSession) -> None:
        alice = await create_customer(session)
        variant = await create_variant(session)
        anonymous, token = await create_cart(session, lines=[(variant, 2)], coupon_code="SAVE")

        await carts_service.merge_into_customer_cart(
            session, user_id=alice.user.id, cart_token=token
        )

        assert await open_carts_of(session, alice.user.id) == [anonymous.id]
        view = await carts_service.get_cart(
            session, cart_id=anonymous.id, claims=claims_of(alice.user.id), cart_token=None
        )
        assert [(line.row.variant_id, line.row.quantity) for line in view.lines] == [
            (variant.id, 2)
        ]
        assert view.coupon_code == "SAVE"

    async def test_customer_coupon_wins(self, session: AsyncSession) -> None:
        alice = await create_customer(session)
        own, _ = await create_cart(session, user=alice.user, coupon_code="MINE")
        _, token = await create_cart(session, coupon_code="THEIRS")

        await carts_service.merge_into_customer_cart(
            session, user_id=alice.user.id, cart_token=token
        )

        view = await carts_service.get_cart(
            session, cart_id=own.id, claims=claims_of(alice.user.id), cart_token=None
        )
        assert view.coupon_code == "MINE"

    async def test_anonymous_coupon_kept_when_customer_has_none(
        self, session: AsyncSession
    ) -> None:
        alice = await create_customer(session)
        own, _ = await create_cart(session, user=alice.user)
        _, token = await create_cart(session, coupon_code="THEIRS")

        await carts_service.merge_into_customer_cart(
            session, user_id=alice.user.id, cart_token=token
        )

        view = await carts_service.get_cart(
            session, cart_id=own.id, claims=claims_of(alice.user.id), cart_token=None
        )
        assert view.coupon_code == "THEIRS"

    async def test_unknown_token_changes_nothing(self, session: AsyncSession) -> None:
        alice = await create_customer(session)
        variant = await create_variant(session)
        own, _ = await create_cart(session, user=alice.user, lines=[(variant, 1)])

        await carts_service.merge_into_customer_cart(
            session, user_id=alice.user.id, cart_token="not-a-token"
        )

        assert await lines_of(session, own.id) == [(variant.id, 1)]
        assert await open_carts_of(session, alice.user.id) == [own.id]

    async def test_another_customers_cart_is_not_taken(self, session: AsyncSession) -> None:
        alice = await create_customer(session)
        bob = await create_customer(session)
        variant = await create_variant(session)
        bobs, token = await create_cart(session, user=bob.user, lines=[(variant, 4)])

        await carts_service.merge_into_customer_cart(
            session, user_id=alice.user.id, cart_token=token
        )

        assert await open_carts_of(session, alice.user.id) == []
        assert await open_carts_of(session, bob.user.id) == [bobs.id]
        assert await lines_of(session, bobs.id) == [(variant.id, 4)]

    async def test_checked_out_cart_is_ignored(self, session: AsyncSession) -> None:
        alice = await create_customer(session)
        variant = await create_variant(session)
        done, token = await create_cart(session, lines=[(variant, 1)], converted_at=utcnow())

        await carts_service.merge_into_customer_cart(
            session, user_id=alice.user.id, cart_token=token
        )

        assert await open_carts_of(session, alice.user.id) == []
        assert await lines_of(session, done.id) == [(variant.id, 1)]


class TestLoadForCheckout:
    async def test_lines_at_current_prices(self, session: AsyncSession) -> None:
        alice = await create_customer(session)
        variant = await create_variant(
            session, price=1500, name="Rain Jacket", title="M", track_inventory=False
        )
        cart, _ = await create_cart(
            session, user=alice.user, lines=[(variant, 2)], coupon_code="SAVE10"
        )
        await change_variant(session, variant.id, price_amount=1400)

        loaded = await carts_service.load_for_checkout(
            session, cart_id=cart.id, claims=claims_of(alice.user.id), cart_token=None
        )

        assert loaded == carts_service.CartForCheckout(
            id=cart.id,
            user_id=alice.user.id,
            currency="USD",
            coupon_code="SAVE10",
            lines=[
                carts_service.CheckoutLine(
                    variant_id=variant.id,
                    product_id=variant.product_id,
                    product_name="Rain Jacket",
                    variant_title="M",
                    sku=variant.sku,
                    unit_price=1400,
                    quantity=2,
                    track_inventory=False,
                )
            ],
        )

    async def test_anonymous_cart_with_token(self, session: AsyncSession) -> None:
        variant = await create_variant(session)
        cart, token = await create_cart(session, lines=[(variant, 1)])

        loaded = await carts_service.load_for_checkout(
            session, cart_id=cart.id, claims=None, cart_token=token
        )

        assert (loaded.id, loaded.user_id, len(loaded.lines)) == (cart.id, None, 1)

    async def test_caller_may_not_use_it(self, session: AsyncSession) -> None:
        alice = await create_customer(session)
        bob = await create_customer(session)
        variant = await create_variant(session)
        cart, _ = await create_cart(session, user=alice.user, lines=[(variant, 1)])

        with pytest.raises(NotFound) as raised:
            await carts_service.load_for_checkout(
                session, cart_id=cart.id, claims=claims_of(bob.user.id), cart_token="guess"
            )

        assert raised.value.code == "cart_not_found"

    async def test_empty_cart(self, session: AsyncSession) -> None:
        cart, token = await create_cart(session)

        with pytest.raises(InvalidInput) as raised:
            await carts_service.load_for_checkout(
                session, cart_id=cart.id, claims=None, cart_token=token
            )

        assert (raised.value.code, raised.value.status) == ("cart_empty", 422)

    async def test_unavailable_items(self, session: AsyncSession) -> None:
        archived = await create_variant(session)
        fine = await create_variant(session)
        cart, token = await create_cart(session, lines=[(archived, 1), (fine, 1)])
        await change_product(session, archived.product_id, status=ProductStatus.ARCHIVED)

        with pytest.raises(InvalidInput) as raised:
            await carts_service.load_for_checkout(
                session, cart_id=cart.id, claims=None, cart_token=token
            )

        assert raised.value.code == "cart_has_unavailable_items"
        assert raised.value.extra["lines"] == [
            {"variant_id": archived.id, "sku": archived.sku, "issue": "unavailable"}
        ]

    async def test_stock_is_left_to_the_allocation(self, session: AsyncSession) -> None:
        variant = await create_variant(session, stock=1)
        cart, token = await create_cart(session, lines=[(variant, 5)])

        loaded = await carts_service.load_for_checkout(
            session, cart_id=cart.id, claims=None, cart_token=token
        )

        assert [line.quantity for line in loaded.lines] == [5]

    async def test_checked_out_cart(self, session: AsyncSession) -> None:
        variant = await create_variant(session)
        cart, token = await create_cart(session, lines=[(variant, 1)], converted_at=utcnow())

        with pytest.raises(Conflict) as raised:
            await carts_service.load_for_checkout(
                session, cart_id=cart.id, claims=None, cart_token=token
            )

        assert raised.value.code == "cart_converted"


class TestMarkConverted:
    async def test_closes_the_cart_once(self, session: AsyncSession) -> None:
        alice = await create_customer(session)
        cart, _ = await create_cart(session, user=alice.user)
        first = utcnow() - timedelta(minutes=1)

        await carts_service.mark_converted(session, cart.id, now=first)
        await carts_service.mark_converted(session, cart.id)

        converted_at = (
            await session.execute(select(Cart.converted_at).where(Cart.id == cart.id))
        ).scalar_one()
        assert converted_at == first
        assert await open_carts_of(session, alice.user.id) == []


class TestRemoveIdleCarts:
    async def test_removes_only_idle_open_carts(self, session: AsyncSession) -> None:
        now = utcnow()
        alice = await create_customer(session)
        variant = await create_variant(session)
        idle, _ = await create_cart(session, lines=[(variant, 1)], updated_at=now - IDLE * 2)
        idle_customer, _ = await create_cart(
            session, user=alice.user, updated_at=now - IDLE - timedelta(seconds=1)
        )
        recent, _ = await create_cart(session, updated_at=now - IDLE + timedelta(minutes=1))
        converted, _ = await create_cart(
            session, updated_at=now - IDLE * 3, converted_at=now - IDLE * 3
        )

        removed = await carts_service.remove_idle_carts(session, older_than=IDLE, now=now)

        assert removed == 2
        remaining = (await session.execute(select(Cart.id).order_by(Cart.id))).scalars().all()
        assert remaining == [recent.id, converted.id]
        assert await lines_of(session, idle.id) == []
        assert idle_customer.id not in remaining

    async def test_nothing_idle(self, session: AsyncSession) -> None:
        cart, _ = await create_cart(session)

        removed = await carts_service.remove_idle_carts(session, older_than=IDLE)

        assert removed == 0
        assert await cart_exists(session, cart.id)


class TestCreateCart:
    async def test_race_one_open_cart_per_customer(self, database: Database) -> None:
        async with database.transaction() as session:
            alice = await create_customer(session)

        async def create() -> carts_service.CreatedCart:
            async with database.transaction() as session:
                return await carts_service.create_cart(
                    session, user_id=alice.user.id, currency="USD"
                )

        results = await asyncio.gather(*(create() for _ in range(6)))

        assert len({result.cart.id for result in results}) == 1
        assert sum(result.created for result in results) == 1
        async with database.read() as session:
            assert len(await open_carts_of(session, alice.user.id)) == 1
