"""The Jinja2 environment of the mail templates (the only module of mail that imports Jinja).

HTML templates are autoescaped; text templates are not (they are sent as text/plain). Undefined
names are errors, so a template and its context schema cannot silently drift apart."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from shop.kit.money import Money


def _money(value: dict[str, Any]) -> str:
    return Money(int(value["amount"]), str(value["currency"])).format()


@lru_cache(maxsize=1)
def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("shop.mail", "templates"),
        autoescape=select_autoescape(enabled_extensions=("html",), default=False),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        # Templates ship with the code: no stat() of the file on every message.
        auto_reload=False,
    )
    env.filters["money"] = _money
    return env


def render_file(name: str, context: dict[str, Any]) -> str:
    return environment().get_template(name).render(context)
