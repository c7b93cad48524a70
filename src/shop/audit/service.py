"""The audit log: every staff action is recorded in the transaction that makes the change, so
a change without its entry (or an entry without its change) cannot be committed.

Callers (admin JSON routes, back-office pages) build an `AuditActor` once per request and call
`record` after the service call succeeded. `before`/`after` take plain mappings or Pydantic
models; secrets are masked before they are stored.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from shop.audit import repository as repo
from shop.audit.repository import AuditFilters
from shop.errors import InvalidInput
from shop.kit.clock import utcnow
from shop.kit.pagination import PageRequest
from shop.models.audit import AuditEntry

MASK = "***"
_SECRET_WORDS = ("password", "secret", "token", "api_key")
USER_AGENT_LENGTH = 300


@dataclass(frozen=True, slots=True)
class AuditActor:
    """Who acts, and from where. `user_id` None is the operator at the command line."""

    user_id: int | None
    email: str
    client_ip: str
    user_agent: str = ""


@dataclass(frozen=True, slots=True)
class AuditPage:
    items: list[AuditEntry]
    total: int
    page: PageRequest


async def actor_for(
    session: AsyncSession, user_id: int, *, client_ip: str, user_agent: str = ""
) -> AuditActor:
    """The actor of a signed-in staff member (the email is read once, for the log)."""
    email = await repo.user_email(session, user_id)
    if email is None:
        # A token outliving its account (deleted since): keep who it claimed to be, without
        # the reference to a row that is gone.
        return AuditActor(None, f"user:{user_id}", client_ip[:64], user_agent[:USER_AGENT_LENGTH])
    return AuditActor(user_id, email, client_ip[:64], user_agent[:USER_AGENT_LENGTH])


def _is_secret(key: str) -> bool:
    lowered = key.lower()
    return any(word in lowered for word in _SECRET_WORDS)


def _plain(value: Any) -> Any:
    """JSON-ready data, secrets masked (by key name, at any depth)."""
    if isinstance(value, BaseModel):
        return _plain(value.model_dump(mode="json"))
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return _plain(dataclasses.asdict(value))
    if isinstance(value, Mapping):
        return {
            str(key): MASK if _is_secret(str(key)) and item is not None else _plain(item)
            for key, item in value.items()
        }
    if isinstance(value, list | tuple | set | frozenset):
        return [_plain(item) for item in value]
    if isinstance(value, Enum):
        return _plain(value.value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def snapshot(value: Mapping[str, Any] | BaseModel | None) -> dict[str, Any] | None:
    """The stored form of a before/after state."""
    if value is None:
        return None
    plain = _plain(value)
    if not isinstance(plain, dict):
        raise TypeError("an audit snapshot is a mapping or a model")
    return plain


def changed_keys(before: Mapping[str, Any] | None, after: Mapping[str, Any] | None) -> list[str]:
    """The top-level members that differ between two snapshots (for display)."""
    before, after = before or {}, after or {}
    return sorted(key for key in before.keys() | after.keys() if before.get(key) != after.get(key))


async def record(
    session: AsyncSession,
    actor: AuditActor,
    action: str,
    *,
    entity_type: str,
    entity_id: int | str | None = None,
    before: Mapping[str, Any] | BaseModel | None = None,
    after: Mapping[str, Any] | BaseModel | None = None,
    now: datetime | None = None,
) -> AuditEntry:
    """Append one entry. Call it in the transaction of the change, after the change succeeded."""
    if not action or len(action) > 60 or not entity_type or len(entity_type) > 40:
        raise ValueError(f"invalid audit action or entity type: {action!r} {entity_type!r}")
    entry = AuditEntry(
        actor_user_id=actor.user_id,
        actor_email=actor.email[:254],
        action=action,
        entity_type=entity_type,
        entity_id=None if entity_id is None else str(entity_id)[:64],
        before=snapshot(before),
        after=snapshot(after),
        client_ip=actor.client_ip[:64],
        user_agent=actor.user_agent[:USER_AGENT_LENGTH],
        created_at=now or utcnow(),
    )
    await repo.add(session, entry)
    return entry


def check_filters(filters: AuditFilters) -> None:
    if (
        filters.created_from is not None
        and filters.created_to is not None
        and filters.created_from >= filters.created_to
    ):
        raise InvalidInput("'from' must be before 'to'", code="invalid_date_range")


async def list_entries(
    session: AsyncSession, filters: AuditFilters, page: PageRequest
) -> AuditPage:
    """Newest first."""
    check_filters(filters)
    items, total = await repo.list_entries(session, filters, offset=page.offset, limit=page.limit)
    return AuditPage(items, total, page)
