from __future__ import annotations

from datetime import UTC, datetime, timedelta
from enum import StrEnum

import pytest
from pydantic import BaseModel
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from shop.audit import service as audit_service
from shop.audit.repository import AuditFilters
from shop.audit.service import MASK, AuditActor
from shop.errors import InvalidInput
from shop.kit.pagination import PageRequest
from shop.models.accounts import Role
from shop.models.audit import AuditEntry
from tests.builders.accounts import create_user

T0 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


class Colour(StrEnum):
    RED = "red"


class Payload(BaseModel):
    name: str
    password: str
    colour: Colour


async def _actor(session: AsyncSession, email: str | None = None) -> AuditActor:
    user = await create_user(session, role=Role.MANAGER, email=email)
    return await audit_service.actor_for(
        session, user.id, client_ip="198.51.100.4", user_agent="Mozilla/5.0 (Test)"
    )


class TestActorFor:
    async def test_reads_the_email(self, session: AsyncSession) -> None:
        user = await create_user(session, role=Role.SUPPORT)
        actor = await audit_service.actor_for(session, user.id, client_ip="::1", user_agent="x")
        assert actor == AuditActor(user.id, user.email, "::1", "x")

    async def test_an_account_that_is_gone(self, session: AsyncSession) -> None:
        actor = await audit_service.actor_for(session, 987654321, client_ip="::1")
        assert actor == AuditActor(None, "user:987654321", "::1", "")

    async def test_truncates_a_long_user_agent(self, session: AsyncSession) -> None:
        user = await create_user(session, role=Role.SUPPORT)
        actor = await audit_service.actor_for(
            session, user.id, client_ip="::1", user_agent="a" * 999
        )
        assert len(actor.user_agent) == 300


class TestRecord:
    async def test_stores_who_what_when_where(self, session: AsyncSession) -> None:
        actor = await _actor(session)
        entry = await audit_service.record(
            session,
            actor,
            "product.update",
            entity_type="product",
            entity_id=42,
            before={"name": "Old"},
            after={"name": "New"},
            now=T0,
        )
        stored = await session.get(AuditEntry, entry.id)
        assert stored is not None
        assert (stored.actor_user_id, stored.actor_email) == (actor.user_id, actor.email)
        assert (stored.action, stored.entity_type, stored.entity_id) == (
            "product.update",
            "product",
            "42",
        )
        assert (stored.before, stored.after) == ({"name": "Old"}, {"name": "New"})
        assert (stored.client_ip, stored.user_agent) == ("198.51.100.4", "Mozilla/5.0 (Test)")
        assert stored.created_at == T0

    async def test_masks_secrets_at_any_depth_and_serialises_models(
        self, session: AsyncSession
    ) -> None:
        actor = await _actor(session)
        entry = await audit_service.record(
            session,
            actor,
            "staff.create",
            entity_type="user",
            after={
                "user": Payload(name="Ann", password="hunter2hunter2", colour=Colour.RED),
                "api_key": "sk_live_1",
                "tokens": [{"refresh_token": "abc"}],
                "at": T0,
            },
        )
        assert entry.after == {
            "user": {"name": "Ann", "password": MASK, "colour": "red"},
            "api_key": MASK,
            "tokens": MASK,
            "at": T0.isoformat(),
        }

    async def test_refuses_an_empty_action(self, session: AsyncSession) -> None:
        actor = await _actor(session)
        before = await session.scalar(select(func.count()).select_from(AuditEntry))
        with pytest.raises(ValueError, match="invalid audit action"):
            await audit_service.record(session, actor, "", entity_type="product")
        assert await session.scalar(select(func.count()).select_from(AuditEntry)) == before

    async def test_operator_without_account(self, session: AsyncSession) -> None:
        operator = AuditActor(None, "cli", "local")
        entry = await audit_service.record(session, operator, "staff.create", entity_type="user")
        assert entry.actor_user_id is None
        assert entry.actor_email == "cli"


class TestChangedKeys:
    def test_lists_members_that_differ(self) -> None:
        assert audit_service.changed_keys({"a": 1, "b": 2}, {"a": 1, "b": 3, "c": 4}) == ["b", "c"]
        assert audit_service.changed_keys(None, {"a": 1}) == ["a"]
        assert audit_service.changed_keys({"a": 1}, {"a": 1}) == []


class TestListEntries:
    async def _seed(self, session: AsyncSession) -> tuple[AuditActor, AuditActor]:
        ann = await _actor(session)
        bob = await _actor(session)
        rows = [
            (ann, "product.create", "product", "1", T0),
            (ann, "product.update", "product", "1", T0 + timedelta(hours=1)),
            (bob, "order.fulfil", "order", "SW-1", T0 + timedelta(days=1)),
            (bob, "coupon.delete", "coupon", "9", T0 + timedelta(days=2)),
        ]
        for actor, action, kind, entity_id, at in rows:
            await audit_service.record(
                session, actor, action, entity_type=kind, entity_id=entity_id, now=at
            )
        return ann, bob

    async def _actions(self, session: AsyncSession, filters: AuditFilters) -> list[str]:
        page = await audit_service.list_entries(session, filters, PageRequest(1, 100))
        return [entry.action for entry in page.items]

    async def test_newest_first_with_total(self, session: AsyncSession) -> None:
        ann, _ = await self._seed(session)
        page = await audit_service.list_entries(
            session, AuditFilters(actor_email=ann.email), PageRequest(1, 1)
        )
        assert page.total == 2
        assert [e.action for e in page.items] == ["product.update"]

    async def test_filters(self, session: AsyncSession) -> None:
        ann, bob = await self._seed(session)
        mine = AuditFilters(actor_email=bob.email)
        assert await self._actions(session, mine) == ["coupon.delete", "order.fulfil"]
        by_prefix = AuditFilters(actor_email=ann.email, action="product.")
        assert await self._actions(session, by_prefix) == ["product.update", "product.create"]
        exact = AuditFilters(actor_email=ann.email, action="product.create")
        assert await self._actions(session, exact) == ["product.create"]
        entity = AuditFilters(entity_type="order", entity_id="SW-1", actor_email=bob.email)
        assert await self._actions(session, entity) == ["order.fulfil"]
        window = AuditFilters(
            actor_email=bob.email,
            created_from=T0 + timedelta(days=1),
            created_to=T0 + timedelta(days=2),
        )
        assert await self._actions(session, window) == ["order.fulfil"]

    async def test_a_like_wildcard_in_the_prefix_is_literal(self, session: AsyncSession) -> None:
        ann, _ = await self._seed(session)
        assert await self._actions(session, AuditFilters(actor_email=ann.email, action="%.")) == []

    async def test_reversed_window_is_refused(self, session: AsyncSession) -> None:
        with pytest.raises(InvalidInput) as caught:
            await audit_service.list_entries(
                session, AuditFilters(created_from=T0, created_to=T0), PageRequest()
            )
        assert caught.value.code == "invalid_date_range"
