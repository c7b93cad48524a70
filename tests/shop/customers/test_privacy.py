from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from shop.auth import passwords
from shop.auth import service as auth_service
from shop.auth.errors import AccountDisabled, InvalidCredentials
from shop.config import Settings
from shop.customers import privacy
from shop.customers import service as customers_service
from shop.customers.errors import OpenOrders, StaffAccountDeletion, WrongPassword
from shop.kit.clock import utcnow
from shop.models.accounts import RefreshToken, Role, User
from shop.models.customers import AccountDeletion, Address, PasswordResetToken
from shop.models.engagement import Review, ReviewStatus, WishlistItem
from shop.models.orders import Fulfillment, Order, OrderLine, OrderStatus
from tests.builders.accounts import DEFAULT_PASSWORD, create_user
from tests.builders.orders import create_variant, place_order
from tests.shop.customers.test_service import address_in

IP = "203.0.113.7"


async def count(session: AsyncSession, model: type[object], *where: object) -> int:
    total = await session.scalar(select(func.count()).select_from(model).where(*where))  # type: ignore[arg-type]
    return int(total or 0)


async def customer_with_history(session: AsyncSession) -> tuple[User, Order]:
    """A customer with an address, a shipped order, a review and a wishlist item."""
    user = await create_user(session, email="ada@example.com", first_name="Ada", last_name="L")
    await customers_service.add_address(session, user.id, address_in())
    variant = await create_variant(session, price=1500, name="Brass Compass")
    order = await place_order(
        session,
        lines=[(variant, 2)],
        user_id=user.id,
        email="ada@example.com",
        status=OrderStatus.SHIPPED,
        shipping=500,
        tax_basis_points=0,
    )
    session.add(
        Fulfillment(order_id=order.id, carrier="UPS", tracking_number="1Z999", created_at=utcnow())
    )
    session.add(
        Review(
            product_id=variant.product_id,
            user_id=user.id,
            rating=5,
            title="Points north",
            body="Reliable.",
            status=ReviewStatus.APPROVED,
        )
    )
    session.add(WishlistItem(user_id=user.id, product_id=variant.product_id, created_at=utcnow()))
    await session.flush()
    return user, order


class TestExport:
    async def test_holds_everything_about_the_customer(self, session: AsyncSession) -> None:
        user, order = await customer_with_history(session)
        other = await create_user(session)
        await customers_service.add_address(session, other.id, address_in(city="Elsewhere"))

        data = await privacy.export_data(session, user.id)

        assert json.loads(json.dumps(data)) == data  # JSON as it is
        assert data["format"] == "shopwright.customer-export.v1"
        assert data["profile"]["email"] == "ada@example.com"
        assert data["profile"]["first_name"] == "Ada"
        assert [a["city"] for a in data["addresses"]] == ["London"]
        [exported] = data["orders"]
        assert exported["number"] == order.number
        assert exported["status"] == "shipped"
        assert exported["totals"]["total"] == {"amount": 3500, "currency": "USD"}
        assert exported["lines"][0]["quantity"] == 2
        assert exported["lines"][0]["unit_price"] == {"amount": 1500, "currency": "USD"}
        assert exported["shipments"][0]["tracking_number"] == "1Z999"
        assert exported["shipping_address"]["name"] == "Ada Buyer"
        assert [(r["title"], r["rating"]) for r in data["reviews"]] == [("Points north", 5)]
        assert [w["product"]["name"] for w in data["wishlist"]] == ["Brass Compass"]


