"""Wires the back office (/admin) into the app (called by shop.main for the web roles)."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from shop.admin import (
    audit_pages,
    catalog_pages,
    category_pages,
    coupon_pages,
    customer_pages,
    dashboard_pages,
    import_pages,
    inventory_pages,
    order_pages,
    review_pages,
    staff_pages,
)
from shop.config import Settings
from shop.integrations.storage.factory import build_image_storage
from shop.web.pages.rendering import add_template_directory

TEMPLATES_DIR = Path(__file__).parent / "templates"
STATIC_DIR = Path(__file__).parent / "static"
STATIC_PATH = "/admin/static"


def install_back_office(app: FastAPI, settings: Settings) -> None:
    add_template_directory(TEMPLATES_DIR)
    app.state.image_storage = build_image_storage(settings)
    app.mount(STATIC_PATH, StaticFiles(directory=STATIC_DIR), name="admin-static")
    for pages in (
        dashboard_pages,
        import_pages,  # before catalog_pages: /admin/products/import is not a product id
        catalog_pages,
        category_pages,
        inventory_pages,
        order_pages,
        customer_pages,
        coupon_pages,
        review_pages,
        staff_pages,
        audit_pages,
    ):
        app.include_router(pages.router)
