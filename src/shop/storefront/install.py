"""Wires the storefront's pages into the app (called by shop.main for the web roles)."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.responses import HTMLResponse

from shop.config import Settings


def install_storefront(app: FastAPI, settings: Settings) -> None:
    app.add_api_route("/", _home, include_in_schema=False, response_class=HTMLResponse)


async def _home() -> str:
    # Replaced by the storefront pages; until then it points people at the API.
    return (
        "<!doctype html><html lang=en><head><meta charset=utf-8><title>Shopwright</title></head>"
        "<body><main><h1>Shopwright</h1><p>The shop is running.</p><ul>"
        '<li><a href="/api/docs">API documentation</a></li>'
        '<li><a href="/api/v1/products">Products (JSON)</a></li>'
        '<li><a href="/api/v1/categories">Categories (JSON)</a></li>'
        "</ul></main></body></html>"
    )
