"""`Auditor`: a request-scoped dependency for the admin JSON routes. It knows who calls (the
access token) and from where (client IP, user agent); the route calls `record` with its
session after the change succeeded, so the entry commits with the change."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from fastapi import Depends, Request
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from shop.audit import service as audit_service
from shop.audit.service import AuditActor
from shop.auth.dependencies import CurrentClaims


def request_origin(request: Request) -> tuple[str, str]:
    """(client IP, user agent) of a request."""
    ip = request.client.host if request.client else "unknown"
    return ip, request.headers.get("user-agent", "")


class Auditor:
    def __init__(self, user_id: int, client_ip: str, user_agent: str) -> None:
        self.user_id = user_id
        self.client_ip = client_ip
        self.user_agent = user_agent
        self._actor: AuditActor | None = None

    async def actor(self, session: AsyncSession) -> AuditActor:
        if self._actor is None:
            self._actor = await audit_service.actor_for(
                session, self.user_id, client_ip=self.client_ip, user_agent=self.user_agent
            )
        return self._actor

    async def record(
        self,
        session: AsyncSession,
        action: str,
        *,
        entity_type: str,
        entity_id: int | str | None = None,
        before: Mapping[str, Any] | BaseModel | None = None,
        after: Mapping[str, Any] | BaseModel | None = None,
    ) -> None:
        await audit_service.record(
            session,
            await self.actor(session),
            action,
            entity_type=entity_type,
            entity_id=entity_id,
            before=before,
            after=after,
        )


async def _auditor(claims: CurrentClaims, request: Request) -> Auditor:
    ip, agent = request_origin(request)
    return Auditor(claims.user_id, ip, agent)


AuditorDep = Annotated[Auditor, Depends(_auditor)]
