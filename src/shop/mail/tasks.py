"""Background handlers of mail: `mail.send` composes a message from a template and sends it."""

from __future__ import annotations

import logging
from typing import Any

from shop.integrations.mail.base import mask_address
from shop.jobs.registry import JobContext, PermanentJobError, register
from shop.mail import service

log = logging.getLogger(__name__)


@register(service.SEND_TOPIC)
async def send_mail(ctx: JobContext, payload: dict[str, Any]) -> None:
    """Payload: {to, template, context, message_id}. At least once: the deterministic
    Message-ID lets the files adapter (and receiving servers) drop a repeat."""
    try:
        to = str(payload["to"])
        template = str(payload["template"])
        message = service.compose(
            to,
            template,
            dict(payload["context"]),
            ctx.settings,
            message_id=payload.get("message_id"),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise PermanentJobError(f"malformed mail job: {exc}") from exc
    await ctx.mail_sender.send(message)
    log.info("mail %s sent to %s as %s", template, mask_address(to), message["Message-ID"])
