"""Create, list, verify, rotate and revoke API keys."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from testhub.mcp.keys import tokens
from testhub.mcp.scopes import Scope, format_scopes, parse_scopes
from testhub.mcp.tables import ApiKeyRow
from testhub.store.database import HubDatabase

# A key's last use is written at most this often: verifying must not make each request a write.
_LAST_USED_RESOLUTION = timedelta(minutes=1)


class KeyNotFound(LookupError):
    pass


@dataclass(frozen=True)
class ApiKey:
    id: int
    public_id: str
    name: str
    scopes: frozenset[Scope]
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    last_used_at: datetime | None
    rotated_from_id: int | None

    def state(self, now: datetime) -> str:
        if self.revoked_at is not None and self.revoked_at <= now:
            return "revoked"
        if self.expires_at is not None and self.expires_at <= now:
            return "expired"
        return "active"

    def is_active(self, now: datetime) -> bool:
        return self.state(now) == "active"


@dataclass(frozen=True)
class IssuedKey:
    """A key as created: the token is shown once and never stored."""

    key: ApiKey
    token: str


def _key(row: ApiKeyRow) -> ApiKey:
    return ApiKey(
        id=row.id,
        public_id=row.public_id,
        name=row.name,
        scopes=parse_scopes(row.scopes),
        created_at=row.created_at,
        expires_at=row.expires_at,
        revoked_at=row.revoked_at,
        last_used_at=row.last_used_at,
        rotated_from_id=row.rotated_from_id,
    )


class KeyStore:
    def __init__(self, database: HubDatabase) -> None:
        self.database = database

    async def create(
        self,
        *,
        name: str,
        scopes: frozenset[Scope],
        expires_in: timedelta | None,
        now: datetime | None = None,
        rotated_from_id: int | None = None,
    ) -> IssuedKey:
        name = name.strip()
        if not name or len(name) > 100:
            raise ValueError("a key needs a name of 1 to 100 characters")
        if not scopes:
            raise ValueError("a key needs at least one scope")
        if expires_in is not None and expires_in <= timedelta(0):
            raise ValueError("the expiry must lie in the future")
        now = now or datetime.now(UTC)
        new = tokens.mint()
        row = ApiKeyRow(
            public_id=new.public_id,
            name=name,
            key_hash=tokens.hash_key(new.token),
            scopes=format_scopes(scopes),
            created_at=now,
            expires_at=now + expires_in if expires_in is not None else None,
            rotated_from_id=rotated_from_id,
        )
        async with self.database.session() as session:
            session.add(row)
            await session.flush()
            return IssuedKey(key=_key(row), token=new.token)

    async def list(self) -> list[ApiKey]:
        async with self.database.session() as session:
            rows = await session.scalars(select(ApiKeyRow).order_by(ApiKeyRow.id))
            return [_key(row) for row in rows]

    async def get(self, reference: str) -> ApiKey:
        """A key by its id (digits) or public id (the 8 characters after `thk_`)."""
        async with self.database.session() as session:
            return _key(await self._row(session, reference))

    @staticmethod
    async def _row(session: AsyncSession, reference: str) -> ApiKeyRow:
        reference = reference.strip()
        if reference.startswith(tokens.KEY_PREFIX):
            reference = tokens.public_id_of(reference) or reference
        condition = (
            ApiKeyRow.id == int(reference)
            if reference.isdigit()
            else ApiKeyRow.public_id == reference
        )
        row = await session.scalar(select(ApiKeyRow).where(condition))
        if row is None:
            raise KeyNotFound(f"no key {reference!r}")
        return row

    async def revoke(self, reference: str, *, now: datetime | None = None) -> ApiKey:
        now = now or datetime.now(UTC)
        async with self.database.session() as session:
            row = await self._row(session, reference)
            if row.revoked_at is None or row.revoked_at > now:
                row.revoked_at = now
            return _key(row)

    async def rotate(
        self,
        reference: str,
        *,
        grace: timedelta = timedelta(0),
        expires_in: timedelta | None = None,
        now: datetime | None = None,
    ) -> IssuedKey:
        """A new key with the same name and scopes; the old one stops working after `grace`
        (so that clients can switch over). The new key keeps the old one's lifetime unless told."""
        if grace < timedelta(0):
            raise ValueError("the grace period cannot be negative")
        now = now or datetime.now(UTC)
        old = await self.get(reference)
        if not old.is_active(now):
            raise ValueError(f"key {old.public_id} is {old.state(now)}; create a new one instead")
        if expires_in is None and old.expires_at is not None:
            expires_in = old.expires_at - old.created_at
        issued = await self.create(
            name=old.name, scopes=old.scopes, expires_in=expires_in, now=now, rotated_from_id=old.id
        )
        async with self.database.session() as session:
            row = await self._row(session, str(old.id))
            row.revoked_at = now + grace
        return issued

    async def verify(self, token: str, *, now: datetime | None = None) -> ApiKey | None:
        """The active key this token is, or None (malformed, unknown, expired or revoked)."""
        if not tokens.looks_like_key(token):
            return None
        now = now or datetime.now(UTC)
        async with self.database.session() as session:
            row = await session.scalar(
                select(ApiKeyRow).where(ApiKeyRow.key_hash == tokens.hash_key(token))
            )
            if row is None:
                return None
            key = _key(row)
            if not key.is_active(now):
                return None
            if row.last_used_at is None or now - row.last_used_at >= _LAST_USED_RESOLUTION:
                row.last_used_at = now
            return key
