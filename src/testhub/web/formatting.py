"""Jinja filters of the dashboard: how numbers, durations and times read."""

from __future__ import annotations

from datetime import datetime

from jinja2 import Environment

DASH = "–"


def percent(value: float | None, digits: int = 0) -> str:
    return DASH if value is None else f"{value * 100:.{digits}f}%"


def seconds(value: float | None) -> str:
    if value is None:
        return DASH
    if value < 60:
        return f"{value:.1f} s" if value < 10 else f"{value:.0f} s"
    minutes, rest = divmod(round(value), 60)
    return f"{minutes} min {rest} s" if minutes < 60 else f"{minutes // 60} h {minutes % 60} min"


def when(value: datetime | None) -> str:
    return DASH if value is None else value.strftime("%Y-%m-%d %H:%M UTC")


def install_filters(environment: Environment) -> None:
    environment.filters.update(percent=percent, seconds=seconds, when=when)
