"""Password reset by a single-use link: a random secret mailed to the account's address, stored
only as its sha256, valid for RESET_LINK_MINUTES, used once. Resetting signs the account out
everywhere. Never commits; never sends mail itself (auth sits below mail: the caller mails the
link it gets back, see shop.customers.recovery).

A request answers the same whether or not the email is an account. Requests are rate limited
per client address (429, which says nothing about the email) and per email (further requests
are accepted but send nothing, so that nobody can flood someone's inbox).
"""

from __future__ import annotations

import hashlib
import math
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from shop.auth import repository as repo
from shop.auth import reset_repository as reset_repo
from shop.auth import service as auth_service
from shop.auth.emails import canonical_login
from shop.errors import ShopError, TooManyRequests
from shop.kit.clock import utcnow
from shop.models.accounts import User
from shop.models.customers import PasswordResetToken

RESET_LINK_MINUTES = 30
REQUEST_WINDOW = timedelta(hours=1)
MAX_REQUESTS_PER_EMAIL = 3
MAX_REQUESTS_PER_IP = 10
MAX_CLIENT_IP_LENGTH = 64
# Old requests and expired links are swept on about one request in this many.
SWEEP_ONE_IN = 20


class InvalidResetToken(ShopError):
    code = "invalid_reset_token"
    status = 400
    title = "Invalid reset link"

    def __init__(self) -> None:
        # One message for unknown, expired and used links: none of them tells anything.
        super().__init__(
            "this password reset link is invalid, has expired or was already used; "
            "ask for a new one"
        )


class TooManyPasswordResets(TooManyRequests):
    code = "too_many_password_resets"


@dataclass(frozen=True, slots=True)
class IssuedReset:
    """A link to mail: `token` is the secret (only here, never stored)."""

    user: User
    token: str
    token_id: int
    expires_minutes: int


def hash_reset_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def request_reset(session: AsyncSession, *, email: str, client_ip: str) -> IssuedReset | None:
    """Record the request and, for an active account within the limits, issue a link (which
    replaces any earlier one). None: nothing to send, for whatever reason."""
    now = utcnow()
    login_name = canonical_login(email)
    client_ip = client_ip[:MAX_CLIENT_IP_LENGTH]
    since = now - REQUEST_WINDOW
    times = await reset_repo.request_times_by_ip(session, client_ip, since=since)
    if len(times) >= MAX_REQUESTS_PER_IP:
        frees_at = times[len(times) - MAX_REQUESTS_PER_IP] + REQUEST_WINDOW
        retry_after = max(1, math.ceil((frees_at - now).total_seconds()))
        raise TooManyPasswordResets(
            f"too many password reset requests from your address; try again in {retry_after} s",
            retry_after=retry_after,
        )
    earlier = await reset_repo.count_requests_by_email(session, login_name, since=since)
    if secrets.randbelow(SWEEP_ONE_IN) == 0:
        await reset_repo.delete_requests_before(session, since)
        await reset_repo.delete_expired_tokens(session, now)
    await reset_repo.insert_request(session, email=login_name, client_ip=client_ip, now=now)
    if earlier >= MAX_REQUESTS_PER_EMAIL:
        return None
    user = await repo.get_user_by_email(session, login_name)
    if user is None or not user.is_active:
        return None
    # Only the newest link works: an older mail lying around is useless.
    await reset_repo.delete_user_tokens(session, user.id)
    raw = secrets.token_urlsafe(32)
    token = await reset_repo.insert_token(
        session,
        PasswordResetToken(
            user_id=user.id,
            token_hash=hash_reset_token(raw),
            created_at=now,
            expires_at=now + timedelta(minutes=RESET_LINK_MINUTES),
        ),
    )
    return IssuedReset(user=user, token=raw, token_id=token.id, expires_minutes=RESET_LINK_MINUTES)


def _usable(token: PasswordResetToken | None, now: datetime) -> bool:
    return token is not None and token.used_at is None and token.expires_at > now


async def token_is_usable(session: AsyncSession, token: str) -> bool:
    """Whether the link can still be used (for showing the form or an explanation)."""
    if not token or len(token) > 200:
        return False
    return _usable(await reset_repo.get_token(session, hash_reset_token(token)), utcnow())


async def reset_password(session: AsyncSession, *, token: str, password: str) -> User:
    """Set a new password (registration's rules) through a link, use the link up, and revoke
    every session of the account. WeakPassword leaves the link usable for another try."""
    now = utcnow()
    if not token or len(token) > 200:
        raise InvalidResetToken()
    row = await reset_repo.get_token_for_update(session, hash_reset_token(token))
    if row is None or not _usable(row, now):
        raise InvalidResetToken()
    user = await repo.get_user(session, row.user_id)
    if user is None or not user.is_active:
        raise InvalidResetToken()
    await auth_service.set_password(session, user, password)
    row.used_at = now
    await reset_repo.delete_user_tokens(session, user.id, keep_id=row.id)
    await session.flush()
    return user
