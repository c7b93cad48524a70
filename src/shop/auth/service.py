"""Accounts and authentication: registration, login with throttling, refresh-token rotation,
logout. Never commits; the caller's transaction does."""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from shop.auth import passwords
from shop.auth import repository as repo
from shop.auth.emails import canonical_login, normalize_email
from shop.auth.errors import (
    AccountDisabled,
    EmailTaken,
    InvalidCredentials,
    InvalidEmail,
    InvalidRefreshToken,
    RefreshTokenReused,
    TooManyLoginAttempts,
)
from shop.auth.schemas import UserCreate
from shop.auth.throttle import login_refusal
from shop.auth.tokens import hash_refresh_token, issue_access_token, new_refresh_token
from shop.config import Settings
from shop.errors import Unauthorized
from shop.kit.clock import utcnow
from shop.models.accounts import RefreshToken, Role, User
from shop.observability import metrics

# Old failure rows of other (email, IP) pairs are swept on about one failed login in this many:
# often enough to keep the table small, rarely enough not to scan it on every attempt.
SWEEP_ONE_IN = 50
MAX_CLIENT_IP_LENGTH = 64  # the column's size; an IPv6 address takes at most 45


@dataclass(frozen=True, slots=True)
class TokenPair:
    access_token: str
    refresh_token: str
    expires_in: int  # seconds
    user_id: int


# Accounts


async def register(session: AsyncSession, data: UserCreate) -> User:
    """Create a customer account."""
    return await create_user(
        session,
        email=data.email,
        password=data.password,
        role=Role.CUSTOMER,
        first_name=data.first_name,
        last_name=data.last_name,
    )


async def create_user(
    session: AsyncSession,
    *,
    email: str,
    password: str,
    role: Role,
    first_name: str = "",
    last_name: str = "",
) -> User:
    """Create an account with `role` after checking the email and the password rules."""
    address = valid_email(email)
    passwords.check_password(password, email=address)
    if await repo.get_user_by_email(session, address) is not None:
        raise EmailTaken(address)
    user = User(
        email=address,
        password_hash=await passwords.hash_password(password),
        first_name=first_name,
        last_name=last_name,
        role=role,
        is_active=True,
    )
    if not await repo.insert_user(session, user):
        raise EmailTaken(address)
    return user


def valid_email(email: str) -> str:
    """The normalised address, or InvalidEmail saying what is wrong with it."""
    try:
        return normalize_email(email)
    except ValueError as exc:
        raise InvalidEmail(str(exc), errors=[{"field": "email", "message": str(exc)}]) from exc


async def get_user_by_email(session: AsyncSession, email: str) -> User | None:
    return await repo.get_user_by_email(session, canonical_login(email))


async def set_password(session: AsyncSession, user: User, password: str) -> None:
    """Replace the password (rules checked) and sign the user out everywhere."""
    passwords.check_password(password, email=user.email)
    user.password_hash = await passwords.hash_password(password)
    await revoke_sessions(session, user.id)


async def revoke_sessions(session: AsyncSession, user_id: int) -> None:
    """Revoke every refresh token of the user (their access tokens expire within minutes)."""
    await repo.revoke_user_tokens(session, user_id, now=utcnow())
    await session.flush()


async def get_active_user(session: AsyncSession, user_id: int) -> User:
    """The user an access token speaks for, re-read so that deactivation takes effect."""
    user = await repo.get_user(session, user_id)
    if user is None:
        raise Unauthorized("the account of this token no longer exists", code="invalid_token")
    if not user.is_active:
        raise AccountDisabled()
    return user


# Sessions


