"""Key scopes: `read` (look), `run` (drive a browser, run tests, fuzz), `admin` (change data,
apply heals).

A wider scope includes the narrower ones, so an `admin` key can do everything a `run` key can."""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum


class Scope(StrEnum):
    READ = "read"
    RUN = "run"
    ADMIN = "admin"


_RANK = {Scope.READ: 0, Scope.RUN: 1, Scope.ADMIN: 2}


class UnknownScope(ValueError):
    pass


def parse_scopes(text: str | Iterable[str]) -> frozenset[Scope]:
    """`"read,run"` (or an iterable of names) as scopes; unknown names are refused, not dropped."""
    names = text.split(",") if isinstance(text, str) else list(text)
    scopes: set[Scope] = set()
    for raw in names:
        name = raw.strip().lower()
        if not name:
            continue
        try:
            scopes.add(Scope(name))
        except ValueError:
            allowed = ", ".join(scope.value for scope in Scope)
            raise UnknownScope(f"unknown scope {name!r}; choose from {allowed}") from None
    if not scopes:
        raise UnknownScope("at least one scope is needed (read, run or admin)")
    return frozenset(scopes)


def grants(granted: Iterable[str], required: Scope) -> bool:
    """Whether keys holding `granted` may use something that needs `required`."""
    rank = _RANK[required]
    return any(name in _RANK and _RANK[Scope(name)] >= rank for name in granted)


def format_scopes(scopes: Iterable[str]) -> str:
    return ",".join(sorted(set(scopes), key=lambda name: _RANK.get(Scope(name), 99)))
