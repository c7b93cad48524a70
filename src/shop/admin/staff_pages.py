"""Staff and roles in the back office: the list (`staff:read`), adding a member and changing a
role or access (`staff:write`, admins). Every change is audited; passwords never are."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from shop.admin.access import StaffReader, StaffWriter, admin_page
from shop.admin.outcomes import audited_redirect, record_change
from shop.admin.params import RowId
from shop.auth.browser_session import Shopper
from shop.auth.permissions import ROLE_PERMISSIONS, STAFF_ROLES
from shop.errors import ShopError
from shop.models.accounts import Role
from shop.staff import service as staff_service
from shop.staff.schemas import StaffCreate, StaffRead, StaffUpdate
from shop.web.dependencies import ReadSession, WriteSession
from shop.web.pages.csrf import CsrfProtected
from shop.web.pages.flash import Flash
from shop.web.pages.forms import field_errors, text_field
from shop.web.pages.responses import redirect_with_flash

router = APIRouter(
    prefix="/admin/staff", include_in_schema=False, default_response_class=HTMLResponse
)

ROLES = [role for role in Role if role in STAFF_ROLES]


async def _page(
    request: Request,
    session: AsyncSession,
    staff: Shopper,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    messages: list[Flash] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    members = await staff_service.list_staff(session, staff.claims())
    return await admin_page(
        request,
        staff,
        "admin/staff.html",
        {
            "members": members,
            "roles": ROLES,
            "role_permissions": {role: sorted(ROLE_PERMISSIONS[role]) for role in ROLES},
            "values": values or {"role": "support"},
            "errors": errors or {},
        },
        section="staff",
        status_code=status_code,
        messages=messages,
    )


@router.get("")
async def staff_list(request: Request, session: ReadSession, staff: StaffReader) -> HTMLResponse:
    return await _page(request, session, staff)


@router.post("")
async def create_staff(
    request: Request, session: WriteSession, staff: StaffWriter, _csrf: CsrfProtected
) -> HTMLResponse:
    form = await request.form()
    values = {
        name: text_field(form, name, max_length=254)
        for name in ("email", "role", "first_name", "last_name")
    }
    try:
        data = StaffCreate(**values)
    except ValidationError as error:
        return await _page(
            request, session, staff, values=values, errors=field_errors(error), status_code=422
        )
    try:
        async with session.begin_nested():
            user, generated = await staff_service.create_staff(
                session,
                staff.claims(),
                email=data.email,
                role=Role(data.role),
                first_name=data.first_name,
                last_name=data.last_name,
            )
    except ShopError as error:
        return await _page(
            request, session, staff, values=values, errors={"email": error.message}, status_code=409
        )
    await record_change(
        request,
        session,
        staff,
        "staff.create",
        entity_type="user",
        entity_id=user.id,
        after=StaffRead.model_validate(user),
    )
    # Shown once, on this page only: never put into a cookie or a redirect.
    message = Flash(
        f"{user.email} can now sign in as {user.role} with the password {generated}. "
        "Give it to them privately; it is not shown again.",
        "success",
    )
    return await _page(request, session, staff, messages=[message], status_code=201)


@router.post("/{staff_id}")
async def update_staff(
    request: Request,
    staff_id: RowId,
    session: WriteSession,
    staff: StaffWriter,
    _csrf: CsrfProtected,
) -> Response:
    form = await request.form()
    try:
        data = StaffUpdate(
            role=text_field(form, "role") or None,
            is_active=text_field(form, "is_active") == "true",
        )
    except ValidationError:
        return redirect_with_flash(
            request, "/admin/staff", "Choose a role from the list.", kind="error"
        )
    members = await staff_service.list_staff(session, staff.claims())
    current = next((m for m in members if m.id == staff_id), None)
    before = StaffRead.model_validate(current) if current else None
    try:
        async with session.begin_nested():
            user = await staff_service.update_staff(session, staff.claims(), staff_id, data)
    except ShopError as error:
        return redirect_with_flash(request, "/admin/staff", error.message, kind="error")
    return await audited_redirect(
        request,
        session,
        staff,
        "staff.update",
        entity_type="user",
        entity_id=staff_id,
        before=before,
        after=StaffRead.model_validate(user),
        to="/admin/staff",
        message=f"{user.email}: {user.role}, {'active' if user.is_active else 'no access'}.",
    )
