"""Every SQL statement of the audit log."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from shop.models.accounts import User
from shop.models.audit import AuditEntry


@dataclass(frozen=True, slots=True)
class AuditFilters:
    actor_email: str | None = None  # exact, lowercased
    action: str | None = None  # exact ("product.update") or a prefix ending in "." ("product.")
    entity_type: str | None = None
    entity_id: str | None = None
    created_from: datetime | None = None  # inclusive
    created_to: datetime | None = None  # exclusive


def _conditions(filters: AuditFilters) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if filters.actor_email is not None:
        conditions.append(AuditEntry.actor_email == filters.actor_email)
    if filters.action is not None:
        if filters.action.endswith("."):
            conditions.append(AuditEntry.action.startswith(filters.action, autoescape=True))
        else:
            conditions.append(AuditEntry.action == filters.action)
    if filters.entity_type is not None:
        conditions.append(AuditEntry.entity_type == filters.entity_type)
    if filters.entity_id is not None:
        conditions.append(AuditEntry.entity_id == filters.entity_id)
    if filters.created_from is not None:
        conditions.append(AuditEntry.created_at >= filters.created_from)
    if filters.created_to is not None:
        conditions.append(AuditEntry.created_at < filters.created_to)
    return conditions


async def add(session: AsyncSession, entry: AuditEntry) -> None:
    session.add(entry)
    await session.flush()


async def list_entries(
    session: AsyncSession, filters: AuditFilters, *, offset: int, limit: int
) -> tuple[list[AuditEntry], int]:
    conditions = _conditions(filters)
    total = await session.scalar(select(func.count()).select_from(AuditEntry).where(*conditions))
    rows = await session.scalars(
        select(AuditEntry)
        .where(*conditions)
        .order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())
        .offset(offset)
        .limit(limit)
    )
    return list(rows), int(total or 0)


async def user_email(session: AsyncSession, user_id: int) -> str | None:
    email: str | None = await session.scalar(select(User.email).where(User.id == user_id))
    return email
