"""Email addresses as account identifiers: validated, then normalised to lowercase."""

from __future__ import annotations

from email_validator import EmailNotValidError, validate_email

MAX_LENGTH = 254


def normalize_email(text: str) -> str:
    """The canonical (lowercase) form of a valid address; ValueError saying what is wrong."""
    try:
        # Syntax only (no DNS look-up); `test_environment` admits the reserved `.test` domains.
        result = validate_email(text.strip(), check_deliverability=False, test_environment=True)
    except EmailNotValidError as exc:
        raise ValueError(f"not a valid email address: {exc}") from exc
    normalized = result.normalized.lower()
    if len(normalized) > MAX_LENGTH:
        raise ValueError(f"not a valid email address: longer than {MAX_LENGTH} characters")
    return normalized


def canonical_login(text: str) -> str:
    """How a typed login name is matched (and throttled): its canonical form when it is a valid
    address, else just trimmed and lowercased (a login never says which addresses are valid)."""
    try:
        return normalize_email(text)
    except ValueError:
        # Cut to the column's size: longer cannot be an account, and is still throttled.
        return text.strip().lower()[:MAX_LENGTH]
