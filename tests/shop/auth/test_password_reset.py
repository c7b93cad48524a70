from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from shop.auth import password_reset
from shop.auth import service as auth_service
from shop.auth.errors import WeakPassword
from shop.auth.password_reset import (
    MAX_REQUESTS_PER_EMAIL,
    MAX_REQUESTS_PER_IP,
    RESET_LINK_MINUTES,
    InvalidResetToken,
    TooManyPasswordResets,
    hash_reset_token,
)
from shop.config import Settings
from shop.models.accounts import RefreshToken
from shop.models.customers import PasswordResetRequest, PasswordResetToken
from tests.builders.accounts import DEFAULT_PASSWORD, FrozenClock, create_user

IP = "203.0.113.7"
NEW_PASSWORD = "violet tram 42 plinth"


@pytest.fixture
def reset_clock(monkeypatch: pytest.MonkeyPatch, clock: FrozenClock) -> FrozenClock:
    """One frozen time for the reset links and the auth service (sessions)."""
    monkeypatch.setattr(password_reset, "utcnow", clock)
    return clock


@pytest.fixture(autouse=True)
def never_sweep(monkeypatch: pytest.MonkeyPatch) -> None:
    # The occasional sweep is random; the tests count rows and want none swept.
    monkeypatch.setattr(password_reset, "SWEEP_ONE_IN", 10**9)


async def count(session: AsyncSession, model: type[object], *where: object) -> int:
    total = await session.scalar(select(func.count()).select_from(model).where(*where))  # type: ignore[arg-type]
    return int(total or 0)


async def tokens_of(session: AsyncSession, user_id: int) -> list[PasswordResetToken]:
    result = await session.scalars(
        select(PasswordResetToken)
        .where(PasswordResetToken.user_id == user_id)
        .order_by(PasswordResetToken.id)
        .execution_options(populate_existing=True)
    )
    return list(result)


class TestRequestReset:
    async def test_issues_a_link_stored_only_as_a_hash(
        self, session: AsyncSession, reset_clock: FrozenClock
    ) -> None:
        user = await create_user(session, email="jane@example.com")

        issued = await password_reset.request_reset(
            session, email="  Jane@Example.COM ", client_ip=IP
        )

        assert issued is not None
        assert issued.user.id == user.id
        assert issued.expires_minutes == RESET_LINK_MINUTES == 30
        [token] = await tokens_of(session, user.id)
        assert token.id == issued.token_id
        assert token.token_hash == hash_reset_token(issued.token) != issued.token
        assert token.expires_at == reset_clock.now + timedelta(minutes=30)
        assert token.used_at is None
        assert len(issued.token) >= 40

    async def test_unknown_email_issues_nothing_but_is_counted(
        self, session: AsyncSession, reset_clock: FrozenClock
    ) -> None:
        issued = await password_reset.request_reset(
            session, email="nobody@example.com", client_ip=IP
        )

        assert issued is None
        assert await count(session, PasswordResetToken) == 0
        assert (
            await count(
                session, PasswordResetRequest, PasswordResetRequest.email == "nobody@example.com"
            )
            == 1
        )

    async def test_disabled_account_gets_no_link(
        self, session: AsyncSession, reset_clock: FrozenClock
    ) -> None:
        user = await create_user(session, is_active=False)

        assert await password_reset.request_reset(session, email=user.email, client_ip=IP) is None
        assert await tokens_of(session, user.id) == []

    async def test_a_new_link_replaces_the_older_one(
        self, session: AsyncSession, reset_clock: FrozenClock
    ) -> None:
        user = await create_user(session)
        first = await password_reset.request_reset(session, email=user.email, client_ip=IP)
        second = await password_reset.request_reset(session, email=user.email, client_ip=IP)

        assert first is not None
        assert second is not None
        assert [t.token_hash for t in await tokens_of(session, user.id)] == [
            hash_reset_token(second.token)
        ]
        assert not await password_reset.token_is_usable(session, first.token)
        assert await password_reset.token_is_usable(session, second.token)

    async def test_per_email_limit_sends_nothing_more_without_saying_so(
        self, session: AsyncSession, reset_clock: FrozenClock
    ) -> None:
        user = await create_user(session)
        for attempt in range(MAX_REQUESTS_PER_EMAIL):
            ip = f"198.51.100.{attempt}"
            assert await password_reset.request_reset(session, email=user.email, client_ip=ip)
        [last] = await tokens_of(session, user.id)

        refused = await password_reset.request_reset(
            session, email=user.email, client_ip="198.51.100.99"
        )

        assert refused is None
        assert [t.id for t in await tokens_of(session, user.id)] == [last.id]
        reset_clock.advance(3601)
        assert await password_reset.request_reset(session, email=user.email, client_ip=IP)

    async def test_per_address_limit_answers_429_whatever_the_email(
        self, session: AsyncSession, reset_clock: FrozenClock
    ) -> None:
        for number in range(MAX_REQUESTS_PER_IP):
            await password_reset.request_reset(
                session, email=f"someone{number}@example.com", client_ip=IP
            )
            reset_clock.advance(60)
        before = await count(session, PasswordResetRequest)

        with pytest.raises(TooManyPasswordResets) as refused:
            await password_reset.request_reset(session, email="x@example.com", client_ip=IP)

        # The oldest request leaves the one-hour window 3600 - 10 * 60 seconds from now.
        assert refused.value.retry_after == 3000
        assert refused.value.status == 429
        assert await count(session, PasswordResetRequest) == before
        assert (
            await password_reset.request_reset(
                session, email="x@example.com", client_ip="198.51.100.1"
            )
            is None
        )


