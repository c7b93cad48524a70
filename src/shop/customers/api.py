"""The signed-in customer's account: profile, email, password, saved addresses, data export,
deletion; and password reset by email (anonymous)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Response, status
from fastapi.responses import JSONResponse

from shop.auth.dependencies import CurrentClaims
from shop.customers import privacy, recovery
from shop.customers import service as customers_service
from shop.customers.repository import MAX_ID
from shop.customers.schemas import (
    AccountDeletionCreate,
    AddressIn,
    AddressRead,
    EmailChange,
    PasswordChange,
    PasswordResetCreate,
    PasswordResetRequestCreate,
    ProfileRead,
    ProfileUpdate,
)
from shop.web.dependencies import ClientIp, ReadSession, SettingsDep, WriteSession
from shop.web.problems import problem_doc, problem_responses

router = APIRouter(prefix="/account", tags=["account"])

AddressId = Annotated[int, Path(ge=1, le=MAX_ID)]
EXPORT_FILENAME = "shopwright-account-export.json"


@router.get(
    "/profile",
    response_model=ProfileRead,
    summary="My profile",
    responses=problem_responses(401),
)
async def get_profile(claims: CurrentClaims, session: ReadSession) -> ProfileRead:
    return ProfileRead.model_validate(await customers_service.get_profile(session, claims.user_id))


@router.put(
    "/profile",
    response_model=ProfileRead,
    summary="Change my name",
    responses=problem_responses(401, 422),
)
async def update_profile(
    data: ProfileUpdate, claims: CurrentClaims, session: WriteSession
) -> ProfileRead:
    user = await customers_service.update_profile(session, claims.user_id, data)
    return ProfileRead.model_validate(user)


@router.post(
    "/email",
    response_model=ProfileRead,
    summary="Change my email address",
    description="Confirmed with the current password (422 `wrong_password` otherwise).",
    responses=problem_responses(401, 409, 422),
)
async def change_email(
    data: EmailChange, claims: CurrentClaims, session: WriteSession
) -> ProfileRead:
    user = await customers_service.change_email(
        session, claims.user_id, email=data.email, password=data.password
    )
    return ProfileRead.model_validate(user)


@router.post(
    "/password",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    summary="Change my password",
    description=(
        "Needs the current password. The new one follows registration's rules. Every sign-in "
        "of the account is revoked: sign in again."
    ),
    responses=problem_responses(401, 422),
)
async def change_password(
    data: PasswordChange, claims: CurrentClaims, session: WriteSession
) -> None:
    await customers_service.change_password(
        session,
        claims.user_id,
        current_password=data.current_password,
        new_password=data.new_password,
    )


@router.get(
    "/addresses",
    response_model=list[AddressRead],
    summary="My saved addresses, the default first",
    responses=problem_responses(401),
)
async def list_addresses(claims: CurrentClaims, session: ReadSession) -> list[AddressRead]:
    addresses = await customers_service.list_addresses(session, claims.user_id)
    return [AddressRead.model_validate(address) for address in addresses]


@router.post(
    "/addresses",
    status_code=status.HTTP_201_CREATED,
    response_model=AddressRead,
    summary="Save an address",
    description="The first address becomes the default. At most 20 (409 `too_many_addresses`).",
    responses=problem_responses(401, 409, 422),
)
async def add_address(data: AddressIn, claims: CurrentClaims, session: WriteSession) -> AddressRead:
    address = await customers_service.add_address(session, claims.user_id, data)
    return AddressRead.model_validate(address)


@router.put(
    "/addresses/{address_id}",
    response_model=AddressRead,
    summary="Replace a saved address",
    responses=problem_responses(401, 404, 422),
)
async def update_address(
    address_id: AddressId, data: AddressIn, claims: CurrentClaims, session: WriteSession
) -> AddressRead:
    address = await customers_service.update_address(session, claims.user_id, address_id, data)
    return AddressRead.model_validate(address)


@router.post(
    "/addresses/{address_id}/default",
    response_model=AddressRead,
    summary="Make a saved address the default",
    responses=problem_responses(401, 404, 422),
)
async def set_default_address(
    address_id: AddressId, claims: CurrentClaims, session: WriteSession
) -> AddressRead:
    address = await customers_service.set_default_address(session, claims.user_id, address_id)
    return AddressRead.model_validate(address)


@router.delete(
    "/addresses/{address_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    summary="Delete a saved address",
    responses=problem_responses(401, 404, 422),
)
async def delete_address(
    address_id: AddressId, claims: CurrentClaims, session: WriteSession
) -> None:
    await customers_service.delete_address(session, claims.user_id, address_id)


@router.get(
    "/export",
    summary="Everything the shop holds about me, as a JSON download",
    responses={
        200: {
            "description": "Profile, addresses, orders, reviews and wishlist",
            "content": {"application/json": {"schema": {"type": "object"}}},
        },
        **problem_responses(401),
    },
)
async def export_data(claims: CurrentClaims, session: ReadSession) -> JSONResponse:
    data: dict[str, Any] = await privacy.export_data(session, claims.user_id)
    return JSONResponse(
        data, headers={"Content-Disposition": f'attachment; filename="{EXPORT_FILENAME}"'}
    )


@router.post(
    "/delete",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    summary="Delete my account",
    description=(
        "Confirmed with the password. Personal data is replaced by placeholders; orders and "
        "their amounts are kept, anonymised. Refused (409 `open_orders`) while an order is "
        "still being processed, and for staff accounts (403)."
    ),
    responses=problem_responses(401, 403, 409, 422),
)
async def delete_account(
    data: AccountDeletionCreate, claims: CurrentClaims, session: WriteSession
) -> None:
    await privacy.delete_account(session, claims.user_id, password=data.password)


@router.post(
    "/password/forgot",
    status_code=status.HTTP_202_ACCEPTED,
    response_class=Response,
    summary="Email me a password reset link",
    description=(
        "Always 202, whether or not the email is an account: the link (valid 30 minutes, "
        "single use) is mailed only to an existing account. 429 when this address asked too "
        "often."
    ),
    responses=problem_responses(422, 429),
)
async def forgot_password(
    data: PasswordResetRequestCreate,
    session: WriteSession,
    settings: SettingsDep,
    client_ip: ClientIp,
) -> None:
    await recovery.send_reset_link(
        session, email=data.email, client_ip=client_ip, settings=settings
    )


@router.post(
    "/password/reset",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    summary="Choose a new password with a reset link's token",
    description="400 `invalid_reset_token` for an unknown, expired or used link.",
    responses={
        400: problem_doc("The link is unknown, expired or already used"),
        **problem_responses(422),
    },
)
async def reset_password(data: PasswordResetCreate, session: WriteSession) -> None:
    await recovery.reset_password(session, token=data.token, password=data.password)
