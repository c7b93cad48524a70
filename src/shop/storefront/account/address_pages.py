"""Saved addresses: list, add, edit, delete, make default."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError
from starlette.datastructures import FormData

from shop.auth.browser_session import SignedInShopper
from shop.customers import service as customers_service
from shop.customers.errors import TooManyAddresses
from shop.customers.repository import MAX_ID
from shop.customers.schemas import AddressIn
from shop.models.customers import Address
from shop.storefront.account.common import render_account
from shop.web.dependencies import ReadSession, WriteSession
from shop.web.pages.csrf import CsrfProtected
from shop.web.pages.forms import field_errors, text_field
from shop.web.pages.responses import redirect_with_flash

router = APIRouter(default_response_class=HTMLResponse)

AddressId = Annotated[int, Path(ge=1, le=MAX_ID)]
TEXT_FIELDS = (
    "label",
    "name",
    "line1",
    "line2",
    "city",
    "region",
    "postal_code",
    "country",
    "phone",
)


def read_address_form(form: FormData) -> tuple[dict[str, Any], AddressIn | None, dict[str, str]]:
    """(the values as typed, the address or None, {field: message})."""
    values: dict[str, Any] = {name: text_field(form, name, max_length=200) for name in TEXT_FIELDS}
    values["country"] = values["country"].upper()
    values["is_default"] = form.get("is_default") is not None
    try:
        return values, AddressIn(**values), {}
    except ValidationError as error:
        return values, None, field_errors(error)


def values_of(address: Address) -> dict[str, Any]:
    values: dict[str, Any] = {name: getattr(address, name) or "" for name in TEXT_FIELDS}
    values["is_default"] = address.is_default
    return values


async def _list_page(
    request: Request,
    session: Any,
    user_id: int,
    *,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    addresses = await customers_service.list_addresses(session, user_id)
    return await render_account(
        request,
        "addresses.html",
        {
            "addresses": addresses,
            "values": values or {"is_default": not addresses},
            "errors": errors or {},
            "limit": customers_service.MAX_ADDRESSES,
        },
        status_code=status_code,
    )


@router.get("/account/addresses")
async def addresses(request: Request, shopper: SignedInShopper, session: ReadSession) -> Response:
    return await _list_page(request, session, shopper.user_id)


@router.post("/account/addresses")
async def add_address(
    request: Request, _: CsrfProtected, shopper: SignedInShopper, session: WriteSession
) -> Response:
    values, data, errors = read_address_form(await request.form())
    if data is not None:
        try:
            await customers_service.add_address(session, shopper.user_id, data)
        except TooManyAddresses as error:
            errors = {"form": error.message}
        else:
            return redirect_with_flash(request, "/account/addresses", "Address saved.")
    return await _list_page(
        request, session, shopper.user_id, values=values, errors=errors, status_code=422
    )


@router.get("/account/addresses/{address_id}/edit")
async def edit_address_page(
    request: Request, address_id: AddressId, shopper: SignedInShopper, session: ReadSession
) -> Response:
    address = await customers_service.get_address(session, shopper.user_id, address_id)
    return await render_account(
        request,
        "address_edit.html",
        {"address": address, "values": values_of(address), "errors": {}},
    )


@router.post("/account/addresses/{address_id}")
async def update_address(
    request: Request,
    address_id: AddressId,
    _: CsrfProtected,
    shopper: SignedInShopper,
    session: WriteSession,
) -> Response:
    address = await customers_service.get_address(session, shopper.user_id, address_id)
    values, data, errors = read_address_form(await request.form())
    if data is None:
        return await render_account(
            request,
            "address_edit.html",
            {"address": address, "values": values, "errors": errors},
            status_code=422,
        )
    await customers_service.update_address(session, shopper.user_id, address_id, data)
    return redirect_with_flash(request, "/account/addresses", "Address updated.")


@router.post("/account/addresses/{address_id}/default")
async def make_default(
    request: Request,
    address_id: AddressId,
    _: CsrfProtected,
    shopper: SignedInShopper,
    session: WriteSession,
) -> Response:
    await customers_service.set_default_address(session, shopper.user_id, address_id)
    return redirect_with_flash(request, "/account/addresses", "Default address changed.")


@router.post("/account/addresses/{address_id}/delete")
async def delete_address(
    request: Request,
    address_id: AddressId,
    _: CsrfProtected,
    shopper: SignedInShopper,
    session: WriteSession,
) -> Response:
    await customers_service.delete_address(session, shopper.user_id, address_id)
    return redirect_with_flash(request, "/account/addresses", "Address deleted.")
