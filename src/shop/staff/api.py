"""Staff admin routes: list, create and change staff accounts (admins only)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, status
from sqlalchemy.ext.asyncio import AsyncSession

from shop.audit.dependencies import AuditorDep
from shop.auth.dependencies import require
from shop.auth.permissions import Permission
from shop.auth.tokens import AccessClaims
from shop.models.accounts import Role
from shop.staff import service as staff_service
from shop.staff.schemas import StaffCreate, StaffCreatedRead, StaffRead, StaffUpdate
from shop.web.dependencies import ReadSession, WriteSession
from shop.web.problems import problem_responses

router = APIRouter(prefix="/admin/staff", tags=["staff"])

StaffReader = Annotated[AccessClaims, require(Permission.STAFF_READ)]
StaffWriter = Annotated[AccessClaims, require(Permission.STAFF_WRITE)]
# Ids are BIGINT: anything larger is not an id (and must not reach the database driver).
StaffId = Annotated[int, Path(ge=1, le=2**63 - 1, description="Id of the staff member")]


@router.get(
    "",
    response_model=list[StaffRead],
    summary="List staff members",
    description="Every support, manager and admin account, oldest first. Needs `staff:read`.",
    responses=problem_responses(401, 403),
)
async def list_staff(session: ReadSession, actor: StaffReader) -> list[StaffRead]:
    users = await staff_service.list_staff(session, actor)
    return [StaffRead.model_validate(user) for user in users]


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=StaffCreatedRead,
    summary="Create a staff member",
    description=(
        "Needs `staff:write`. Without `password` a random one is generated and returned once as "
        "`initial_password`."
    ),
    responses=problem_responses(401, 403, 409, 422),
)
async def create_staff(
    data: StaffCreate, session: WriteSession, actor: StaffWriter, audit: AuditorDep
) -> StaffCreatedRead:
    user, generated = await staff_service.create_staff(
        session,
        actor,
        email=data.email,
        role=Role(data.role),
        password=data.password,
        first_name=data.first_name,
        last_name=data.last_name,
    )
    read = StaffRead.model_validate(user)
    await audit.record(session, "staff.create", entity_type="user", entity_id=user.id, after=read)
    return StaffCreatedRead(**read.model_dump(), initial_password=generated)


@router.patch(
    "/{staff_id}",
    response_model=StaffRead,
    summary="Change a staff member's role, activity or names",
    description=(
        "Needs `staff:write`. Deactivating revokes the member's sign-ins. An admin cannot demote "
        "or deactivate themself (409)."
    ),
    responses=problem_responses(401, 403, 404, 409, 422),
)
async def update_staff(
    staff_id: StaffId,
    data: StaffUpdate,
    session: WriteSession,
    actor: StaffWriter,
    audit: AuditorDep,
) -> StaffRead:
    before = await _staff_read(session, actor, staff_id)
    read = StaffRead.model_validate(
        await staff_service.update_staff(session, actor, staff_id, data)
    )
    await audit.record(
        session, "staff.update", entity_type="user", entity_id=staff_id, before=before, after=read
    )
    return read


async def _staff_read(
    session: AsyncSession, actor: AccessClaims, staff_id: int
) -> StaffRead | None:
    users = await staff_service.list_staff(session, actor)
    return next((StaffRead.model_validate(u) for u in users if u.id == staff_id), None)
