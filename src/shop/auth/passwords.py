"""Password hashing (argon2id) and the password rules, in the spirit of NIST SP 800-63B:
a length range, no well-known password, not the account's own email; no composition rules.

common_passwords.txt holds the 30,000 most common passwords, most common first, lowercased:
the xato.net 10-million-password corpus as shipped by zxcvbn-python 4.5.0 (MIT License,
Copyright (c) 2016 Daniel Wolf).
"""

from __future__ import annotations

import asyncio
import secrets
import unicodedata
from functools import cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from shop.auth.errors import WeakPassword

MIN_LENGTH = 8
MAX_LENGTH = 128
COMMON_PASSWORDS_FILE = Path(__file__).with_name("common_passwords.txt")

TOO_SHORT = f"must be at least {MIN_LENGTH} characters"
TOO_LONG = f"must be at most {MAX_LENGTH} characters"
IS_EMAIL = "must not be your email address"
TOO_COMMON = "is too common; choose a less predictable password"


class Hashing:
    """The argon2id hasher plus a hash of a random secret, verified against when an account does
    not exist so that a login takes as long for an unknown email as for a wrong password."""

    def __init__(self, hasher: PasswordHasher) -> None:
        self.hasher = hasher
        self._dummy_hash: str | None = None

    @property
    def dummy_hash(self) -> str:
        if self._dummy_hash is None:
            self._dummy_hash = self.hasher.hash(secrets.token_urlsafe(16))
        return self._dummy_hash


# argon2-cffi's defaults are RFC 9106's low-memory profile (argon2id, t=3, m=64 MiB, p=4).
_hashing = Hashing(PasswordHasher())


def normalize(password: str) -> str:
    # 800-63B: normalise Unicode so that the same typed password always hashes the same.
    return unicodedata.normalize("NFKC", password)


@cache
def common_passwords() -> frozenset[str]:
    lines = COMMON_PASSWORDS_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(line for line in lines if line)


def password_problems(password: str, *, email: str) -> list[str]:
    """Every rule that `password` breaks for the account `email`, as messages (empty: fine)."""
    text = normalize(password)
    problems: list[str] = []
    if len(text) < MIN_LENGTH:
        problems.append(TOO_SHORT)
    elif len(text) > MAX_LENGTH:
        problems.append(TOO_LONG)
    folded = text.casefold()
    address = email.strip().casefold()
    if folded and folded in {address, address.rsplit("@", 1)[0]}:
        problems.append(IS_EMAIL)
    if folded in common_passwords():
        problems.append(TOO_COMMON)
    return problems


def check_password(password: str, *, email: str) -> None:
    """Raise WeakPassword naming each broken rule."""
    problems = password_problems(password, email=email)
    if problems:
        raise WeakPassword(
            "; ".join(f"the password {problem}" for problem in problems),
            errors=[{"field": "password", "message": problem} for problem in problems],
        )


def generate_password() -> str:
    """A random password for a new staff account, shown once (about 96 bits)."""
    return secrets.token_urlsafe(12)


# argon2 is deliberately slow (~0.1 s of CPU): run it off the event loop.
async def hash_password(password: str) -> str:
    return await asyncio.to_thread(_hashing.hasher.hash, normalize(password))


async def verify_password(password_hash: str, password: str) -> bool:
    return await asyncio.to_thread(_verify, _hashing, password_hash, normalize(password))


async def verify_dummy(password: str) -> None:
    """Spend the time of one verification for an account that does not exist."""
    await asyncio.to_thread(_verify, _hashing, _hashing.dummy_hash, normalize(password))


def needs_rehash(password_hash: str) -> bool:
    """True when the hash was made with other parameters than the current ones."""
    try:
        return _hashing.hasher.check_needs_rehash(password_hash)
    except InvalidHashError:
        return True


def _verify(hashing: Hashing, password_hash: str, password: str) -> bool:
    try:
        return hashing.hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False
