"""Routers that FastAPI can skip as a whole."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from starlette._utils import get_route_path
from starlette.routing import Match
from starlette.types import Scope


class PrefixedRouter(APIRouter):
    """An APIRouter whose every path starts with `path_prefix` (given where it is included),
    and that says "no match" at once for any other path. FastAPI (0.165) otherwise tries each of
    its routes in turn: every storefront page paid for ~90 API route matches before its own."""

    def __init__(self, *, path_prefix: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.path_prefix = path_prefix.rstrip("/") + "/"

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if not get_route_path(scope).startswith(self.path_prefix):
            return Match.NONE, {}
        return super().matches(scope)
