"""Wires the back office (/admin) into the app (called by shop.main for the web roles)."""

from __future__ import annotations

from fastapi import FastAPI

from shop.config import Settings


def install_back_office(app: FastAPI, settings: Settings) -> None:
    """Nothing yet: the back office pages come with the storefront issue."""
