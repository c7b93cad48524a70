"""Every tool call is written down: key, tool, arguments (secrets masked), outcome, duration."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import case, func, select

from testhub.mcp.redaction import redact
from testhub.mcp.tables import AuditEntry
from testhub.store.database import HubDatabase

logger = logging.getLogger(__name__)

_MAX_ARGUMENTS_CHARS = 4000


@dataclass(frozen=True)
class Caller:
    """Who calls: a key (HTTP) or the local user (stdio, in-process)."""

    principal: str
    key_id: int | None
    scopes: frozenset[str]
    transport: str


@dataclass(frozen=True)
class ToolUsage:
    tool: str
    calls: int
    errors: int
    denied: int
    mean_ms: float
    max_ms: float


def arguments_text(arguments: dict[str, Any]) -> str:
    text = json.dumps(redact(arguments), sort_keys=True, default=str)
    if len(text) > _MAX_ARGUMENTS_CHARS:
        return text[:_MAX_ARGUMENTS_CHARS] + "…"
    return text


class AuditLog:
    def __init__(self, database: HubDatabase) -> None:
        self.database = database

    async def record(
        self,
        caller: Caller,
        *,
        tool: str,
        arguments: dict[str, Any],
        outcome: str,
        error: str | None,
        duration_ms: float,
    ) -> None:
        entry = AuditEntry(
            principal=caller.principal,
            key_id=caller.key_id,
            transport=caller.transport,
            tool=tool,
            arguments=arguments_text(arguments),
            outcome=outcome,
            error=redact(error)[:2000] if error else None,
            duration_ms=round(duration_ms, 3),
        )
        try:
            async with self.database.session() as session:
                session.add(entry)
        except Exception:
            # The call has happened; a full disk must not turn its answer into an error. The log
            # line keeps the record.
            logger.exception("could not write the audit entry for %s by %s", tool, caller.principal)

    async def recent(self, *, limit: int = 50, tool: str | None = None) -> list[AuditEntry]:
        async with self.database.session() as session:
            query = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
            if tool is not None:
                query = query.where(AuditEntry.tool == tool)
            return list(await session.scalars(query))

    async def usage(self, *, since: datetime | None = None) -> list[ToolUsage]:
        async with self.database.session() as session:
            query = select(
                AuditEntry.tool,
                func.count(),
                func.sum(case((AuditEntry.outcome == "error", 1), else_=0)),
                func.sum(case((AuditEntry.outcome == "denied", 1), else_=0)),
                func.avg(AuditEntry.duration_ms),
                func.max(AuditEntry.duration_ms),
            ).group_by(AuditEntry.tool)
            if since is not None:
                query = query.where(AuditEntry.at >= since)
            rows = (await session.execute(query.order_by(AuditEntry.tool))).all()
        return [
            ToolUsage(
                tool=row[0],
                calls=int(row[1]),
                errors=int(row[2] or 0),
                denied=int(row[3] or 0),
                mean_ms=float(row[4] or 0.0),
                max_ms=float(row[5] or 0.0),
            )
            for row in rows
        ]
