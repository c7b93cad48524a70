"""The key format: `thk_<public id>_<secret>`. Only a SHA-256 of the whole key is stored: keys are
random (256 bits), so a fast hash is as safe as a slow one and costs nothing per request."""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass

KEY_PREFIX = "thk_"
_KEY_PATTERN = re.compile(r"^thk_([A-Za-z0-9]{8})_([A-Za-z0-9_-]{43})$")


@dataclass(frozen=True)
class NewKey:
    public_id: str
    secret: str

    @property
    def token(self) -> str:
        return f"{KEY_PREFIX}{self.public_id}_{self.secret}"


def mint() -> NewKey:
    alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
    public_id = "".join(secrets.choice(alphabet) for _ in range(8))
    return NewKey(public_id=public_id, secret=secrets.token_urlsafe(32))


def looks_like_key(token: str) -> bool:
    return _KEY_PATTERN.fullmatch(token) is not None


def public_id_of(token: str) -> str | None:
    match = _KEY_PATTERN.fullmatch(token)
    return match.group(1) if match else None


def hash_key(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
