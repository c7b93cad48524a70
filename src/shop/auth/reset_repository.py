"""Every SQL statement of password resets: the single-use tokens and the requests counted for
the rate limit."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from shop.models.customers import PasswordResetRequest, PasswordResetToken


async def insert_request(
    session: AsyncSession, *, email: str, client_ip: str, now: datetime
) -> None:
    session.add(PasswordResetRequest(email=email, client_ip=client_ip, created_at=now))
    await session.flush()


async def count_requests_by_email(session: AsyncSession, email: str, *, since: datetime) -> int:
    total = await session.scalar(
        select(func.count())
        .select_from(PasswordResetRequest)
        .where(PasswordResetRequest.email == email, PasswordResetRequest.created_at > since)
    )
    return int(total or 0)


async def request_times_by_ip(
    session: AsyncSession, client_ip: str, *, since: datetime
) -> list[datetime]:
    """Oldest first."""
    result = await session.scalars(
        select(PasswordResetRequest.created_at)
        .where(PasswordResetRequest.client_ip == client_ip, PasswordResetRequest.created_at > since)
        .order_by(PasswordResetRequest.created_at)
    )
    return list(result)


async def delete_requests_before(session: AsyncSession, before: datetime) -> None:
    await session.execute(
        delete(PasswordResetRequest).where(PasswordResetRequest.created_at <= before)
    )


async def insert_token(session: AsyncSession, token: PasswordResetToken) -> PasswordResetToken:
    session.add(token)
    await session.flush()
    return token


async def get_token_for_update(session: AsyncSession, token_hash: str) -> PasswordResetToken | None:
    # The row lock makes two concurrent uses of one link take turns: only the first succeeds.
    result = await session.execute(
        select(PasswordResetToken)
        .where(PasswordResetToken.token_hash == token_hash)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return result.scalar_one_or_none()


async def get_token(session: AsyncSession, token_hash: str) -> PasswordResetToken | None:
    result = await session.execute(
        select(PasswordResetToken).where(PasswordResetToken.token_hash == token_hash)
    )
    return result.scalar_one_or_none()


async def delete_user_tokens(
    session: AsyncSession, user_id: int, *, keep_id: int | None = None
) -> None:
    statement = delete(PasswordResetToken).where(PasswordResetToken.user_id == user_id)
    if keep_id is not None:
        statement = statement.where(PasswordResetToken.id != keep_id)
    await session.execute(statement)


async def delete_expired_tokens(session: AsyncSession, now: datetime) -> None:
    await session.execute(delete(PasswordResetToken).where(PasswordResetToken.expires_at <= now))
