"""Password reset for customers: ask for a link by email, then choose a new password through
it. The tokens and the rules are auth's (`shop.auth.password_reset`); this module mails the
link through the mail outbox, which auth (below mail) cannot. Never commits."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from shop.auth import password_reset
from shop.config import Settings
from shop.mail import service as mail_service
from shop.models.accounts import User

RESET_PATH = "/password/reset/"


def reset_url(settings: Settings, token: str) -> str:
    return settings.public_url.rstrip("/") + RESET_PATH + token


async def send_reset_link(
    session: AsyncSession, *, email: str, client_ip: str, settings: Settings
) -> None:
    """Mail a reset link if `email` is an active account (and within the limits). Answers the
    same either way; TooManyPasswordResets when this client asked too often."""
    issued = await password_reset.request_reset(session, email=email, client_ip=client_ip)
    if issued is None:
        return
    user = issued.user
    name = " ".join(part for part in (user.first_name, user.last_name) if part) or None
    await mail_service.enqueue_mail(
        session,
        to=user.email,
        template="password_reset",
        context={
            "reset_url": reset_url(settings, issued.token),
            "expires_minutes": issued.expires_minutes,
            "customer_name": name,
        },
        message_id=f"password-reset-{issued.token_id}",
    )


async def link_is_usable(session: AsyncSession, token: str) -> bool:
    return await password_reset.token_is_usable(session, token)


async def reset_password(session: AsyncSession, *, token: str, password: str) -> User:
    """InvalidResetToken for a bad link; WeakPassword (link still usable) for a weak password."""
    return await password_reset.reset_password(session, token=token, password=password)
