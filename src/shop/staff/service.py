"""Staff management: list, create (also from the CLI) and change staff accounts.

`actor` is the caller's access claims, or None for the operator at the command line.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from shop.auth import passwords
from shop.auth import service as auth_service
from shop.auth.errors import EmailTaken
from shop.auth.permissions import STAFF_ROLES, Permission, permissions_of
from shop.auth.tokens import AccessClaims
from shop.errors import Conflict, Forbidden, InvalidInput, NotFound
from shop.models.accounts import Role, User
from shop.staff import repository as repo
from shop.staff.schemas import StaffUpdate


async def list_staff(session: AsyncSession, actor: AccessClaims | None) -> Sequence[User]:
    _ensure_permission(actor, Permission.STAFF_READ)
    return await repo.list_staff(session)


async def create_staff(
    session: AsyncSession,
    actor: AccessClaims | None,
    *,
    email: str,
    role: Role,
    password: str | None = None,
    first_name: str = "",
    last_name: str = "",
    upsert: bool = False,
) -> tuple[User, str | None]:
    """Create a staff member; returns the user and the generated password (None if given).

    With `upsert`, an existing account of that email (customer or staff) gets `role`, is
    re-activated and gets the password; its other sign-ins are revoked.
    """
    _ensure_permission(actor, Permission.STAFF_WRITE)
    role = Role(role)
    if role not in STAFF_ROLES:
        raise InvalidInput(
            "a staff member's role is support, manager or admin",
            code="invalid_role",
            errors=[{"field": "role", "message": "must be support, manager or admin"}],
        )
    generated: str | None = None
    if password is None:
        password = generated = passwords.generate_password()
    address = auth_service.valid_email(email)
    existing = await auth_service.get_user_by_email(session, address)
    if existing is None:
        user = await auth_service.create_user(
            session,
            email=address,
            password=password,
            role=role,
            first_name=first_name,
            last_name=last_name,
        )
        return user, generated
    if not upsert:
        raise EmailTaken(address)
    await auth_service.set_password(session, existing, password)
    existing.role = role
    existing.is_active = True
    if first_name:
        existing.first_name = first_name
    if last_name:
        existing.last_name = last_name
    await session.flush()
    return existing, generated


async def update_staff(
    session: AsyncSession, actor: AccessClaims | None, staff_id: int, data: StaffUpdate
) -> User:
    """Change a staff member's role, activity or names. An admin cannot demote or deactivate
    themself, so the shop always keeps the admin who is making changes."""
    _ensure_permission(actor, Permission.STAFF_WRITE)
    user = await repo.get_user(session, staff_id)
    if user is None or user.role not in STAFF_ROLES:
        raise NotFound(f"there is no staff member with id {staff_id}", code="staff_not_found")
    is_self = actor is not None and actor.user_id == user.id
    if is_self and data.role is not None and Role(data.role) != user.role:
        raise Conflict(
            "you cannot change your own role; ask another admin to do it",
            code="cannot_demote_self",
        )
    if is_self and data.is_active is False:
        raise Conflict(
            "you cannot deactivate your own account; ask another admin to do it",
            code="cannot_deactivate_self",
        )
    if data.role is not None:
        user.role = Role(data.role)
    if data.first_name is not None:
        user.first_name = data.first_name
    if data.last_name is not None:
        user.last_name = data.last_name
    if data.is_active is not None and data.is_active != user.is_active:
        user.is_active = data.is_active
        if not data.is_active:
            await auth_service.revoke_sessions(session, user.id)
    await session.flush()
    return user


def _ensure_permission(actor: AccessClaims | None, permission: Permission) -> None:
    # The routes check this too; repeated here so that no other caller can skip it.
    if actor is not None and permission not in permissions_of(actor.role):
        raise Forbidden(
            f"your role '{actor.role}' lacks the permission '{permission}'",
            code="missing_permission",
            permission=str(permission),
        )