class TestResetPassword:
    async def test_sets_the_password_uses_the_link_and_signs_out_everywhere(
        self, session: AsyncSession, reset_clock: FrozenClock, service_settings: Settings
    ) -> None:
        user = await create_user(session)
        pair = await auth_service.login(
            session,
            email=user.email,
            password=DEFAULT_PASSWORD,
            client_ip=IP,
            settings=service_settings,
        )
        issued = await password_reset.request_reset(session, email=user.email, client_ip=IP)
        assert issued is not None
        reset_clock.advance(29 * 60)

        changed = await password_reset.reset_password(
            session, token=issued.token, password=NEW_PASSWORD
        )

        assert changed.id == user.id
        [token] = await tokens_of(session, user.id)
        assert token.used_at == reset_clock.now
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
        signed_in = await auth_service.login(
            session,
            email=user.email,
            password=NEW_PASSWORD,
            client_ip=IP,
            settings=service_settings,
        )
        assert signed_in.user_id == user.id

    async def test_a_link_works_once(self, session: AsyncSession, reset_clock: FrozenClock) -> None:
        user = await create_user(session)
        issued = await password_reset.request_reset(session, email=user.email, client_ip=IP)
        assert issued is not None
        await password_reset.reset_password(session, token=issued.token, password=NEW_PASSWORD)

        with pytest.raises(InvalidResetToken):
            await password_reset.reset_password(
                session, token=issued.token, password="another fine password 9"
            )
        assert not await password_reset.token_is_usable(session, issued.token)

    async def test_an_expired_link_changes_nothing(
        self, session: AsyncSession, reset_clock: FrozenClock
    ) -> None:
        user = await create_user(session)
        issued = await password_reset.request_reset(session, email=user.email, client_ip=IP)
        assert issued is not None
        hash_before = user.password_hash
        reset_clock.advance(30 * 60)

        with pytest.raises(InvalidResetToken) as refused:
            await password_reset.reset_password(session, token=issued.token, password=NEW_PASSWORD)

        assert refused.value.code == "invalid_reset_token"
        await session.refresh(user)
        assert user.password_hash == hash_before
        assert not await password_reset.token_is_usable(session, issued.token)

    @pytest.mark.parametrize("token", ["", "not-a-token", "x" * 500])
    async def test_unknown_links_are_refused(
        self, session: AsyncSession, reset_clock: FrozenClock, token: str
    ) -> None:
        with pytest.raises(InvalidResetToken):
            await password_reset.reset_password(session, token=token, password=NEW_PASSWORD)
        assert not await password_reset.token_is_usable(session, token)

    async def test_weak_password_keeps_the_link_usable(
        self, session: AsyncSession, reset_clock: FrozenClock
    ) -> None:
        user = await create_user(session)
        issued = await password_reset.request_reset(session, email=user.email, client_ip=IP)
        assert issued is not None

        with pytest.raises(WeakPassword):
            await password_reset.reset_password(session, token=issued.token, password="password")

        assert await password_reset.token_is_usable(session, issued.token)
        [token] = await tokens_of(session, user.id)
        assert token.used_at is None
