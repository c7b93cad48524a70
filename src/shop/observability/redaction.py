"""What must never reach a log line: passwords, tokens, secrets and card data; emails are masked.

Two layers: a field whose *name* looks sensitive loses its value whatever it is, and every string
(the message, other fields, formatted tracebacks) is scrubbed of values that *look* sensitive
(bearer tokens, JWTs, provider keys, `password=...` pairs, credentials in URLs, card numbers).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, MutableMapping
from typing import Any

REDACTED = "[REDACTED]"
CARD = "[CARD]"

_SENSITIVE_NAME = re.compile(
    r"pass(word|wd|phrase)?|secret|token|authori[sz]ation|cookie|api[_-]?key|private[_-]?key"
    r"|credential|card[_-]?(number|no)|^card$|^pan$|cvc|cvv|security[_-]?code|iban|signature"
    r"|smtp[_-]?url|dsn",
    re.IGNORECASE,
)
_EMAIL = re.compile(r"\b([A-Za-z0-9._%+-])[A-Za-z0-9._%+-]*@([A-Za-z0-9.-]+\.[A-Za-z]{2,})\b")
_BEARER = re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]+")
_JWT = re.compile(r"\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*")
_PROVIDER_KEY = re.compile(r"\b(sk|rk|pk)_(live|test)_[A-Za-z0-9]{6,}|\bwhsec_[A-Za-z0-9_]{6,}")
_PAIR = re.compile(
    r"(?i)\b(password|passwd|secret|token|access_token|refresh_token|api[_-]?key|cvc|cvv"
    r"|card[_-]?number)(\"?'?\s*[:=]\s*\"?'?)([^\s\"',;&}]+)"
)
_URL_CREDENTIALS = re.compile(r"(\w+://)[^/@\s:]+(:[^/@\s]*)?@")
_CARD_CANDIDATE = re.compile(r"(?<![\w-])(?:\d[ -]?){12,18}\d(?![\w-])")


def mask_email(address: str) -> str:
    """`jane.doe@example.com` -> `j***@example.com`: enough to tell accounts apart in support."""
    return _EMAIL.sub(lambda m: f"{m.group(1)}***@{m.group(2)}", address)


def _luhn_valid(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        digit = int(char)
        if index % 2 == 1:
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return total % 10 == 0


def _card(match: re.Match[str]) -> str:
    digits = re.sub(r"[ -]", "", match.group(0))
    return CARD if 13 <= len(digits) <= 19 and _luhn_valid(digits) else match.group(0)


def scrub_text(text: str) -> str:
    text = _BEARER.sub(lambda m: f"{m.group(1)} {REDACTED}", text)
    text = _JWT.sub(REDACTED, text)
    text = _PROVIDER_KEY.sub(REDACTED, text)
    text = _PAIR.sub(lambda m: f"{m.group(1)}{m.group(2)}{REDACTED}", text)
    text = _URL_CREDENTIALS.sub(r"\1***@", text)
    text = _CARD_CANDIDATE.sub(_card, text)
    return mask_email(text)


def is_sensitive_name(name: str) -> bool:
    return bool(_SENSITIVE_NAME.search(name))


def scrub_value(value: Any, *, depth: int = 0) -> Any:
    """A copy of `value` with sensitive fields blanked and strings scrubbed (containers nested
    up to a sane depth; other objects pass through unchanged)."""
    if isinstance(value, str):
        return scrub_text(value)
    if depth > 6:
        return value
    if isinstance(value, Mapping):
        return {
            key: REDACTED
            if isinstance(key, str) and is_sensitive_name(key)
            else scrub_value(item, depth=depth + 1)
            for key, item in value.items()
        }
    if isinstance(value, list | tuple | set | frozenset):
        return [scrub_value(item, depth=depth + 1) for item in value]
    return value


def scrub_event(event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    """Scrub a structlog event dict in place of its values (keys starting with `_` are
    structlog's own bookkeeping and left alone)."""
    for key, value in list(event.items()):
        if key.startswith("_"):
            continue
        if key != "event" and is_sensitive_name(key):
            event[key] = REDACTED
        else:
            event[key] = scrub_value(value)
    return event
