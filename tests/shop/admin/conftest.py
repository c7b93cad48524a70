"""Back-office page tests: browsers signed in as each role on the same app (one cookie jar
per browser), with helpers that fetch a page's CSRF token and post its forms."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from shop.config import Settings
from shop.db.session import Database
from shop.models.accounts import Role, User
from shop.models.audit import AuditEntry
from tests.shop.storefront.conftest import sign_in
from tests.shop.storefront.html import Element, csrf_token, parse

USER_AGENT = "admin-page-test/1.0"


@dataclass
class Browser:
    http: httpx.AsyncClient
    user: User | None

    async def get(self, path: str, **params: Any) -> httpx.Response:
        return await self.http.get(path, params=params or None)

    async def page(self, path: str, expected: int = 200) -> Element:
        response = await self.http.get(path)
        assert response.status_code == expected, (response.status_code, response.text[:2000])
        return parse(response.text)

    async def post(
        self,
        path: str,
        data: dict[str, str] | None = None,
        *,
        form_page: str = "/admin",
        files: dict[str, tuple[str, bytes, str]] | None = None,
        csrf: bool = True,
    ) -> httpx.Response:
        """Post a form as the browser would after loading `form_page` (for its CSRF token)."""
        fields = dict(data or {})
        if csrf:
            fields["csrf_token"] = csrf_token((await self.http.get(form_page)).text)
        return await self.http.post(path, data=fields, files=files)


BrowserFactory = Callable[..., Any]


@pytest.fixture
async def browsers(
    app: FastAPI, database: Database, app_settings: Settings
) -> AsyncIterator[Callable[[Role | None], Any]]:
    """`await browsers(Role.MANAGER)`: a new browser signed in as a new user of that role
    (None: an anonymous visitor)."""
    async with AsyncExitStack() as stack:

        async def make(role: Role | None) -> Browser:
            transport = httpx.ASGITransport(app=app, client=("203.0.113.9", 50001))
            http = await stack.enter_async_context(
                httpx.AsyncClient(
                    transport=transport,
                    base_url="http://testserver",
                    headers={"User-Agent": USER_AGENT},
                )
            )
            user = None if role is None else await sign_in(http, database, app_settings, role=role)
            return Browser(http, user)

        yield make


async def audit_entries(database: Database, action: str | None = None) -> list[AuditEntry]:
    async with database.read() as session:
        statement = select(AuditEntry).order_by(AuditEntry.id)
        if action is not None:
            statement = statement.where(AuditEntry.action == action)
        entries = list(await session.scalars(statement))
        session.expunge_all()
        return entries


def flash_of(page: Element) -> str:
    return page.find("flash").text
