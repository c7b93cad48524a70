"""Access tokens (short-lived JWT, HS256) and opaque refresh tokens (stored only as a hash)."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import jwt

from shop.errors import Unauthorized
from shop.kit.clock import utcnow

ALGORITHM = "HS256"
ISSUER = "shopwright"


@dataclass(frozen=True, slots=True)
class AccessClaims:
    user_id: int
    role: str
    expires_at: datetime


def issue_access_token(
    *, user_id: int, role: str, secret: str, lifetime: timedelta, now: datetime | None = None
) -> str:
    issued = now or utcnow()
    payload = {
        "sub": str(user_id),
        "role": role,
        "iss": ISSUER,
        "iat": int(issued.timestamp()),
        "exp": int((issued + lifetime).timestamp()),
        "typ": "access",
    }
    return jwt.encode(payload, secret, algorithm=ALGORITHM)


def decode_access_token(token: str, *, secret: str) -> AccessClaims:
    try:
        payload = jwt.decode(
            token,
            secret,
            algorithms=[ALGORITHM],
            issuer=ISSUER,
            options={"require": ["exp", "sub", "iss"]},
        )
    except jwt.ExpiredSignatureError as exc:
        raise Unauthorized(
            "the access token has expired; refresh it", code="token_expired"
        ) from exc
    except jwt.PyJWTError as exc:
        raise Unauthorized("the access token is not valid", code="invalid_token") from exc
    if payload.get("typ") != "access" or not str(payload["sub"]).isdigit():
        raise Unauthorized("the access token is not valid", code="invalid_token")
    return AccessClaims(
        user_id=int(payload["sub"]),
        role=str(payload.get("role", "")),
        expires_at=datetime.fromtimestamp(payload["exp"], tz=utcnow().tzinfo),
    )


def new_refresh_token() -> str:
    return secrets.token_urlsafe(32)


def hash_refresh_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
