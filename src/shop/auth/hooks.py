"""Sign-in hooks: how features above auth react to a login without auth importing them."""

from __future__ import annotations

from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession


class LoginHook(Protocol):
    async def __call__(
        self, session: AsyncSession, *, user_id: int, cart_token: str | None
    ) -> None: ...


STATE_ATTRIBUTE = "login_hooks"


def login_hooks(state: object) -> list[LoginHook]:
    hooks: list[LoginHook] = getattr(state, STATE_ATTRIBUTE, [])
    return hooks
