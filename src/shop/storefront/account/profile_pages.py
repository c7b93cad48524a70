"""Profile (name and email), password change, data export and account deletion."""

from __future__ import annotations

import json

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from shop.auth import service as auth_service
from shop.auth.browser_session import SignedInShopper, sign_in, sign_out
from shop.auth.errors import EmailTaken, InvalidEmail, WeakPassword
from shop.customers import privacy
from shop.customers import service as customers_service
from shop.customers.errors import OpenOrders, StaffAccountDeletion, WrongPassword
from shop.customers.schemas import ProfileUpdate
from shop.storefront.account.common import error_fields, name_and_email, render_account
from shop.storefront.account.sign_in_pages import password_field
from shop.web.dependencies import ClientIp, ReadSession, SettingsDep, WriteSession
from shop.web.pages.csrf import CsrfProtected
from shop.web.pages.flash import flash
from shop.web.pages.forms import field_errors
from shop.web.pages.responses import redirect_with_flash, see_other

router = APIRouter(default_response_class=HTMLResponse)

EXPORT_FILENAME = "shopwright-account-export.json"


# --- profile -------------------------------------------------------------------------------


@router.get("/account/profile")
async def profile_page(
    request: Request, shopper: SignedInShopper, session: ReadSession
) -> Response:
    profile = await customers_service.get_profile(session, shopper.user_id)
    values = {
        "first_name": profile.first_name,
        "last_name": profile.last_name,
        "email": profile.email,
    }
    return await render_account(request, "profile.html", {"values": values, "errors": {}})


@router.post("/account/profile")
async def update_profile(
    request: Request, _: CsrfProtected, shopper: SignedInShopper, session: WriteSession
) -> Response:
    form = await request.form()
    values = name_and_email(form)
    password = password_field(form, "current_password")
    errors: dict[str, str] = {}
    try:
        names = ProfileUpdate(first_name=values["first_name"], last_name=values["last_name"])
    except ValidationError as error:
        errors = field_errors(error)
    else:
        profile = await customers_service.get_profile(session, shopper.user_id)
        email_changes = values["email"].lower() != profile.email
        try:
            if email_changes:
                if not password:
                    raise WrongPassword("current_password")
                await customers_service.change_email(
                    session, shopper.user_id, email=values["email"], password=password
                )
            await customers_service.update_profile(session, shopper.user_id, names)
        except WrongPassword:
            errors = {"current_password": "Enter your current password to change your email."}
        except EmailTaken:
            errors = {"email": "Another account uses this email address."}
        except InvalidEmail as error:
            errors = {"email": error.message}
    if errors:
        return await render_account(
            request, "profile.html", {"values": values, "errors": errors}, status_code=422
        )
    return redirect_with_flash(request, "/account/profile", "Your profile has been saved.")


# --- password ------------------------------------------------------------------------------


@router.get("/account/password")
async def password_page(request: Request, shopper: SignedInShopper) -> Response:
    return await render_account(request, "password.html", {"errors": {}})


@router.post("/account/password")
async def change_password(
    request: Request,
    _: CsrfProtected,
    shopper: SignedInShopper,
    session: WriteSession,
    settings: SettingsDep,
    client_ip: ClientIp,
) -> Response:
    form = await request.form()
    current = password_field(form, "current_password")
    new = password_field(form, "new_password")
    try:
        user = await customers_service.change_password(
            session, shopper.user_id, current_password=current, new_password=new
        )
    except WrongPassword:
        errors = {"current_password": "Your current password is not correct."}
    except WeakPassword as error:
        errors = error_fields(error, default="new_password")
        errors = {"new_password": "; ".join(errors.values())}
    else:
        # Every sign-in was revoked, this one too: sign this browser in again.
        pair = await auth_service.login(
            session, email=user.email, password=new, client_ip=client_ip, settings=settings
        )
        response = see_other("/account")
        await sign_in(request, response, session, pair)
        flash(response, request, "Your password has been changed. Other devices were signed out.")
        return response
    return await render_account(request, "password.html", {"errors": errors}, status_code=422)


# --- data export ---------------------------------------------------------------------------


@router.get("/account/export")
async def export(shopper: SignedInShopper, session: ReadSession) -> Response:
    data = await privacy.export_data(session, shopper.user_id)
    return Response(
        json.dumps(data, indent=2, ensure_ascii=False),
        media_type="application/json",
        headers={
            "Content-Disposition": f'attachment; filename="{EXPORT_FILENAME}"',
            "Cache-Control": "no-store",
        },
    )


# --- deletion ------------------------------------------------------------------------------


@router.get("/account/delete")
async def delete_page(request: Request, shopper: SignedInShopper) -> Response:
    return await render_account(request, "delete.html", {"errors": {}})


@router.post("/account/delete")
async def delete_account(
    request: Request, _: CsrfProtected, shopper: SignedInShopper, session: WriteSession
) -> Response:
    form = await request.form()
    password = password_field(form, "password")
    try:
        await privacy.delete_account(session, shopper.user_id, password=password)
    except WrongPassword:
        errors = {"password": "Your password is not correct."}
    except (OpenOrders, StaffAccountDeletion) as error:
        errors = {"form": error.message}
    else:
        response = see_other("/")
        await sign_out(request, response, session)
        flash(response, request, "Your account has been deleted. Thank you for shopping with us.")
        return response
    return await render_account(request, "delete.html", {"errors": errors}, status_code=422)
