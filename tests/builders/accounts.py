"""Builders for users and their access tokens. Keyword-only, safe defaults."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta

import pytest
from argon2 import PasswordHasher
from sqlalchemy.ext.asyncio import AsyncSession

from shop.auth import passwords
from shop.auth.tokens import issue_access_token
from shop.models.accounts import Role, User

DEFAULT_PASSWORD = "correct horse battery"


def fast_hasher() -> PasswordHasher:
    return PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1)  # fast, still argon2id


_hasher = fast_hasher()
_DEFAULT_HASH = _hasher.hash(DEFAULT_PASSWORD)
_sequence = itertools.count(1)


async def create_user(
    session: AsyncSession,
    *,
    email: str | None = None,
    role: Role = Role.CUSTOMER,
    password: str = DEFAULT_PASSWORD,
    first_name: str = "Test",
    last_name: str = "User",
    is_active: bool = True,
) -> User:
    user = User(
        email=email or f"{role.value}{next(_sequence)}@example.com",
        password_hash=_DEFAULT_HASH if password == DEFAULT_PASSWORD else _hasher.hash(password),
        first_name=first_name,
        last_name=last_name,
        role=role,
        is_active=is_active,
    )
    session.add(user)
    await session.flush()
    return user


def bearer(user: User, *, secret: str, minutes: int = 15) -> dict[str, str]:
    token = issue_access_token(
        user_id=user.id, role=user.role, secret=secret, lifetime=timedelta(minutes=minutes)
    )
    return {"Authorization": f"Bearer {token}"}


def use_fast_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Hash with the builders' cheap argon2id parameters (production's take ~0.1 s each)."""
    monkeypatch.setattr(passwords, "_hashing", passwords.Hashing(fast_hasher()))


class FrozenClock:
    """Stands in for a module's `utcnow`; moves only when told to."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)
