"""Helpers of the account page tests: CSRF tokens from rendered forms, signing in by the form."""

from __future__ import annotations

import re

import httpx

from tests.builders.accounts import DEFAULT_PASSWORD

_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(html: str) -> str:
    match = _CSRF.search(html)
    assert match is not None, "no CSRF field on the page"
    return match.group(1)


async def csrf(client: httpx.AsyncClient, path: str = "/login") -> str:
    """A CSRF token for this client's cookies, from the form on `path`."""
    page = await client.get(path)
    assert page.status_code == 200, page.text
    return csrf_of(page.text)


async def post_form(
    client: httpx.AsyncClient, path: str, data: dict[str, str], *, form_page: str
) -> httpx.Response:
    """POST `data` with a fresh CSRF token read from `form_page`."""
    return await client.post(path, data={**data, "csrf_token": await csrf(client, form_page)})


async def sign_in(
    client: httpx.AsyncClient, email: str, password: str = DEFAULT_PASSWORD
) -> httpx.Response:
    response = await post_form(
        client, "/login", {"email": email, "password": password}, form_page="/login"
    )
    assert response.status_code == 303, response.text
    return response
