"""Every SQL statement of staff management."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from shop.auth.permissions import STAFF_ROLES
from shop.models.accounts import User


async def list_staff(session: AsyncSession) -> Sequence[User]:
    result = await session.execute(
        select(User).where(User.role.in_([str(role) for role in STAFF_ROLES])).order_by(User.id)
    )
    return result.scalars().all()


async def get_user(session: AsyncSession, user_id: int) -> User | None:
    return await session.get(User, user_id)
