"""Every SQL statement of accounts and authentication."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from shop.models.accounts import LoginFailure, RefreshToken, User


async def get_user(session: AsyncSession, user_id: int) -> User | None:
    return await session.get(User, user_id)


async def get_user_by_email(session: AsyncSession, email: str) -> User | None:
    result = await session.execute(select(User).where(User.email == email))
    return result.scalar_one_or_none()


async def insert_user(session: AsyncSession, user: User) -> bool:
    """Insert `user`; False (and nothing written) when its email is already taken, which a
    concurrent registration can do between the service's check and this insert."""
    try:
        async with session.begin_nested():
            session.add(user)
            await session.flush()
    except IntegrityError:
        return False
    return True


# Refresh tokens


async def insert_refresh_token(session: AsyncSession, token: RefreshToken) -> None:
    session.add(token)
    await session.flush()


async def get_refresh_token(session: AsyncSession, token_hash: str) -> RefreshToken | None:
    result = await session.execute(
        select(RefreshToken).where(RefreshToken.token_hash == token_hash)
    )
    return result.scalar_one_or_none()


async def get_refresh_token_for_update(
    session: AsyncSession, token_hash: str
) -> RefreshToken | None:
    # The row lock makes two concurrent refreshes of one token take turns (PostgreSQL); SQLite
    # write transactions are serialised anyway.
    result = await session.execute(
        select(RefreshToken).where(RefreshToken.token_hash == token_hash).with_for_update()
    )
    return result.scalar_one_or_none()


async def revoke_family(session: AsyncSession, family_id: str, *, now: datetime) -> None:
    await session.execute(
        update(RefreshToken)
        .where(RefreshToken.family_id == family_id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=now)
    )


async def revoke_user_tokens(session: AsyncSession, user_id: int, *, now: datetime) -> None:
    await session.execute(
        update(RefreshToken)
        .where(RefreshToken.user_id == user_id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=now)
    )


# Failed logins


async def failure_times(
    session: AsyncSession, *, email: str, client_ip: str, since: datetime
) -> list[datetime]:
    result = await session.execute(
        select(LoginFailure.created_at)
        .where(
            LoginFailure.email == email,
            LoginFailure.client_ip == client_ip,
            LoginFailure.created_at > since,
        )
        .order_by(LoginFailure.created_at)
    )
    return list(result.scalars().all())


async def insert_failure(
    session: AsyncSession, *, email: str, client_ip: str, now: datetime
) -> None:
    session.add(LoginFailure(email=email, client_ip=client_ip, created_at=now))
    await session.flush()


async def delete_failures(
    session: AsyncSession, *, email: str, client_ip: str, before: datetime | None = None
) -> None:
    statement = delete(LoginFailure).where(
        LoginFailure.email == email, LoginFailure.client_ip == client_ip
    )
    if before is not None:
        statement = statement.where(LoginFailure.created_at <= before)
    await session.execute(statement)


async def delete_failures_before(session: AsyncSession, before: datetime) -> None:
    await session.execute(delete(LoginFailure).where(LoginFailure.created_at <= before))
