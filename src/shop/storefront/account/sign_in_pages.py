"""Signing in and out, registering, and password reset by email."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError
from starlette.datastructures import FormData

from shop.auth import service as auth_service
from shop.auth.browser_session import OptionalShopper, sign_in, sign_out
from shop.auth.errors import EmailTaken, InvalidEmail, WeakPassword
from shop.auth.password_reset import InvalidResetToken, TooManyPasswordResets
from shop.auth.permissions import is_staff
from shop.auth.schemas import PASSWORD_INPUT_MAX_LENGTH, UserCreate
from shop.customers import recovery
from shop.errors import ShopError, TooManyRequests
from shop.storefront.account.common import error_fields, name_and_email
from shop.web.dependencies import ClientIp, ReadSession, SettingsDep, WriteSession, get_database
from shop.web.pages.csrf import CsrfProtected
from shop.web.pages.flash import flash
from shop.web.pages.forms import field_errors, text_field
from shop.web.pages.rendering import render
from shop.web.pages.responses import redirect_with_flash, safe_next, see_other

router = APIRouter(default_response_class=HTMLResponse)

NextPath = Annotated[str | None, Query(max_length=2000)]
ResetToken = Annotated[str, Path(min_length=1, max_length=200)]


def password_field(form: FormData, name: str) -> str:
    """A password as typed: not stripped (spaces may be part of it)."""
    value = form.get(name)
    return value[: PASSWORD_INPUT_MAX_LENGTH + 1] if isinstance(value, str) else ""


def landing(role: str, next_path: str) -> str:
    """Where a sign-in leads: staff to the back office, customers back or to their account."""
    if is_staff(role):
        return next_path if next_path.startswith("/admin") else "/admin"
    return next_path or "/account"


def _retry_headers(error: ShopError) -> dict[str, str]:
    return {"Retry-After": str(error.retry_after)} if isinstance(error, TooManyRequests) else {}


# --- sign in and out -----------------------------------------------------------------------


@router.get("/login")
async def login_page(request: Request, shopper: OptionalShopper, next: NextPath = None) -> Response:
    target = safe_next(next, default="")
    if shopper is not None:
        return see_other(landing(shopper.role, target))
    return await render(request, "account/login.html", {"next": target, "email": "", "errors": {}})


@router.post("/login")
async def login(
    request: Request, _: CsrfProtected, settings: SettingsDep, client_ip: ClientIp
) -> Response:
    form = await request.form()
    email = text_field(form, "email", max_length=254)
    password = password_field(form, "password")
    target = safe_next(text_field(form, "next"), default="")
    errors: dict[str, str] = {}
    if not email:
        errors["email"] = "Enter your email address."
    if not password:
        errors["password"] = "Enter your password."  # noqa: S105 (a message, not a secret)
    failure: ShopError | None = None
    response: Response | None = None
    if not errors:
        # Failed attempts must be recorded (throttling) although the sign-in fails: the error
        # is caught inside the transaction, which then commits.
        async with get_database(request).transaction() as session:
            try:
                pair = await auth_service.login(
                    session, email=email, password=password, client_ip=client_ip, settings=settings
                )
            except ShopError as error:
                failure = error
            else:
                user = await auth_service.get_active_user(session, pair.user_id)
                response = see_other(landing(str(user.role), target))
                await sign_in(request, response, session, pair)
                flash(
                    response,
                    request,
                    f"Welcome back{', ' + user.first_name if user.first_name else ''}.",
                )
    if response is not None:
        return response
    if failure is not None:
        errors["form"] = failure.message
    return await render(
        request,
        "account/login.html",
        {"next": target, "email": email, "errors": errors},
        status_code=failure.status if failure is not None else 422,
        headers=_retry_headers(failure) if failure is not None else None,
    )


@router.post("/logout")
async def logout(request: Request, _: CsrfProtected, session: WriteSession) -> Response:
    response = see_other("/")
    await sign_out(request, response, session)
    flash(response, request, "You have signed out.")
    return response


# --- registration --------------------------------------------------------------------------


@router.get("/register")
async def register_page(request: Request, shopper: OptionalShopper) -> Response:
    if shopper is not None:
        return see_other("/account")
    return await render(request, "account/register.html", {"values": {}, "errors": {}})


@router.post("/register")
async def register(
    request: Request, _: CsrfProtected, settings: SettingsDep, client_ip: ClientIp
) -> Response:
    form = await request.form()
    values = name_and_email(form)
    password = password_field(form, "password")
    errors: dict[str, str] = {}
    try:
        data = UserCreate(**values, password=password)
    except ValidationError as error:
        errors = field_errors(error)
    else:
        try:
            async with get_database(request).transaction() as session:
                await auth_service.register(session, data)
                pair = await auth_service.login(
                    session,
                    email=data.email,
                    password=password,
                    client_ip=client_ip,
                    settings=settings,
                )
                response = see_other("/account")
                await sign_in(request, response, session, pair)
        except EmailTaken as error:
            errors = {"email": error.message}
        except (WeakPassword, InvalidEmail) as error:
            errors = error_fields(error)
        else:
            flash(response, request, "Welcome! Your account is ready.")
            return response
    return await render(
        request, "account/register.html", {"values": values, "errors": errors}, status_code=422
    )


# --- password reset ------------------------------------------------------------------------


@router.get("/password/forgot")
async def forgot_page(request: Request) -> Response:
    return await render(request, "account/forgot.html", {"email": "", "errors": {}})


@router.post("/password/forgot")
async def forgot(
    request: Request,
    _: CsrfProtected,
    session: WriteSession,
    settings: SettingsDep,
    client_ip: ClientIp,
) -> Response:
    form = await request.form()
    email = text_field(form, "email", max_length=254)
    if not email:
        return await render(
            request,
            "account/forgot.html",
            {"email": "", "errors": {"email": "Enter your email address."}},
            status_code=422,
        )
    try:
        await recovery.send_reset_link(session, email=email, client_ip=client_ip, settings=settings)
    except TooManyPasswordResets as error:
        return await render(
            request,
            "account/forgot.html",
            {"email": email, "errors": {"form": error.message}},
            status_code=429,
            headers=_retry_headers(error),
        )
    return redirect_with_flash(
        request,
        "/login",
        "If an account exists for that email, we have sent it a link to choose a new "
        "password. The link works once, for 30 minutes.",
        kind="info",
    )


# A reset link must not leak through the Referer header to anything this page loads.
NO_REFERRER = {"Referrer-Policy": "no-referrer"}


@router.get("/password/reset/{token}")
async def reset_page(request: Request, token: ResetToken, session: ReadSession) -> Response:
    usable = await recovery.link_is_usable(session, token)
    return await render(
        request,
        "account/reset.html",
        {"token": token, "usable": usable, "errors": {}},
        status_code=200 if usable else 400,
        headers=NO_REFERRER,
    )


@router.post("/password/reset/{token}")
async def reset(
    request: Request, token: ResetToken, _: CsrfProtected, session: WriteSession
) -> Response:
    form = await request.form()
    password = password_field(form, "password")
    try:
        await recovery.reset_password(session, token=token, password=password)
    except InvalidResetToken:
        return await render(
            request,
            "account/reset.html",
            {"token": token, "usable": False, "errors": {}},
            status_code=400,
            headers=NO_REFERRER,
        )
    except WeakPassword as error:
        return await render(
            request,
            "account/reset.html",
            {"token": token, "usable": True, "errors": error_fields(error, default="password")},
            status_code=422,
            headers=NO_REFERRER,
        )
    return redirect_with_flash(
        request, "/login", "Your password has been changed. Sign in with your new password."
    )
