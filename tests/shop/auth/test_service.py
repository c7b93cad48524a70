from __future__ import annotations

from datetime import timedelta

import pytest
from argon2 import PasswordHasher
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from shop.auth import passwords
from shop.auth import repository as auth_repository
from shop.auth import service as auth_service
from shop.auth.errors import (
    AccountDisabled,
    EmailTaken,
    InvalidCredentials,
    InvalidEmail,
    InvalidRefreshToken,
    RefreshTokenReused,
    TooManyLoginAttempts,
    WeakPassword,
)
from shop.auth.schemas import UserCreate
from shop.auth.tokens import decode_access_token, hash_refresh_token
from shop.config import Settings
from shop.errors import Unauthorized
from shop.models.accounts import LoginFailure, RefreshToken, Role, User
from tests.builders.accounts import DEFAULT_PASSWORD, FrozenClock, create_user
from tests.conftest import TEST_SECRET

IP = "203.0.113.7"
GOOD_PASSWORD = "violet tram 42 plinth"
OTHER_IP = "198.51.100.9"


async def count(session: AsyncSession, model: type[object]) -> int:
    return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def failures(session: AsyncSession) -> list[tuple[str, str]]:
    rows = await session.execute(
        select(LoginFailure.email, LoginFailure.client_ip).order_by(LoginFailure.id)
    )
    return [(email, ip) for email, ip in rows.all()]


async def family(session: AsyncSession, family_id: str) -> list[RefreshToken]:
    result = await session.execute(
        select(RefreshToken)
        .where(RefreshToken.family_id == family_id)
        .order_by(RefreshToken.id)
        .execution_options(populate_existing=True)
    )
    return list(result.scalars().all())


async def stored_token(session: AsyncSession, raw: str) -> RefreshToken:
    result = await session.execute(
        select(RefreshToken)
        .where(RefreshToken.token_hash == hash_refresh_token(raw))
        .execution_options(populate_existing=True)
    )
    return result.scalar_one()


async def login(
    session: AsyncSession, settings: Settings, *, email: str, password: str, ip: str = IP
) -> auth_service.TokenPair:
    return await auth_service.login(
        session, email=email, password=password, client_ip=ip, settings=settings
    )


class TestRegister:
    async def test_creates_a_customer(self, session: AsyncSession) -> None:
        data = UserCreate(
            email="Jane.Doe@Example.com",
            password="violet tram 42 plinth",
            first_name="Jane",
            last_name="Doe",
        )
        user = await auth_service.register(session, data)
        assert (user.email, user.role, user.first_name, user.last_name, user.is_active) == (
            "jane.doe@example.com",
            Role.CUSTOMER,
            "Jane",
            "Doe",
            True,
        )
        assert user.id is not None
        assert user.password_hash.startswith("$argon2id$")
        assert await passwords.verify_password(user.password_hash, "violet tram 42 plinth")

    async def test_duplicate_email_in_another_case(self, session: AsyncSession) -> None:
        await create_user(session, email="jane@example.com")
        data = UserCreate(email="JANE@example.com", password="violet tram 42 plinth")
        with pytest.raises(EmailTaken) as caught:
            await auth_service.register(session, data)
        assert caught.value.code == "email_taken"
        assert await count(session, User) == 1

    async def test_weak_password_writes_nothing(self, session: AsyncSession) -> None:
        with pytest.raises(WeakPassword):
            await auth_service.register(
                session, UserCreate(email="jane@example.com", password="password1")
            )
        assert await count(session, User) == 0


