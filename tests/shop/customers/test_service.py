from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from shop.auth import passwords
from shop.auth.errors import EmailTaken, InvalidEmail, WeakPassword
from shop.customers import service
from shop.customers.errors import TooManyAddresses, WrongPassword
from shop.customers.schemas import AddressIn, ProfileUpdate
from shop.errors import NotFound
from shop.kit.clock import utcnow
from shop.models.accounts import RefreshToken, Role
from shop.models.customers import Address
from shop.models.orders import OrderStatus
from tests.builders.accounts import DEFAULT_PASSWORD, create_user
from tests.builders.orders import create_variant, place_order

NEW_PASSWORD = "violet tram 42 plinth"


def address_in(**changes: Any) -> AddressIn:
    values: dict[str, Any] = {
        "label": "Home",
        "name": "Ada Lovelace",
        "line1": "12 St James's Square",
        "city": "London",
        "postal_code": "SW1Y 4JH",
        "country": "GB",
    }
    values.update(changes)
    return AddressIn(**values)


async def defaults(session: AsyncSession, user_id: int) -> list[tuple[str, bool]]:
    rows = await session.execute(
        select(Address.label, Address.is_default)
        .where(Address.user_id == user_id)
        .order_by(Address.id)
        .execution_options(populate_existing=True)
    )
    return [(label, flag) for label, flag in rows]


class TestProfile:
    async def test_update_names(self, session: AsyncSession) -> None:
        user = await create_user(session)

        updated = await service.update_profile(
            session, user.id, ProfileUpdate(first_name="  Ada ", last_name="King")
        )

        assert (updated.first_name, updated.last_name) == ("Ada", "King")

    async def test_change_email_with_the_password(self, session: AsyncSession) -> None:
        user = await create_user(session)

        changed = await service.change_email(
            session, user.id, email="Ada@Example.org", password=DEFAULT_PASSWORD
        )

        assert changed.email == "ada@example.org"

    async def test_change_email_wrong_password_changes_nothing(self, session: AsyncSession) -> None:
        user = await create_user(session, email="before@example.com")

        with pytest.raises(WrongPassword) as refused:
            await service.change_email(
                session, user.id, email="after@example.com", password="not it at all"
            )

        assert refused.value.status == 422
        assert user.email == "before@example.com"

    async def test_change_email_to_a_taken_one(self, session: AsyncSession) -> None:
        await create_user(session, email="taken@example.com")
        user = await create_user(session, email="mine@example.com")

        with pytest.raises(EmailTaken):
            await service.change_email(
                session, user.id, email="TAKEN@example.com", password=DEFAULT_PASSWORD
            )
        assert user.email == "mine@example.com"

    async def test_change_email_to_an_invalid_one(self, session: AsyncSession) -> None:
        user = await create_user(session)

        with pytest.raises(InvalidEmail):
            await service.change_email(
                session, user.id, email="no-at-sign", password=DEFAULT_PASSWORD
            )


class TestChangePassword:
    async def test_checks_the_current_one_and_revokes_sessions(self, session: AsyncSession) -> None:
        user = await create_user(session)
        session.add(
            RefreshToken(
                user_id=user.id,
                family_id="f" * 36,
                token_hash="a" * 64,
                created_at=utcnow(),
                expires_at=utcnow().replace(year=utcnow().year + 1),
            )
        )
        await session.flush()

        await service.change_password(
            session, user.id, current_password=DEFAULT_PASSWORD, new_password=NEW_PASSWORD
        )

        assert await passwords.verify_password(user.password_hash, NEW_PASSWORD)
        token = await session.scalar(
            select(RefreshToken)
            .where(RefreshToken.user_id == user.id)
            .execution_options(populate_existing=True)
        )
        assert token is not None
        assert token.revoked_at is not None

    async def test_wrong_current_password(self, session: AsyncSession) -> None:
        user = await create_user(session)
        before = user.password_hash

        with pytest.raises(WrongPassword) as refused:
            await service.change_password(
                session, user.id, current_password="guess guess", new_password=NEW_PASSWORD
            )

        assert refused.value.extra["errors"][0]["field"] == "current_password"
        assert user.password_hash == before

    async def test_new_password_follows_the_registration_rules(self, session: AsyncSession) -> None:
        user = await create_user(session, email="ada@example.com")

        with pytest.raises(WeakPassword) as refused:
            await service.change_password(
                session, user.id, current_password=DEFAULT_PASSWORD, new_password="ada@example.com"
            )

        assert "must not be your email address" in refused.value.message


