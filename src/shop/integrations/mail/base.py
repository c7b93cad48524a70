"""The mail port: what the shop needs from a mail transport, and how addresses appear in logs."""

from __future__ import annotations

import re
from email.message import EmailMessage
from typing import Protocol


class MailSender(Protocol):
    """Hands one message to a transport. Raises on failure, so that the job is retried."""

    async def send(self, message: EmailMessage) -> None: ...


_ADDRESS = re.compile(r"([A-Za-z0-9._%+-])[A-Za-z0-9._%+-]*@([A-Za-z0-9.-]+)")


def mask_address(address: str) -> str:
    """'jane@example.com' -> 'j***@example.com': enough to tell mails apart, not to read them."""
    local, at, domain = address.rpartition("@")
    if not at:
        return "***"
    return f"{local[:1]}***@{domain}"


def mask_addresses(text: str) -> str:
    """Mask every address found in free text (error messages of transports)."""
    return _ADDRESS.sub(r"\1***@\2", text)
