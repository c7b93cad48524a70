"""API keys on both hub databases: hashed at rest, scoped, expiring, rotated, revoked."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, text

from testhub.mcp.keys import tokens
from testhub.mcp.keys.store import KeyNotFound, KeyStore
from testhub.mcp.scopes import Scope
from testhub.mcp.tables import ApiKeyRow
from testhub.store.database import HubDatabase

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
READ_RUN = frozenset({Scope.READ, Scope.RUN})


@pytest.fixture
def store(hub_database: HubDatabase) -> KeyStore:
    return KeyStore(hub_database)


class TestCreate:
    async def test_key_is_shown_once_and_only_its_hash_is_stored(
        self, store: KeyStore, hub_database: HubDatabase
    ) -> None:
        issued = await store.create(
            name="ci", scopes=READ_RUN, expires_in=timedelta(days=90), now=NOW
        )

        assert tokens.looks_like_key(issued.token)
        assert issued.key.scopes == READ_RUN
        assert issued.key.expires_at == NOW + timedelta(days=90)
        async with hub_database.session() as session:
            row = await session.scalar(select(ApiKeyRow))
            dump = " ".join(
                str(value)
                for value in (await session.execute(text("SELECT * FROM testhub_api_keys"))).one()
            )
        assert row is not None
        assert row.key_hash == tokens.hash_key(issued.token)
        assert issued.token not in dump
        assert issued.token.split("_")[2] not in dump

    @pytest.mark.parametrize(
        ("name", "scopes", "expires_in", "message"),
        [
            ("", READ_RUN, None, "name"),
            ("ci", frozenset(), None, "scope"),
            ("ci", READ_RUN, timedelta(0), "future"),
        ],
    )
    async def test_bad_input_is_refused_and_nothing_is_written(
        self,
        store: KeyStore,
        name: str,
        scopes: frozenset[Scope],
        expires_in: timedelta | None,
        message: str,
    ) -> None:
        with pytest.raises(ValueError, match=message):
            await store.create(name=name, scopes=scopes, expires_in=expires_in)
        assert await store.list() == []


class TestVerify:
    async def test_active_key(self, store: KeyStore) -> None:
        issued = await store.create(name="ci", scopes=READ_RUN, expires_in=None, now=NOW)

        key = await store.verify(issued.token, now=NOW + timedelta(days=400))

        assert key is not None
        assert key.id == issued.key.id
        assert (await store.get(str(key.id))).last_used_at == NOW + timedelta(days=400)

    @pytest.mark.parametrize(
        "token",
        ["", "Bearer x", "thk_AbCd1234_" + "z" * 43, "thk_short_key"],
    )
    async def test_unknown_or_malformed(self, store: KeyStore, token: str) -> None:
        await store.create(name="ci", scopes=READ_RUN, expires_in=None)
        assert await store.verify(token) is None

    async def test_expired(self, store: KeyStore) -> None:
        issued = await store.create(
            name="ci", scopes=READ_RUN, expires_in=timedelta(hours=1), now=NOW
        )

        assert await store.verify(issued.token, now=NOW + timedelta(minutes=59)) is not None
        assert await store.verify(issued.token, now=NOW + timedelta(hours=1)) is None
        assert (await store.get(issued.key.public_id)).state(NOW + timedelta(hours=2)) == "expired"

    async def test_revoked(self, store: KeyStore) -> None:
        issued = await store.create(name="ci", scopes=READ_RUN, expires_in=None, now=NOW)

        revoked = await store.revoke(issued.key.public_id, now=NOW)

        assert revoked.state(NOW) == "revoked"
        assert await store.verify(issued.token, now=NOW + timedelta(seconds=1)) is None


class TestRotate:
    async def test_new_key_same_name_scopes_and_lifetime_old_key_ends_after_grace(
        self, store: KeyStore
    ) -> None:
        old = await store.create(
            name="claude", scopes=READ_RUN, expires_in=timedelta(days=30), now=NOW
        )
        later = NOW + timedelta(days=10)

        new = await store.rotate(old.key.public_id, grace=timedelta(hours=1), now=later)

        assert new.token != old.token
        assert (new.key.name, new.key.scopes, new.key.rotated_from_id) == (
            "claude",
            READ_RUN,
            old.key.id,
        )
        assert new.key.expires_at == later + timedelta(days=30)
        assert await store.verify(old.token, now=later + timedelta(minutes=30)) is not None
        assert await store.verify(old.token, now=later + timedelta(hours=1)) is None
        assert await store.verify(new.token, now=later + timedelta(hours=2)) is not None

    async def test_revoked_key_cannot_be_rotated(self, store: KeyStore) -> None:
        old = await store.create(name="ci", scopes=READ_RUN, expires_in=None, now=NOW)
        await store.revoke(str(old.key.id), now=NOW)

        with pytest.raises(ValueError, match="revoked"):
            await store.rotate(str(old.key.id), now=NOW + timedelta(minutes=1))
        assert len(await store.list()) == 1

    async def test_unknown_key(self, store: KeyStore) -> None:
        with pytest.raises(KeyNotFound):
            await store.rotate("nosuchid")
