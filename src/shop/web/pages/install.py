"""Wires the shared page infrastructure into an app: /static and the HTML error pages."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from shop.web.pages.errors import install_page_errors

STATIC_DIR = Path(__file__).parent / "static"
STATIC_PATH = "/static"


def install_pages(app: FastAPI) -> None:
    """Call once, after the problem+json handlers are installed (shop.main does that first)."""
    if not any(getattr(route, "path", None) == STATIC_PATH for route in app.routes):
        app.mount(STATIC_PATH, StaticFiles(directory=STATIC_DIR), name="static")
    install_page_errors(app)
