"""Mail from templates: render, compose an RFC 5322 message, and enqueue it for after commit."""

from __future__ import annotations

import re
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr
from typing import Any

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from shop.config import Settings
from shop.jobs import service as jobs_service
from shop.kit.clock import utcnow
from shop.mail import rendering
from shop.mail.schemas import TEMPLATE_CONTEXTS

SEND_TOPIC = "mail.send"
SHOP_NAME = "Shopwright"
_MESSAGE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")


class MailContentError(ValueError):
    """The template does not exist or its context does not fit: a bug of the caller, which
    retrying cannot fix."""


def template_names() -> list[str]:
    return sorted(TEMPLATE_CONTEXTS)


def validate_context(template: str, context: dict[str, Any]) -> dict[str, Any]:
    """The context checked against the template's schema, in its JSON form."""
    schema = TEMPLATE_CONTEXTS.get(template)
    if schema is None:
        raise MailContentError(
            f"unknown mail template {template!r}; known: {', '.join(template_names())}"
        )
    try:
        return schema.model_validate(context).model_dump(mode="json")
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in error['loc'])}: {error['msg']}" for error in exc.errors()
        )
        raise MailContentError(f"context of mail {template!r} is invalid: {problems}") from exc


def render(template: str, context: dict[str, Any]) -> tuple[str, str, str]:
    """(subject, text, html) of `template` with `context`."""
    values = {**validate_context(template, context), "shop_name": SHOP_NAME}
    subject = rendering.render_file(f"{template}.subject.txt", values)
    # One line, whatever the context held: a header must not carry line breaks.
    subject = " ".join(subject.split())
    text = rendering.render_file(f"{template}.txt", values)
    html = rendering.render_file(f"{template}.html", values)
    return subject, text, html


def _check_recipient(to: str) -> None:
    _, address = parseaddr(to)
    if "@" not in address or any(c in to for c in "\r\n"):
        raise MailContentError("the recipient is not an email address")


def _check_message_id(message_id: str) -> None:
    if not _MESSAGE_ID.match(message_id):
        raise MailContentError(
            "a message id has 1-100 letters, digits, '.', '_' or '-' "
            "(e.g. 'order-SW-1001-confirmation')"
        )


def compose(
    to: str,
    template: str,
    context: dict[str, Any],
    settings: Settings,
    *,
    message_id: str | None = None,
) -> EmailMessage:
    """The message to send. With `message_id` (an idempotency id such as
    'order-SW-1001-confirmation') the Message-ID header is the same every time it is composed,
    so a repeated send can be recognised (by the files adapter, and by receiving servers)."""
    _check_recipient(to)
    subject, text, html = render(template, context)
    domain = parseaddr(settings.mail_from)[1].rpartition("@")[2] or "shopwright.invalid"
    message = EmailMessage()
    message["From"] = settings.mail_from
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = format_datetime(utcnow())
    if message_id is None:
        message["Message-ID"] = make_msgid(domain=domain)
    else:
        _check_message_id(message_id)
        message["Message-ID"] = f"<{message_id}@{domain}>"
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    return message


async def enqueue_mail(
    session: AsyncSession,
    *,
    to: str,
    template: str,
    context: dict[str, Any],
    message_id: str,
) -> None:
    """Send a mail after the caller's transaction commits (never if it rolls back).

    Checked now, so that a bad context fails the caller's request rather than a job later."""
    _check_recipient(to)
    _check_message_id(message_id)
    checked = validate_context(template, context)
    render(template, checked)
    await jobs_service.enqueue(
        session,
        SEND_TOPIC,
        {"to": to, "template": template, "context": checked, "message_id": message_id},
    )