class TestCreateUser:
    async def test_with_a_staff_role(self, session: AsyncSession) -> None:
        user = await auth_service.create_user(
            session,
            email="Boss@Example.com",
            password="violet tram 42 plinth",
            role=Role.ADMIN,
            first_name="B",
            last_name="O",
        )
        assert (user.email, user.role) == ("boss@example.com", Role.ADMIN)

    async def test_invalid_email(self, session: AsyncSession) -> None:
        with pytest.raises(InvalidEmail) as caught:
            await auth_service.create_user(
                session, email="boss", password="violet tram 42 plinth", role=Role.ADMIN
            )
        assert caught.value.code == "invalid_email"
        assert caught.value.extra["errors"][0]["field"] == "email"
        assert await count(session, User) == 0

    async def test_password_equal_to_the_email_local_part(self, session: AsyncSession) -> None:
        with pytest.raises(WeakPassword) as caught:
            await auth_service.create_user(
                session, email="alexander.b@example.com", password="Alexander.B", role=Role.ADMIN
            )
        assert caught.value.extra["errors"] == [
            {"field": "password", "message": "must not be your email address"}
        ]
        assert await count(session, User) == 0

    async def test_concurrent_duplicate_is_caught_at_insert(
        self, session: AsyncSession, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        await create_user(session, email="jane@example.com")

        async def nobody(session: AsyncSession, email: str) -> None:
            return None  # as if the other registration committed after this check

        monkeypatch.setattr(auth_repository, "get_user_by_email", nobody)
        with pytest.raises(EmailTaken):
            await auth_service.create_user(
                session, email="jane@example.com", password=GOOD_PASSWORD, role=Role.CUSTOMER
            )
        # Only the savepoint was rolled back: the transaction goes on.
        assert await count(session, User) == 1


class TestLogin:
    async def test_issues_a_token_pair(
        self, session: AsyncSession, service_settings: Settings, clock: FrozenClock
    ) -> None:
        user = await create_user(session, email="jane@example.com", role=Role.MANAGER)
        pair = await login(
            session, service_settings, email="Jane@Example.com", password=DEFAULT_PASSWORD
        )
        claims = decode_access_token(pair.access_token, secret=TEST_SECRET)
        assert (claims.user_id, claims.role) == (user.id, "manager")
        assert claims.expires_at == clock.now + timedelta(minutes=15)
        assert pair.expires_in == 900
        token = await stored_token(session, pair.refresh_token)
        assert token.user_id == user.id
        assert token.token_hash == hash_refresh_token(pair.refresh_token) != pair.refresh_token
        assert token.expires_at == clock.now + timedelta(days=14)
        assert (token.rotated_at, token.revoked_at) == (None, None)
        assert user.last_login_at == clock.now

    async def test_wrong_password_records_a_failure(
        self, session: AsyncSession, service_settings: Settings
    ) -> None:
        await create_user(session, email="jane@example.com")
        with pytest.raises(InvalidCredentials) as caught:
            await login(session, service_settings, email="jane@example.com", password="nope nope")
        assert caught.value.message == "the email or password is incorrect"
        assert await failures(session) == [("jane@example.com", IP)]
        assert await count(session, RefreshToken) == 0

    async def test_unknown_email_fails_alike_and_spends_a_verification(
        self, session: AsyncSession, service_settings: Settings, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        spent: list[str] = []

        async def verify_dummy(password: str) -> None:
            spent.append(password)

        monkeypatch.setattr(passwords, "verify_dummy", verify_dummy)
        with pytest.raises(InvalidCredentials) as caught:
            await login(
                session, service_settings, email="Ghost@example.com", password="boo boo boo"
            )
        assert caught.value.message == "the email or password is incorrect"
        assert spent == ["boo boo boo"]
        assert await failures(session) == [("ghost@example.com", IP)]

    async def test_disabled_account(
        self, session: AsyncSession, service_settings: Settings
    ) -> None:
        await create_user(session, email="jane@example.com", is_active=False)
        with pytest.raises(AccountDisabled) as caught:
            await login(
                session, service_settings, email="jane@example.com", password=DEFAULT_PASSWORD
            )
        assert (caught.value.status, caught.value.code) == (401, "account_disabled")
        assert await count(session, RefreshToken) == 0

    async def test_disabled_account_with_a_wrong_password_says_only_wrong(
        self, session: AsyncSession, service_settings: Settings
    ) -> None:
        await create_user(session, email="jane@example.com", is_active=False)
        with pytest.raises(InvalidCredentials):
            await login(session, service_settings, email="jane@example.com", password="nope nope")

    async def test_rehashes_a_hash_with_old_parameters(
        self, session: AsyncSession, service_settings: Settings
    ) -> None:
        user = await create_user(session, email="jane@example.com")
        old_hash = PasswordHasher(time_cost=2, memory_cost=8192, parallelism=1).hash(
            DEFAULT_PASSWORD
        )
        user.password_hash = old_hash
        await session.flush()
        await login(session, service_settings, email="jane@example.com", password=DEFAULT_PASSWORD)
        assert user.password_hash != old_hash
        assert passwords.needs_rehash(user.password_hash) is False
        assert await passwords.verify_password(user.password_hash, DEFAULT_PASSWORD)

    async def test_current_hash_is_kept(
        self, session: AsyncSession, service_settings: Settings
    ) -> None:
        user = await create_user(session, email="jane@example.com")
        before = user.password_hash
        await login(session, service_settings, email="jane@example.com", password=DEFAULT_PASSWORD)
        assert user.password_hash == before

    async def test_success_clears_the_failures_of_that_ip_only(
        self, session: AsyncSession, service_settings: Settings, clock: FrozenClock
    ) -> None:
        await create_user(session, email="jane@example.com")
        for ip in (IP, OTHER_IP):
            with pytest.raises(InvalidCredentials):
                await login(
                    session, service_settings, email="jane@example.com", password="x", ip=ip
                )
        await login(session, service_settings, email="jane@example.com", password=DEFAULT_PASSWORD)
        assert await failures(session) == [("jane@example.com", OTHER_IP)]

    async def test_refused_while_delayed_without_verifying(
        self,
        session: AsyncSession,
        service_settings: Settings,
        clock: FrozenClock,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        await create_user(session, email="jane@example.com")
        for _ in range(2):
            with pytest.raises(InvalidCredentials):
                await login(session, service_settings, email="jane@example.com", password="x")

        async def must_not_verify(password_hash: str, password: str) -> bool:
            raise AssertionError("a refused attempt verified the password")

        monkeypatch.setattr(passwords, "verify_password", must_not_verify)
        with pytest.raises(TooManyLoginAttempts) as caught:
            await login(
                session, service_settings, email="jane@example.com", password=DEFAULT_PASSWORD
            )
        assert (caught.value.status, caught.value.code, caught.value.retry_after) == (
            429,
            "too_many_login_attempts",
            1,
        )
        assert len(await failures(session)) == 2

    async def test_locked_after_five_failures(
        self, session: AsyncSession, service_settings: Settings, clock: FrozenClock
    ) -> None:
        await create_user(session, email="jane@example.com")
        for delay in (0, 0, 1, 2, 4):
            clock.advance(delay)
            with pytest.raises(InvalidCredentials):
                await login(session, service_settings, email="jane@example.com", password="x")
        clock.advance(60)
        with pytest.raises(TooManyLoginAttempts) as caught:
            await login(
                session, service_settings, email="jane@example.com", password=DEFAULT_PASSWORD
            )
        assert caught.value.retry_after == 15 * 60 - 67

    async def test_old_failures_of_the_pair_are_cleaned_up(
        self, session: AsyncSession, service_settings: Settings, clock: FrozenClock
    ) -> None:
        with pytest.raises(InvalidCredentials):
            await login(session, service_settings, email="ghost@example.com", password="x")
        clock.advance(15 * 60 + 1)
        with pytest.raises(InvalidCredentials):
            await login(session, service_settings, email="ghost@example.com", password="x")
        times = await session.scalars(select(LoginFailure.created_at))
        assert list(times) == [clock.now]

    async def test_old_failures_of_others_are_swept_now_and_then(
        self,
        session: AsyncSession,
        service_settings: Settings,
        clock: FrozenClock,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        monkeypatch.setattr(auth_service, "SWEEP_ONE_IN", 1)
        with pytest.raises(InvalidCredentials):
            await login(session, service_settings, email="old@example.com", password="x")
        with pytest.raises(InvalidCredentials):
            await login(
                session, service_settings, email="old@example.com", password="x", ip=OTHER_IP
            )
        clock.advance(15 * 60 + 1)
        with pytest.raises(InvalidCredentials):
            await login(session, service_settings, email="new@example.com", password="x")
        assert await failures(session) == [("new@example.com", IP)]


class TestRefresh:
    async def test_rotates_within_the_family(
        self, session: AsyncSession, service_settings: Settings, clock: FrozenClock
    ) -> None:
        await create_user(session, email="jane@example.com")
        first = await login(
            session, service_settings, email="jane@example.com", password=DEFAULT_PASSWORD
        )
        clock.advance(60)
        second = await auth_service.refresh(session, first.refresh_token, settings=service_settings)
        assert second.refresh_token != first.refresh_token
        old, new = (
            await stored_token(session, first.refresh_token),
            await stored_token(session, second.refresh_token),
        )
        assert new.family_id == old.family_id
        assert old.rotated_at == clock.now
        assert (new.rotated_at, new.revoked_at, old.revoked_at) == (None, None, None)
        assert new.expires_at == clock.now + timedelta(days=14)

    async def test_reuse_revokes_the_whole_family(
        self, session: AsyncSession, service_settings: Settings, clock: FrozenClock
    ) -> None:
        await create_user(session, email="jane@example.com")
        first = await login(
            session, service_settings, email="jane@example.com", password=DEFAULT_PASSWORD
        )
        second = await auth_service.refresh(session, first.refresh_token, settings=service_settings)
        third = await auth_service.refresh(session, second.refresh_token, settings=service_settings)
        other = await login(
            session, service_settings, email="jane@example.com", password=DEFAULT_PASSWORD
        )
        clock.advance(5)
        with pytest.raises(RefreshTokenReused) as caught:
            await auth_service.refresh(session, first.refresh_token, settings=service_settings)
        assert (caught.value.status, caught.value.code) == (401, "refresh_token_reused")
        revoked = await family(
            session, (await stored_token(session, first.refresh_token)).family_id
        )
        assert [token.revoked_at for token in revoked] == [clock.now] * 3
        with pytest.raises(InvalidRefreshToken):
            await auth_service.refresh(session, third.refresh_token, settings=service_settings)
        # Another sign-in of the same user is another family: untouched.
        await auth_service.refresh(session, other.refresh_token, settings=service_settings)

    async def test_expired(
        self, session: AsyncSession, service_settings: Settings, clock: FrozenClock
    ) -> None:
        await create_user(session, email="jane@example.com")
        pair = await login(
            session, service_settings, email="jane@example.com", password=DEFAULT_PASSWORD
        )
        clock.advance(14 * 24 * 3600)
        with pytest.raises(InvalidRefreshToken) as caught:
            await auth_service.refresh(session, pair.refresh_token, settings=service_settings)
        assert caught.value.code == "invalid_refresh_token"
        assert (await stored_token(session, pair.refresh_token)).rotated_at is None

    async def test_unknown(self, session: AsyncSession, service_settings: Settings) -> None:
        with pytest.raises(InvalidRefreshToken):
            await auth_service.refresh(session, "not-a-token", settings=service_settings)

    async def test_revoked_by_logout(
        self, session: AsyncSession, service_settings: Settings
    ) -> None:
        await create_user(session, email="jane@example.com")
        pair = await login(
            session, service_settings, email="jane@example.com", password=DEFAULT_PASSWORD
        )
        await auth_service.logout(session, pair.refresh_token)
        with pytest.raises(InvalidRefreshToken):
            await auth_service.refresh(session, pair.refresh_token, settings=service_settings)

    async def test_rereads_the_role(
        self, session: AsyncSession, service_settings: Settings
    ) -> None:
        user = await create_user(session, email="jane@example.com", role=Role.SUPPORT)
        pair = await login(
            session, service_settings, email="jane@example.com", password=DEFAULT_PASSWORD
        )
        user.role = Role.MANAGER
        await session.flush()
        renewed = await auth_service.refresh(session, pair.refresh_token, settings=service_settings)
        assert decode_access_token(renewed.access_token, secret=TEST_SECRET).role == "manager"

    async def test_deactivated_user_loses_the_family(
        self, session: AsyncSession, service_settings: Settings
    ) -> None:
        user = await create_user(session, email="jane@example.com")
        pair = await login(
            session, service_settings, email="jane@example.com", password=DEFAULT_PASSWORD
        )
        user.is_active = False
        await session.flush()
        with pytest.raises(AccountDisabled):
            await auth_service.refresh(session, pair.refresh_token, settings=service_settings)
        assert (await stored_token(session, pair.refresh_token)).revoked_at is not None


class TestLogout:
    async def test_revokes_the_family(
        self, session: AsyncSession, service_settings: Settings, clock: FrozenClock
    ) -> None:
        await create_user(session, email="jane@example.com")
        first = await login(
            session, service_settings, email="jane@example.com", password=DEFAULT_PASSWORD
        )
        second = await auth_service.refresh(session, first.refresh_token, settings=service_settings)
        await auth_service.logout(session, second.refresh_token)
        tokens = await family(session, (await stored_token(session, first.refresh_token)).family_id)
        assert [token.revoked_at for token in tokens] == [clock.now, clock.now]

    async def test_unknown_token_is_ignored(self, session: AsyncSession) -> None:
        await auth_service.logout(session, "not-a-token")
        assert await count(session, RefreshToken) == 0


class TestRevokeSessions:
    async def test_revokes_every_family_of_the_user_only(
        self, session: AsyncSession, service_settings: Settings
    ) -> None:
        jane = await create_user(session, email="jane@example.com")
        await create_user(session, email="joe@example.com")
        for email in ("jane@example.com", "jane@example.com", "joe@example.com"):
            await login(session, service_settings, email=email, password=DEFAULT_PASSWORD)
        await auth_service.revoke_sessions(session, jane.id)
        rows = await session.execute(
            select(RefreshToken.user_id, RefreshToken.revoked_at.is_not(None)).order_by(
                RefreshToken.id
            )
        )
        assert [(user_id == jane.id, revoked) for user_id, revoked in rows.all()] == [
            (True, True),
            (True, True),
            (False, False),
        ]


class TestGetActiveUser:
    async def test_active(self, session: AsyncSession) -> None:
        user = await create_user(session)
        assert await auth_service.get_active_user(session, user.id) is user

    async def test_gone(self, session: AsyncSession) -> None:
        with pytest.raises(Unauthorized) as caught:
            await auth_service.get_active_user(session, 10**12)
        assert caught.value.code == "invalid_token"

    async def test_disabled(self, session: AsyncSession) -> None:
        user = await create_user(session, is_active=False)
        with pytest.raises(AccountDisabled):
            await auth_service.get_active_user(session, user.id)
