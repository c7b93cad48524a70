"""Wires metrics, logging and tracing into the app (called by shop.main for every role)."""

from __future__ import annotations

from fastapi import FastAPI

from shop.config import Settings


def install_observability(app: FastAPI, settings: Settings) -> None:
    """Nothing yet: metrics, logs and traces come with the observability issue."""