class TestAddresses:
    async def test_first_address_becomes_the_default(self, session: AsyncSession) -> None:
        user = await create_user(session)

        address = await service.add_address(session, user.id, address_in(line2="", region=" "))

        assert address.is_default
        assert (address.line2, address.region, address.phone) == (None, None, None)
        assert (await service.default_address(session, user.id)) is address

    async def test_a_new_default_takes_the_flag(self, session: AsyncSession) -> None:
        user = await create_user(session)
        await service.add_address(session, user.id, address_in(label="Home"))
        await service.add_address(session, user.id, address_in(label="Office"))
        assert await defaults(session, user.id) == [("Home", True), ("Office", False)]

        await service.add_address(session, user.id, address_in(label="Cabin", is_default=True))

        assert await defaults(session, user.id) == [
            ("Home", False),
            ("Office", False),
            ("Cabin", True),
        ]
        listed = await service.list_addresses(session, user.id)
        assert [a.label for a in listed] == ["Cabin", "Office", "Home"]

    async def test_update_and_set_default(self, session: AsyncSession) -> None:
        user = await create_user(session)
        home = await service.add_address(session, user.id, address_in(label="Home"))
        office = await service.add_address(session, user.id, address_in(label="Office"))

        await service.update_address(
            session, user.id, office.id, address_in(label="Work", city="Leeds", is_default=True)
        )

        assert (office.city, office.is_default) == ("Leeds", True)
        assert await defaults(session, user.id) == [("Home", False), ("Work", True)]
        await service.set_default_address(session, user.id, home.id)
        assert await defaults(session, user.id) == [("Home", True), ("Work", False)]

    async def test_deleting_the_default_passes_it_on(self, session: AsyncSession) -> None:
        user = await create_user(session)
        home = await service.add_address(session, user.id, address_in(label="Home"))
        await service.add_address(session, user.id, address_in(label="Office"))

        await service.delete_address(session, user.id, home.id)

        assert await defaults(session, user.id) == [("Office", True)]

    async def test_another_customers_address_is_not_found(self, session: AsyncSession) -> None:
        owner = await create_user(session)
        other = await create_user(session)
        address = await service.add_address(session, owner.id, address_in())

        with pytest.raises(NotFound) as refused:
            await service.update_address(session, other.id, address.id, address_in(city="X"))
        assert refused.value.code == "address_not_found"
        with pytest.raises(NotFound):
            await service.delete_address(session, other.id, address.id)
        with pytest.raises(NotFound):
            await service.get_address(session, owner.id, 2**70)
        assert address.city == "London"

    async def test_at_most_twenty(self, session: AsyncSession) -> None:
        user = await create_user(session)
        for number in range(service.MAX_ADDRESSES):
            await service.add_address(session, user.id, address_in(label=f"A{number}"))

        with pytest.raises(TooManyAddresses):
            await service.add_address(session, user.id, address_in(label="one too many"))
        assert len(await service.list_addresses(session, user.id)) == 20

    @pytest.mark.parametrize(
        ("field", "value"),
        [
            ("country", "XX"),
            ("country", "us"),
            ("name", ""),
            ("phone", "call me"),
            ("line1", "a\nb"),
        ],
    )
    def test_invalid_fields_are_refused(self, field: str, value: str) -> None:
        with pytest.raises(ValueError, match=field):
            address_in(**{field: value})


class TestStaffView:
    async def test_lists_customers_with_orders_and_spend(self, session: AsyncSession) -> None:
        buyer = await create_user(session, email="zed.buyer@example.com", first_name="Zed")
        await create_user(session, role=Role.SUPPORT, email="staff.zed@example.com")
        variant = await create_variant(session, price=1000, stock=10)
        await place_order(
            session,
            lines=[(variant, 2)],
            user_id=buyer.id,
            status=OrderStatus.PAID,
            shipping=0,
            tax_basis_points=0,
        )
        await place_order(
            session,
            lines=[(variant, 1)],
            user_id=buyer.id,
            status=OrderStatus.PENDING,
            shipping=0,
            tax_basis_points=0,
        )

        page = await service.list_customers(session, q="ZED", page=1, page_size=10)

        assert page.total == 1
        [row] = page.items
        assert row.user.id == buyer.id
        assert (row.order_count, row.total_spent, row.deleted_at) == (2, 2000, None)

    async def test_search_matches_names_and_escapes_wildcards(self, session: AsyncSession) -> None:
        await create_user(session, email="plain1@example.com", last_name="Percentage")
        target = await create_user(session, email="odd_100%@example.com")

        by_name = await service.list_customers(session, q="percent", page=1, page_size=10)
        literal = await service.list_customers(session, q="_100%", page=1, page_size=10)

        assert [r.user.last_name for r in by_name.items] == ["Percentage"]
        assert [r.user.id for r in literal.items] == [target.id]

    async def test_pages(self, session: AsyncSession) -> None:
        created = [await create_user(session, first_name="Pager") for _ in range(3)]

        first = await service.list_customers(session, q="pager", page=1, page_size=2)
        second = await service.list_customers(session, q="pager", page=2, page_size=2)

        assert first.total == second.total == 3
        ids = [r.user.id for r in first.items + second.items]
        assert sorted(ids) == sorted(u.id for u in created)
        with pytest.raises(ValueError, match="page"):
            await service.list_customers(session, page=0)

    async def test_get_customer(self, session: AsyncSession) -> None:
        buyer = await create_user(session)
        await service.add_address(session, buyer.id, address_in())
        variant = await create_variant(session, price=500)
        order = await place_order(
            session,
            lines=[(variant, 1)],
            user_id=buyer.id,
            status=OrderStatus.PAID,
            shipping=0,
            tax_basis_points=0,
        )

        detail = await service.get_customer(session, buyer.id)

        assert detail.customer.user.id == buyer.id
        assert (detail.customer.order_count, detail.customer.total_spent) == (1, 500)
        assert [a.city for a in detail.addresses] == ["London"]
        assert [o.number for o in detail.recent_orders] == [order.number]

    async def test_staff_and_unknown_ids_are_not_customers(self, session: AsyncSession) -> None:
        staff = await create_user(session, role=Role.MANAGER)

        for customer_id in (staff.id, 2**62, 0):
            with pytest.raises(NotFound) as refused:
                await service.get_customer(session, customer_id)
            assert refused.value.code == "customer_not_found"
