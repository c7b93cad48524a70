"""What the account pages share: the template folder, the section menu, form messages."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from starlette.datastructures import FormData

from shop.errors import ShopError
from shop.web.pages.forms import text_field
from shop.web.pages.rendering import render

# (path, label): the menu of /account pages, in order.
SECTIONS = (
    ("/account", "Overview"),
    ("/account/orders", "Orders"),
    ("/account/addresses", "Addresses"),
    ("/account/wishlist", "Wishlist"),
    ("/account/profile", "Profile"),
    ("/account/password", "Password"),
    ("/account/delete", "Delete account"),
)


def name_and_email(form: FormData) -> dict[str, str]:
    """The person's fields of the registration and profile forms, as typed."""
    return {
        "first_name": text_field(form, "first_name", max_length=100),
        "last_name": text_field(form, "last_name", max_length=100),
        "email": text_field(form, "email", max_length=254),
    }


def error_fields(error: ShopError, *, default: str = "form") -> dict[str, str]:
    """{field: message} of a domain error: its `errors` list, else the message on `default`."""
    listed = error.extra.get("errors")
    fields: dict[str, str] = {}
    if isinstance(listed, list):
        for item in listed:
            if isinstance(item, dict) and "field" in item and "message" in item:
                fields.setdefault(str(item["field"]), str(item["message"]))
    return fields or {default: error.message}


async def render_account(
    request: Request,
    template: str,
    context: Mapping[str, Any] | None = None,
    *,
    status_code: int = 200,
) -> HTMLResponse:
    """An /account page: the template gets the section menu besides `context`."""
    values = {"sections": SECTIONS, **(context or {})}
    return await render(request, f"account/{template}", values, status_code=status_code)
