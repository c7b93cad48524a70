"""FastAPI dependencies: who is calling, and may they do this. Used by every router.

All are `async def` though none awaits: FastAPI runs a plain `def` dependency in the thread pool,
a thread hop per dependency on every request (about 7% of creating a cart)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from shop.auth.permissions import Permission, is_staff, permissions_of
from shop.auth.tokens import AccessClaims, decode_access_token
from shop.errors import Forbidden, Unauthorized
from shop.observability.logs import bind_user_id
from shop.web.dependencies import SettingsDep

_bearer = HTTPBearer(auto_error=False, description="Access token from /api/v1/auth/login")


async def optional_claims(
    settings: SettingsDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> AccessClaims | None:
    if credentials is None:
        return None
    claims = decode_access_token(
        credentials.credentials, secret=settings.secret_key.get_secret_value()
    )
    bind_user_id(claims.user_id)  # for the request's log lines
    return claims


async def current_claims(
    claims: Annotated[AccessClaims | None, Depends(optional_claims)],
) -> AccessClaims:
    if claims is None:
        raise Unauthorized("sign in and send 'Authorization: Bearer <access token>'")
    return claims


OptionalClaims = Annotated[AccessClaims | None, Depends(optional_claims)]
# For `openapi_extra` of routes taking OptionalClaims: FastAPI appends this empty requirement to
# the operation's `security`, which OpenAPI reads as "no credentials is fine too".
OPTIONAL_BEARER: dict[str, object] = {"security": [{}]}
CurrentClaims = Annotated[AccessClaims, Depends(current_claims)]


def require(permission: Permission) -> object:
    """A dependency that lets the request through only if the caller's role has `permission`.

    The role comes from the signed access token; tokens live 15 minutes, so a role change takes
    effect at the next refresh (refresh re-reads the user)."""

    async def check(claims: CurrentClaims) -> AccessClaims:
        if not is_staff(claims.role):
            raise Forbidden("this is a staff-only endpoint", code="staff_only")
        if permission not in permissions_of(claims.role):
            raise Forbidden(
                f"your role '{claims.role}' lacks the permission '{permission}'",
                code="missing_permission",
                permission=str(permission),
            )
        return claims

    check.required_permission = permission  # type: ignore[attr-defined]  # read by the RBAC test
    return Depends(check)


async def require_staff(claims: CurrentClaims) -> AccessClaims:
    if not is_staff(claims.role):
        raise Forbidden("this is a staff-only endpoint", code="staff_only")
    return claims


StaffClaims = Annotated[AccessClaims, Depends(require_staff)]
