"""PrefixedRouter: skipped as a whole for paths outside its prefix, routed as usual inside."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI
from starlette.routing import Match

from shop.web.routing import PrefixedRouter


def build() -> tuple[FastAPI, PrefixedRouter]:
    api = PrefixedRouter(path_prefix="/api/v1")

    @api.get("/items/{item_id}")
    async def item(item_id: int) -> dict[str, int]:
        return {"api": item_id}

    app = FastAPI()
    app.include_router(api, prefix="/api/v1")

    @app.get("/items/{item_id}")
    async def page(item_id: int) -> dict[str, int]:
        return {"page": item_id}

    return app, api


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    app, _ = build()
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        yield http


async def test_routes_inside_and_outside_the_prefix(client: httpx.AsyncClient) -> None:
    assert (await client.get("/api/v1/items/3")).json() == {"api": 3}
    assert (await client.get("/items/3")).json() == {"page": 3}
    assert (await client.get("/api/v1x/items/3")).status_code == 404
    assert (await client.get("/api/v1/items/x")).status_code == 422


def test_paths_outside_the_prefix_do_not_reach_its_routes() -> None:
    _, api = build()
    scope = {"type": "http", "path": "/items/3", "root_path": "", "method": "GET"}
    assert api.matches(scope) == (Match.NONE, {})
    assert api.path_prefix == "/api/v1/"
