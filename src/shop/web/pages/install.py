"""Wires the shared page infrastructure into an app: /static, the favicon and the HTML error
pages."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles

from shop.web.pages.errors import install_page_errors

STATIC_DIR = Path(__file__).parent / "static"
STATIC_PATH = "/static"
FAVICON = f"{STATIC_PATH}/favicon.svg"


async def favicon() -> RedirectResponse:
    # Pages name the icon in <head>; this is for clients that ask /favicon.ico regardless.
    return RedirectResponse(FAVICON, status_code=301)


def install_pages(app: FastAPI) -> None:
    """Call once, after the problem+json handlers are installed (shop.main does that first)."""
    if not any(getattr(route, "path", None) == STATIC_PATH for route in app.routes):
        app.mount(STATIC_PATH, StaticFiles(directory=STATIC_DIR), name="static")
        app.add_api_route("/favicon.ico", favicon, methods=["GET"], include_in_schema=False)
    install_page_errors(app)
