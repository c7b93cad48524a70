"""How a back-office change ends: the audit entry written in the change's transaction, then a
redirect that flashes what happened; or, when the service refused, the field its error names."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import Request
from pydantic import BaseModel, ValidationError
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import RedirectResponse

from shop.admin.access import audit_actor
from shop.audit import service as audit_service
from shop.auth.browser_session import Shopper
from shop.errors import ShopError
from shop.web.pages.forms import field_errors
from shop.web.pages.responses import redirect_with_flash

AuditState = Mapping[str, Any] | BaseModel | None


async def record_change(
    request: Request,
    session: AsyncSession,
    staff: Shopper,
    action: str,
    *,
    entity_type: str,
    entity_id: int | str | None = None,
    before: AuditState = None,
    after: AuditState = None,
) -> None:
    """Audit one staff change; call it after the change succeeded, in its transaction."""
    await audit_service.record(
        session,
        audit_actor(request, staff),
        action,
        entity_type=entity_type,
        entity_id=entity_id,
        before=before,
        after=after,
    )


async def audited_redirect(
    request: Request,
    session: AsyncSession,
    staff: Shopper,
    action: str,
    *,
    entity_type: str,
    entity_id: int | str | None = None,
    before: AuditState = None,
    after: AuditState = None,
    to: str,
    message: str,
) -> RedirectResponse:
    """Audit the change, then redirect to `to` with `message` as a success flash."""
    await record_change(
        request,
        session,
        staff,
        action,
        entity_type=entity_type,
        entity_id=entity_id,
        before=before,
        after=after,
    )
    return redirect_with_flash(request, to, message)


def refused_field(error: ShopError, *, default: str = "form") -> str:
    """The form field a service error is about (its `field` extra), else `default`."""
    return str(error.extra.get("field") or default)


def refusal_errors(
    error: ValidationError | ShopError,
    *,
    default: str = "form",
    prefix: dict[str, str] | None = None,
) -> dict[str, str]:
    """{field: message} for a form the schema or the service refused (see `refused_field`)."""
    if isinstance(error, ValidationError):
        return field_errors(error, prefix=prefix)
    return {refused_field(error, default=default): error.message}