class TestDeleteAccount:
    async def test_anonymises_and_keeps_the_orders(
        self, session: AsyncSession, service_settings: Settings
    ) -> None:
        user, order = await customer_with_history(session)
        pair = await auth_service.login(
            session,
            email=user.email,
            password=DEFAULT_PASSWORD,
            client_ip=IP,
            settings=service_settings,
        )
        session.add(
            PasswordResetToken(
                user_id=user.id, token_hash="b" * 64, created_at=utcnow(), expires_at=utcnow()
            )
        )
        await session.flush()
        totals_before = (order.subtotal_amount, order.total_amount, order.captured_amount)

        await privacy.delete_account(session, user.id, password=DEFAULT_PASSWORD)

        await session.refresh(user)
        assert user.email == f"deleted-{user.id}@deleted.invalid"
        assert (user.first_name, user.last_name, user.is_active) == ("", "", False)
        assert not await passwords.verify_password(user.password_hash, DEFAULT_PASSWORD)
        kept = await session.scalar(
            select(Order).where(Order.id == order.id).execution_options(populate_existing=True)
        )
        assert kept is not None
        assert kept.user_id == user.id
        assert kept.email == f"deleted-{user.id}@deleted.invalid"
        assert kept.status == OrderStatus.SHIPPED
        assert (kept.subtotal_amount, kept.total_amount, kept.captured_amount) == totals_before
        placeholder = {
            "name": "Deleted customer",
            "line1": "(removed)",
            "line2": None,
            "city": "(removed)",
            "region": None,
            "postal_code": "(removed)",
            "country": "US",
        }
        assert kept.shipping_address == placeholder
        assert kept.billing_address == placeholder
        assert await count(session, OrderLine, OrderLine.order_id == order.id) == 1
        assert await count(session, Address, Address.user_id == user.id) == 0
        assert await count(session, WishlistItem, WishlistItem.user_id == user.id) == 0
        assert await count(session, PasswordResetToken, PasswordResetToken.user_id == user.id) == 0
        assert await count(session, Review, Review.user_id == user.id) == 1
        assert await count(session, AccountDeletion, AccountDeletion.user_id == user.id) == 1
        assert (
            await count(
                session,
                RefreshToken,
                RefreshToken.user_id == user.id,
                RefreshToken.revoked_at.is_(None),
            )
            == 0
        )
        assert await auth_service.user_of_sign_in(session, pair.refresh_token) is None
        with pytest.raises(InvalidCredentials):
            await auth_service.login(
                session,
                email="ada@example.com",
                password=DEFAULT_PASSWORD,
                client_ip=IP,
                settings=service_settings,
            )
        [row] = (await customers_service.list_customers(session, q=f"deleted-{user.id}@")).items
        assert row.deleted_at is not None
        assert row.order_count == 1

    async def test_the_email_is_free_again(self, session: AsyncSession) -> None:
        user = await create_user(session, email="again@example.com")

        await privacy.delete_account(session, user.id, password=DEFAULT_PASSWORD)
        newcomer = await auth_service.create_user(
            session, email="again@example.com", password="violet tram 42 plinth", role=Role.CUSTOMER
        )

        assert newcomer.id != user.id

    async def test_wrong_password_changes_nothing(self, session: AsyncSession) -> None:
        user, order = await customer_with_history(session)

        with pytest.raises(WrongPassword):
            await privacy.delete_account(session, user.id, password="wrong wrong wrong")

        assert user.is_active
        assert order.email == "ada@example.com"
        assert await count(session, Address, Address.user_id == user.id) == 1
        assert await count(session, AccountDeletion) == 0

    async def test_refused_while_an_order_is_open(self, session: AsyncSession) -> None:
        user = await create_user(session)
        variant = await create_variant(session)
        order = await place_order(
            session, lines=[(variant, 1)], user_id=user.id, status=OrderStatus.PROCESSING
        )

        with pytest.raises(OpenOrders) as refused:
            await privacy.delete_account(session, user.id, password=DEFAULT_PASSWORD)

        assert refused.value.extra["orders"] == [order.number]
        assert refused.value.status == 409
        assert user.is_active

    async def test_staff_cannot_delete_themselves_here(self, session: AsyncSession) -> None:
        staff = await create_user(session, role=Role.ADMIN)

        with pytest.raises(StaffAccountDeletion):
            await privacy.delete_account(session, staff.id, password=DEFAULT_PASSWORD)
        assert staff.is_active

    async def test_a_deleted_account_cannot_export_or_delete_again(
        self, session: AsyncSession
    ) -> None:
        user = await create_user(session)
        await privacy.delete_account(session, user.id, password=DEFAULT_PASSWORD)

        with pytest.raises(AccountDisabled):
            await privacy.export_data(session, user.id)
        with pytest.raises(AccountDisabled):
            await privacy.delete_account(session, user.id, password=DEFAULT_PASSWORD)
