from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from shop.auth import passwords
from shop.auth import service as auth_service
from shop.auth.errors import EmailTaken, InvalidEmail, WeakPassword
from shop.auth.tokens import AccessClaims
from shop.config import Settings
from shop.errors import Conflict, Forbidden, InvalidInput, NotFound
from shop.models.accounts import RefreshToken, Role, User
from shop.staff import service as staff_service
from shop.staff.schemas import StaffRole, StaffUpdate
from tests.builders.accounts import DEFAULT_PASSWORD, create_user

GOOD_PASSWORD = "violet tram 42 plinth"


def claims(user: User) -> AccessClaims:
    return AccessClaims(
        user_id=user.id, role=str(user.role), expires_at=datetime.now(UTC) + timedelta(minutes=5)
    )


async def user_count(session: AsyncSession) -> int:
    return int(await session.scalar(select(func.count()).select_from(User)) or 0)


async def live_tokens(session: AsyncSession, user: User) -> int:
    statement = select(func.count()).where(
        RefreshToken.user_id == user.id, RefreshToken.revoked_at.is_(None)
    )
    return int(await session.scalar(statement) or 0)


async def sign_in(session: AsyncSession, settings: Settings, user: User) -> None:
    await auth_service.login(
        session, email=user.email, password=DEFAULT_PASSWORD, client_ip="::1", settings=settings
    )


class TestListStaff:
    async def test_only_staff_oldest_first(self, session: AsyncSession) -> None:
        admin = await create_user(session, role=Role.ADMIN)
        await create_user(session, role=Role.CUSTOMER)
        support = await create_user(session, role=Role.SUPPORT, is_active=False)
        manager = await create_user(session, role=Role.MANAGER)
        staff = await staff_service.list_staff(session, claims(admin))
        assert [user.id for user in staff] == [admin.id, support.id, manager.id]

    async def test_needs_staff_read(self, session: AsyncSession) -> None:
        manager = await create_user(session, role=Role.MANAGER)
        with pytest.raises(Forbidden) as caught:
            await staff_service.list_staff(session, claims(manager))
        assert caught.value.code == "missing_permission"


class TestCreateStaff:
    async def test_with_a_password(self, session: AsyncSession) -> None:
        admin = await create_user(session, role=Role.ADMIN)
        user, generated = await staff_service.create_staff(
            session,
            claims(admin),
            email="Sam@Example.com",
            role=Role.SUPPORT,
            password=GOOD_PASSWORD,
            first_name="Sam",
            last_name="Rivera",
        )
        assert generated is None
        assert (user.email, user.role, user.first_name, user.last_name, user.is_active) == (
            "sam@example.com",
            Role.SUPPORT,
            "Sam",
            "Rivera",
            True,
        )
        assert await passwords.verify_password(user.password_hash, GOOD_PASSWORD)

    async def test_generates_a_password(self, session: AsyncSession) -> None:
        user, generated = await staff_service.create_staff(
            session, None, email="sam@example.com", role=Role.MANAGER
        )
        assert generated is not None
        assert passwords.password_problems(generated, email=user.email) == []
        assert await passwords.verify_password(user.password_hash, generated)

    async def test_customer_role_is_refused(self, session: AsyncSession) -> None:
        with pytest.raises(InvalidInput) as caught:
            await staff_service.create_staff(
                session, None, email="sam@example.com", role=Role.CUSTOMER
            )
        assert caught.value.code == "invalid_role"
        assert await user_count(session) == 0

    async def test_accepts_the_staff_role_enum(self, session: AsyncSession) -> None:
        user, _ = await staff_service.create_staff(
            session,
            None,
            email="sam@example.com",
            role=StaffRole.ADMIN,  # type: ignore[arg-type]
        )
        assert user.role is Role.ADMIN

    async def test_duplicate_email(self, session: AsyncSession) -> None:
        await create_user(session, email="sam@example.com")
        with pytest.raises(EmailTaken):
            await staff_service.create_staff(
                session, None, email="SAM@example.com", role=Role.ADMIN, password=GOOD_PASSWORD
            )
        assert await user_count(session) == 1

    async def test_weak_password(self, session: AsyncSession) -> None:
        with pytest.raises(WeakPassword):
            await staff_service.create_staff(
                session, None, email="sam@example.com", role=Role.ADMIN, password="qwerty123"
            )
        assert await user_count(session) == 0

    async def test_invalid_email(self, session: AsyncSession) -> None:
        with pytest.raises(InvalidEmail):
            await staff_service.create_staff(session, None, email="sam", role=Role.ADMIN)

    async def test_upsert_promotes_an_existing_account(
        self, session: AsyncSession, service_settings: Settings
    ) -> None:
        existing = await create_user(session, email="sam@example.com", role=Role.CUSTOMER)
        await sign_in(session, service_settings, existing)
        existing.is_active = False
        await session.flush()
        user, generated = await staff_service.create_staff(
            session,
            None,
            email="Sam@example.com",
            role=Role.ADMIN,
            password=GOOD_PASSWORD,
            upsert=True,
        )
        assert (user.id, user.role, user.is_active, generated) == (
            existing.id,
            Role.ADMIN,
            True,
            None,
        )
        assert (user.first_name, user.last_name) == ("Test", "User")
        assert await passwords.verify_password(user.password_hash, GOOD_PASSWORD)
        assert await live_tokens(session, user) == 0
        assert await user_count(session) == 1

    async def test_upsert_checks_the_new_password(self, session: AsyncSession) -> None:
        existing = await create_user(session, email="sam@example.com")
        before = existing.password_hash
        with pytest.raises(WeakPassword):
            await staff_service.create_staff(
                session, None, email="sam@example.com", role=Role.ADMIN, password="x", upsert=True
            )
        assert (existing.role, existing.password_hash) == (Role.CUSTOMER, before)

    async def test_upsert_creates_when_missing(self, session: AsyncSession) -> None:
        user, _ = await staff_service.create_staff(
            session,
            None,
            email="new@example.com",
            role=Role.ADMIN,
            password=GOOD_PASSWORD,
            upsert=True,
        )
        assert user.role == Role.ADMIN
        assert await user_count(session) == 1

    async def test_needs_staff_write(self, session: AsyncSession) -> None:
        manager = await create_user(session, role=Role.MANAGER)
        with pytest.raises(Forbidden):
            await staff_service.create_staff(
                session, claims(manager), email="sam@example.com", role=Role.SUPPORT
            )
        assert await user_count(session) == 1


