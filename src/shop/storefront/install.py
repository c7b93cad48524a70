"""Wires the storefront's pages into the app (called by shop.main for the web roles)."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from shop.config import Settings
from shop.storefront import cart_pages, catalog_pages, checkout_pages, stripe_checkout
from shop.storefront.account.router import router as account_router
from shop.storefront.chrome import storefront_chrome
from shop.web.pages.chrome import set_chrome_provider
from shop.web.pages.install import install_pages
from shop.web.pages.rendering import add_template_directory

TEMPLATES_DIR = Path(__file__).parent / "templates"


def install_storefront(app: FastAPI, settings: Settings) -> None:
    install_pages(app)
    add_template_directory(TEMPLATES_DIR)
    set_chrome_provider(app, storefront_chrome)
    app.include_router(catalog_pages.router)
    app.include_router(account_router)
    app.include_router(cart_pages.router)
    app.include_router(checkout_pages.router)
    app.include_router(stripe_checkout.router)
