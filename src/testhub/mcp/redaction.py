"""Secrets never leave the server in a tool result, a resource or a prompt: API keys, bearer
tokens, JWTs, provider keys, card numbers, and the values of fields named like secrets."""

from __future__ import annotations

import re
from typing import Any

MASK = "[redacted]"

_SECRET_FIELD = re.compile(
    r"(?i)^(password|passwd|secret|client_secret|api_?key|access_token|refresh_token|token|"
    r"authorization|cookie|set-cookie|x-api-key|card_number|cvc|cvv|key_hash|private_key)$"
)

_PATTERNS: tuple[re.Pattern[str], ...] = (
    # Our own API keys.
    re.compile(r"thk_[A-Za-z0-9]{8}_[A-Za-z0-9_-]{43}"),
    # JWTs (the shop's access tokens) and bearer credentials in headers or curl commands.
    re.compile(r"eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}"),
    re.compile(r"(?i)(?<=bearer )[A-Za-z0-9._~+/=-]{16,}"),
    # Provider keys: OpenAI, Anthropic, Stripe (secret, restricted, webhook signing).
    re.compile(r"sk-ant-[A-Za-z0-9_-]{16,}"),
    re.compile(r"sk-(?:proj-)?[A-Za-z0-9_-]{20,}"),
    re.compile(r"(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{16,}"),
    re.compile(r"whsec_[A-Za-z0-9+/=]{16,}"),
    # Passwords in URLs (scheme://user:password@host).
    re.compile(r"(?<=://)[^/\s:@]+:[^/\s@]+(?=@)"),
    # "password": "..." or password=... inside free text (logs, request bodies).
    re.compile(r'(?i)(?<="password": ")[^"]*(?=")'),
    re.compile(r"(?i)(?<=password=)[^&\s]+"),
)

_CARD = re.compile(r"(?<!\d)\d(?:[ -]?\d){12,18}(?!\d)")


def _luhn_ok(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def _mask_card(match: re.Match[str]) -> str:
    digits = re.sub(r"\D", "", match.group(0))
    if 13 <= len(digits) <= 19 and _luhn_ok(digits):
        return MASK
    return match.group(0)


def redact_text(text: str) -> str:
    for pattern in _PATTERNS:
        text = pattern.sub(MASK, text)
    return _CARD.sub(_mask_card, text)


def redact(value: Any) -> Any:
    """A copy of a JSON-like value with secrets masked; keys named like secrets lose their value."""
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, dict):
        return {
            key: (
                MASK
                if isinstance(key, str)
                and _SECRET_FIELD.match(key)
                and value[key] not in (None, "")
                else redact(item)
            )
            for key, item in value.items()
        }
    if isinstance(value, list | tuple):
        return [redact(item) for item in value]
    return value
