"""The audit log in the back office: every staff action, newest first, filtered by who, what
and which entity, and by date. Admins only (`staff:read`)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from shop.admin.access import StaffReader, admin_page
from shop.audit import service as audit_service
from shop.audit.repository import AuditFilters
from shop.errors import ShopError
from shop.kit.pagination import PageRequest
from shop.web.dependencies import ReadSession
from shop.web.pages.flash import Flash

router = APIRouter(
    prefix="/admin/audit", include_in_schema=False, default_response_class=HTMLResponse
)

PAGE_SIZE = 50


def _day(text: str) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


def _pretty(value: Any) -> str:
    return "" if value is None else json.dumps(value, indent=1, sort_keys=True, ensure_ascii=False)


@router.get("")
async def audit_log(
    request: Request,
    session: ReadSession,
    staff: StaffReader,
    actor: Annotated[str, Query(max_length=254)] = "",
    action: Annotated[str, Query(max_length=60)] = "",
    entity_type: Annotated[str, Query(max_length=40)] = "",
    entity_id: Annotated[str, Query(max_length=64)] = "",
    from_: Annotated[str, Query(alias="from", max_length=10)] = "",
    to: Annotated[str, Query(max_length=10)] = "",
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> HTMLResponse:
    values = {
        "actor": actor.strip(),
        "action": action.strip(),
        "entity_type": entity_type.strip(),
        "entity_id": entity_id.strip(),
        "from": from_,
        "to": to,
    }
    messages: list[Flash] = []
    first, last = _day(from_), _day(to)
    if (from_ and first is None) or (to and last is None):
        messages.append(Flash("Dates are written YYYY-MM-DD; the wrong one was left out.", "error"))
    filters = AuditFilters(
        actor_email=values["actor"].lower() or None,
        action=values["action"] or None,
        entity_type=values["entity_type"] or None,
        entity_id=values["entity_id"] or None,
        created_from=datetime.combine(first, time.min, tzinfo=UTC) if first else None,
        created_to=datetime.combine(last + timedelta(days=1), time.min, tzinfo=UTC)
        if last
        else None,
    )
    try:
        result = await audit_service.list_entries(session, filters, PageRequest(page, PAGE_SIZE))
    except ShopError as error:
        messages.append(Flash(error.message, "error"))
        result = await audit_service.list_entries(
            session, AuditFilters(), PageRequest(1, PAGE_SIZE)
        )
    query = "&".join(f"{k}={v}" for k, v in values.items() if v)
    return await admin_page(
        request,
        staff,
        "admin/audit.html",
        {
            "result": result,
            "values": values,
            "pretty": _pretty,
            "changed": audit_service.changed_keys,
            "base": f"/admin/audit?{query}&" if query else "/admin/audit?",
        },
        section="audit",
        messages=messages,
    )