class TestUpdateStaff:
    async def test_changes_role_and_names(self, session: AsyncSession) -> None:
        admin = await create_user(session, role=Role.ADMIN)
        support = await create_user(session, role=Role.SUPPORT)
        data = StaffUpdate(role=StaffRole.MANAGER, first_name="Sam", last_name="Rivera")
        user = await staff_service.update_staff(session, claims(admin), support.id, data)
        assert (user.role, user.first_name, user.last_name, user.is_active) == (
            Role.MANAGER,
            "Sam",
            "Rivera",
            True,
        )

    async def test_nothing_given_changes_nothing(self, session: AsyncSession) -> None:
        admin = await create_user(session, role=Role.ADMIN)
        support = await create_user(session, role=Role.SUPPORT)
        user = await staff_service.update_staff(session, claims(admin), support.id, StaffUpdate())
        assert (user.role, user.first_name, user.is_active) == (Role.SUPPORT, "Test", True)

    async def test_deactivating_revokes_sign_ins(
        self, session: AsyncSession, service_settings: Settings
    ) -> None:
        admin = await create_user(session, role=Role.ADMIN)
        support = await create_user(session, role=Role.SUPPORT)
        await sign_in(session, service_settings, support)
        user = await staff_service.update_staff(
            session, claims(admin), support.id, StaffUpdate(is_active=False)
        )
        assert user.is_active is False
        assert await live_tokens(session, support) == 0

    async def test_reactivating(self, session: AsyncSession) -> None:
        admin = await create_user(session, role=Role.ADMIN)
        support = await create_user(session, role=Role.SUPPORT, is_active=False)
        data = StaffUpdate(is_active=True)
        user = await staff_service.update_staff(session, claims(admin), support.id, data)
        assert user.is_active is True

    async def test_admin_cannot_demote_themself(self, session: AsyncSession) -> None:
        admin = await create_user(session, role=Role.ADMIN)
        with pytest.raises(Conflict) as caught:
            await staff_service.update_staff(
                session, claims(admin), admin.id, StaffUpdate(role=StaffRole.MANAGER, last_name="X")
            )
        assert caught.value.code == "cannot_demote_self"
        assert (admin.role, admin.last_name) == (Role.ADMIN, "User")

    async def test_admin_cannot_deactivate_themself(self, session: AsyncSession) -> None:
        admin = await create_user(session, role=Role.ADMIN)
        with pytest.raises(Conflict) as caught:
            await staff_service.update_staff(
                session, claims(admin), admin.id, StaffUpdate(is_active=False)
            )
        assert caught.value.code == "cannot_deactivate_self"
        assert admin.is_active is True

    async def test_admin_may_restate_their_own_role(self, session: AsyncSession) -> None:
        admin = await create_user(session, role=Role.ADMIN)
        data = StaffUpdate(role=StaffRole.ADMIN, is_active=True, first_name="Avery")
        user = await staff_service.update_staff(session, claims(admin), admin.id, data)
        assert (user.role, user.is_active, user.first_name) == (Role.ADMIN, True, "Avery")

    async def test_admin_may_demote_another_admin(self, session: AsyncSession) -> None:
        admin = await create_user(session, role=Role.ADMIN)
        other = await create_user(session, role=Role.ADMIN)
        data = StaffUpdate(role=StaffRole.SUPPORT)
        user = await staff_service.update_staff(session, claims(admin), other.id, data)
        assert user.role == Role.SUPPORT

    async def test_customer_is_not_staff(self, session: AsyncSession) -> None:
        admin = await create_user(session, role=Role.ADMIN)
        customer = await create_user(session, role=Role.CUSTOMER)
        with pytest.raises(NotFound) as caught:
            await staff_service.update_staff(
                session, claims(admin), customer.id, StaffUpdate(role=StaffRole.ADMIN)
            )
        assert caught.value.code == "staff_not_found"
        assert customer.role == Role.CUSTOMER

    async def test_unknown_id(self, session: AsyncSession) -> None:
        admin = await create_user(session, role=Role.ADMIN)
        with pytest.raises(NotFound):
            await staff_service.update_staff(session, claims(admin), 10**12, StaffUpdate())
