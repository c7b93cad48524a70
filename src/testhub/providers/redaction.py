"""What never leaves in a prompt: secrets and personal data.

Every message passes through `redact_prompt` before an adapter sends it. Secrets are masked by
shape (provider keys, bearer tokens, JWTs, passwords in URLs and forms) and by value (the keys
and passwords this hub is configured with). Personal data: e-mail addresses, phone numbers,
IBANs and card numbers (Luhn-valid runs of 13-19 digits). The sandbox's card *tokens*
(`tok_visa`) are test fixtures, not card data, and pass unchanged.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

SECRET = "[secret]"  # noqa: S105 (the mask, not a secret)
EMAIL = "[email]"
PHONE = "[phone]"
CARD = "[card]"
IBAN = "[iban]"

_SECRET_PATTERNS: tuple[re.Pattern[str], ...] = (
    re.compile(r"sk-ant-[A-Za-z0-9_-]{16,}"),  # Anthropic
    re.compile(r"sk-(?:proj-|svcacct-)?[A-Za-z0-9_-]{20,}"),  # OpenAI
    re.compile(r"(?:sk|rk|pk)_(?:live|test)_[A-Za-z0-9]{16,}"),  # Stripe keys
    re.compile(r"whsec_[A-Za-z0-9+/=]{16,}"),  # webhook signing secrets
    re.compile(r"thk_[A-Za-z0-9]{8}_[A-Za-z0-9_-]{20,}"),  # the hub's own API keys
    re.compile(r"gh[pousr]_[A-Za-z0-9]{30,}"),  # GitHub tokens
    re.compile(r"(?:AKIA|ASIA)[A-Z0-9]{16}"),  # AWS access key ids
    re.compile(r"eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}"),  # JWTs
    re.compile(r"(?i)(?<=bearer )[A-Za-z0-9._~+/=-]{12,}"),
    re.compile(r"(?<=://)[^/\s:@]+:[^/\s@]+(?=@)"),  # user:password@host
    # password=..., "api_key": "...", token: ... in logs, forms and JSON.
    re.compile(
        r"(?i)(?<![A-Za-z])(?:password|passwd|secret|api[_-]?key|access[_-]?token|"
        r"refresh[_-]?token|client[_-]?secret|token)(?:\"|')?\s*[:=]\s*(?:\"|')?"
        r"(?P<value>[^\s\"'&,}]{3,})"
    ),
)
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
_IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){3,7}(?: ?[A-Z0-9]{1,3})?\b")
# Number boundaries: not inside a word or a decimal ("1.5"), but a sentence's full stop is fine.
_EDGE_BEFORE = r"(?<!\w)(?<!\d\.)"
_EDGE_AFTER = r"(?!\w|\.\d)"
_CARD = re.compile(_EDGE_BEFORE + r"\d(?:[ -]?\d){12,18}" + _EDGE_AFTER)
# A phone number: an optional +country code, then groups split by spaces, dots, dashes or
# parentheses; 9 to 15 digits (E.164), so dates, prices and quantities are left alone.
_PHONE = re.compile(
    _EDGE_BEFORE
    + r"(?:\+\d{1,3}[ .-]?)?(?:\(\d{1,4}\)[ .-]?)?\d{2,4}(?:[ .-]\d{2,5}){1,4}"
    + _EDGE_AFTER
)


def _luhn_ok(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char) * (2 if index % 2 else 1)
        total += value - 9 if value > 9 else value
    return total % 10 == 0


def _card(match: re.Match[str]) -> str:
    digits = re.sub(r"\D", "", match.group(0))
    return CARD if 13 <= len(digits) <= 19 and _luhn_ok(digits) else match.group(0)


def _phone(match: re.Match[str]) -> str:
    digits = re.sub(r"\D", "", match.group(0))
    return PHONE if 9 <= len(digits) <= 15 else match.group(0)


def _secret(match: re.Match[str]) -> str:
    if match.groupdict().get("value"):
        start, end = match.span("value")
        offset = match.start()
        text = match.group(0)
        return text[: start - offset] + SECRET + text[end - offset :]
    return SECRET


def redact_prompt(text: str, *, known_secrets: Iterable[str] = ()) -> str:
    """The text with secrets and personal data masked."""
    # Known values first: a configured key may have no recognisable shape.
    for value in sorted({s for s in known_secrets if s and len(s) >= 4}, key=len, reverse=True):
        text = text.replace(value, SECRET)
    for pattern in _SECRET_PATTERNS:
        text = pattern.sub(_secret, text)
    text = _EMAIL.sub(EMAIL, text)
    text = _IBAN.sub(IBAN, text)
    text = _CARD.sub(_card, text)
    return _PHONE.sub(_phone, text)
