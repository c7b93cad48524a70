"""Auth routes: register, login, refresh, logout, me."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Request, Response, status
from sqlalchemy.ext.asyncio import AsyncSession

from shop.auth import service as auth_service
from shop.auth.dependencies import CurrentClaims
from shop.auth.errors import KeepsWrites
from shop.auth.hooks import login_hooks
from shop.auth.permissions import permissions_of
from shop.auth.schemas import (
    LoginRequest,
    MeRead,
    RefreshRequest,
    TokenPairRead,
    UserCreate,
    UserRead,
)
from shop.web.dependencies import ClientIp, ReadSession, SettingsDep, WriteSession, get_database
from shop.web.problems import problem_responses

router = APIRouter(prefix="/auth", tags=["auth"])


async def _session_keeping_failure_records(request: Request) -> AsyncIterator[AsyncSession]:
    """Like WriteSession, but a KeepsWrites failure commits what was written before it (the
    failed-login record, the revoked token family) and is raised after the commit."""
    failure: KeepsWrites | None = None
    async with get_database(request).transaction() as session:
        try:
            yield session
        except KeepsWrites as exc:
            failure = exc
    if failure is not None:
        raise failure


AuthSession = Annotated[AsyncSession, Depends(_session_keeping_failure_records, scope="function")]


def _token_pair(pair: auth_service.TokenPair) -> TokenPairRead:
    return TokenPairRead(
        access_token=pair.access_token, refresh_token=pair.refresh_token, expires_in=pair.expires_in
    )


@router.post(
    "/register",
    status_code=status.HTTP_201_CREATED,
    response_model=UserRead,
    summary="Create a customer account",
    responses=problem_responses(409, 422),
)
async def register(data: UserCreate, session: WriteSession) -> UserRead:
    user = await auth_service.register(session, data)
    return UserRead.model_validate(user)


@router.post(
    "/login",
    response_model=TokenPairRead,
    summary="Sign in with email and password",
    description=(
        "Failed attempts are throttled per (email, client address): after the second failure "
        "each attempt waits 1 s, 2 s, 4 s... after the last; after "
        "`login_max_failures` failures within the window every attempt gets 429."
    ),
    responses=problem_responses(401, 422, 429),
)
async def login(
    data: LoginRequest,
    request: Request,
    session: AuthSession,
    settings: SettingsDep,
    client_ip: ClientIp,
    cart_token: Annotated[
        str | None,
        Header(
            alias="X-Cart-Token",
            max_length=200,
            description="An anonymous cart to merge into the customer's cart",
        ),
    ] = None,
) -> TokenPairRead:
    pair = await auth_service.login(
        session, email=data.email, password=data.password, client_ip=client_ip, settings=settings
    )
    # Features above auth (carts) react to a sign-in through hooks that main.py registers.
    for hook in login_hooks(request.app.state):
        await hook(session, user_id=pair.user_id, cart_token=cart_token)
    return _token_pair(pair)


@router.post(
    "/refresh",
    response_model=TokenPairRead,
    summary="Exchange a refresh token for a new token pair",
    description="The presented token is used up; presenting it again revokes its whole family.",
    responses=problem_responses(401, 422),
)
async def refresh(
    data: RefreshRequest, session: AuthSession, settings: SettingsDep
) -> TokenPairRead:
    pair = await auth_service.refresh(session, data.refresh_token, settings=settings)
    return _token_pair(pair)


@router.post(
    "/logout",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    summary="Revoke the sign-in the refresh token belongs to",
    description="Always 204, also for an unknown token.",
    responses=problem_responses(422),
)
async def logout(data: RefreshRequest, session: WriteSession) -> None:
    await auth_service.logout(session, data.refresh_token)


@router.get(
    "/me",
    response_model=MeRead,
    summary="The signed-in user and their permissions",
    responses=problem_responses(401),
)
async def me(claims: CurrentClaims, session: ReadSession) -> MeRead:
    user = await auth_service.get_active_user(session, claims.user_id)
    return MeRead(
        **UserRead.model_validate(user).model_dump(),
        permissions=sorted(permissions_of(user.role)),
    )