async def login(
    session: AsyncSession, *, email: str, password: str, client_ip: str, settings: Settings
) -> TokenPair:
    """Check the credentials, throttled per (email, client IP), and open a token family.

    A refused attempt verifies nothing. Failures are recorded (InvalidCredentials asks the
    caller to commit them although the request fails).
    """
    now = utcnow()
    login_name = canonical_login(email)
    client_ip = client_ip[:MAX_CLIENT_IP_LENGTH]
    window = timedelta(seconds=settings.login_window_seconds)
    failures = await repo.failure_times(
        session, email=login_name, client_ip=client_ip, since=now - window
    )
    refusal = login_refusal(
        failures, now=now, max_failures=settings.login_max_failures, window=window
    )
    if refusal is not None:
        metrics.count_rate_limited("login")
        raise TooManyLoginAttempts(
            (
                f"too many failed sign-ins for this account from your address; "
                f"try again in {refusal.retry_after} s"
            )
            if refusal.locked
            else f"wait {refusal.retry_after} s before the next sign-in attempt",
            retry_after=refusal.retry_after,
        )

    user = await repo.get_user_by_email(session, login_name)
    if user is None:
        await passwords.verify_dummy(password)
        verified = False
    else:
        verified = await passwords.verify_password(user.password_hash, password)
    if user is None or not verified:
        await _record_failure(
            session, email=login_name, client_ip=client_ip, now=now, window=window
        )
        metrics.count_login_failure()
        raise InvalidCredentials()
    if not user.is_active:
        raise AccountDisabled()

    await repo.delete_failures(session, email=login_name, client_ip=client_ip)
    if passwords.needs_rehash(user.password_hash):
        user.password_hash = await passwords.hash_password(password)
    user.last_login_at = now
    return await _issue(session, user, family_id=str(uuid.uuid4()), now=now, settings=settings)


async def refresh(session: AsyncSession, refresh_token: str, *, settings: Settings) -> TokenPair:
    """Rotate a refresh token: mark it used and issue a new pair in the same family.

    A token presented again after rotation means it leaked: the whole family is revoked.
    """
    now = utcnow()
    token = await repo.get_refresh_token_for_update(session, hash_refresh_token(refresh_token))
    if token is None:
        raise InvalidRefreshToken()
    if token.rotated_at is not None:
        await repo.revoke_family(session, token.family_id, now=now)
        raise RefreshTokenReused()
    if token.revoked_at is not None or token.expires_at <= now:
        raise InvalidRefreshToken()
    user = await repo.get_user(session, token.user_id)
    if user is None or not user.is_active:
        await repo.revoke_family(session, token.family_id, now=now)
        raise AccountDisabled()
    token.rotated_at = now
    return await _issue(session, user, family_id=token.family_id, now=now, settings=settings)


async def logout(session: AsyncSession, refresh_token: str) -> None:
    """Revoke the family of the token; an unknown token is quietly ignored."""
    token = await repo.get_refresh_token_for_update(session, hash_refresh_token(refresh_token))
    if token is not None:
        await repo.revoke_family(session, token.family_id, now=utcnow())


async def user_of_sign_in(session: AsyncSession, refresh_token: str) -> User | None:
    """The active user a browser sign-in (a refresh token kept in a cookie) speaks for; None
    when the token is unknown, revoked, rotated or expired, or the account is disabled. Reads
    only: a browser sign-in is not rotated, it is revoked by `logout` or `revoke_sessions`."""
    token = await repo.get_refresh_token(session, hash_refresh_token(refresh_token))
    now = utcnow()
    if token is None or token.revoked_at is not None or token.rotated_at is not None:
        return None
    if token.expires_at <= now:
        return None
    user = await repo.get_user(session, token.user_id)
    return user if user is not None and user.is_active else None


async def _issue(
    session: AsyncSession, user: User, *, family_id: str, now: datetime, settings: Settings
) -> TokenPair:
    raw = new_refresh_token()
    await repo.insert_refresh_token(
        session,
        RefreshToken(
            user_id=user.id,
            family_id=family_id,
            token_hash=hash_refresh_token(raw),
            created_at=now,
            expires_at=now + timedelta(days=settings.refresh_token_days),
        ),
    )
    lifetime = timedelta(minutes=settings.access_token_minutes)
    access = issue_access_token(
        user_id=user.id,
        role=str(user.role),
        secret=settings.secret_key.get_secret_value(),
        lifetime=lifetime,
        now=now,
    )
    return TokenPair(
        access_token=access,
        refresh_token=raw,
        expires_in=int(lifetime.total_seconds()),
        user_id=user.id,
    )


async def _record_failure(
    session: AsyncSession, *, email: str, client_ip: str, now: datetime, window: timedelta
) -> None:
    await repo.delete_failures(session, email=email, client_ip=client_ip, before=now - window)
    if secrets.randbelow(SWEEP_ONE_IN) == 0:
        await repo.delete_failures_before(session, now - window)
    await repo.insert_failure(session, email=email, client_ip=client_ip, now=now)
