"""The Jinja environment and `render`: a page in the site layout as an HTMLResponse."""

from __future__ import annotations

import json
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import BaseLoader, ChoiceLoader, Environment, FileSystemLoader, pass_context
from jinja2.runtime import Context
from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import HTMLResponse

from shop.web.pages.chrome import PageChrome, chrome_for
from shop.web.pages.cookies import CSRF_COOKIE, set_cookie
from shop.web.pages.csrf import CSRF_FIELD, CSRF_HEADER, ensure_seed, token_for
from shop.web.pages.flash import Flash, clear_messages, pending_messages
from shop.web.pages.formatting import amount, money

TEMPLATES_DIR = Path(__file__).parent / "templates"
CSRF_SEED_MAX_AGE = 365 * 24 * 3600
# Pages differ per visitor (cart count, CSRF token): never kept by a shared cache.
PAGE_CACHE_CONTROL = "private, no-cache"

# Shared pages (`render_shared`) are rendered once for every visitor with stand-ins where a
# visitor's own parts go (the CSRF token; the header's account links and cart count, the flash
# messages and a page's own personal parts, each a small template); `personalise` puts this
# visitor's in. Random per process, so no text a page shows (a product description) can
# contain them; the token's is letters, digits and dashes only, so HTML escaping and JSON
# leave it as it is.
_SLOT_MARK = secrets.token_hex(12)
CSRF_SLOT = f"csrf-{_SLOT_MARK}"
_CSRF_SLOT_BYTES = CSRF_SLOT.encode()
ACCOUNT_TEMPLATE = "_account_links.html"
FLASH_TEMPLATE = "_flash.html"


def slot_marker(name: str) -> str:
    """Where the personal part `name` goes in a shared page."""
    return f"<!--{name}-{_SLOT_MARK}-->"


@dataclass(frozen=True, slots=True)
class PersonalPart:
    """A personal part of a shared page: its slot's name (`personal_slot(name)` in the
    template), the small template that renders it and that template's values."""

    slot: str
    template: str
    context: Mapping[str, Any]


# ChoiceLoader keeps this very list: directories appended later become loadable.
_loaders: list[BaseLoader] = [FileSystemLoader(TEMPLATES_DIR)]
environment = Environment(
    loader=ChoiceLoader(_loaders),
    autoescape=True,
    trim_blocks=True,
    lstrip_blocks=True,
    auto_reload=False,
)


@pass_context
def _csrf_field(context: Context) -> Markup:
    return Markup('<input type="hidden" name="{}" value="{}">').format(
        CSRF_FIELD, context["csrf_token"]
    )


@pass_context
def _htmx_headers(context: Context) -> str:
    # The value of <body hx-headers=...>: every htmx request carries the CSRF token.
    return json.dumps({CSRF_HEADER: context["csrf_token"]})


def _personal_slot(name: str) -> Markup:
    return Markup(slot_marker(name))  # noqa: S704 (a comment made of a name and hex digits)


environment.filters["money"] = money
environment.globals.update(
    amount=amount,
    csrf_field=_csrf_field,
    htmx_headers=_htmx_headers,
    personal_slot=_personal_slot,
)


def add_template_directory(path: Path) -> None:
    """Make the templates under `path` loadable by name. Directories added earlier win on a
    name clash, so keep a package's templates in a subfolder of its own (e.g. `admin/...`)."""
    known = any(
        isinstance(loader, FileSystemLoader) and str(path) in loader.searchpath
        for loader in _loaders
    )
    if not known:
        _loaders.append(FileSystemLoader(path))


def _base_context(request: Request, csrf_token: str) -> dict[str, Any]:
    return {
        "request": request,
        "csrf_token": csrf_token,
        "current_path": request.url.path,
        "is_htmx": request.headers.get("HX-Request") == "true",
    }


async def render(
    request: Request,
    template: str,
    context: Mapping[str, Any] | None = None,
    *,
    status_code: int = 200,
    messages: Sequence[Flash] = (),
    chrome: PageChrome | None = None,
    headers: Mapping[str, str] | None = None,
) -> HTMLResponse:
    """Render a full page. The template sees `chrome` (header data), `flashes` (messages to
    show: queued by `flash` before a redirect, plus `messages`), `csrf_token`, `request`,
    `current_path`, `is_htmx`, and everything in `context`."""
    seed, new_seed = ensure_seed(request)
    queued = pending_messages(request)
    values = _base_context(request, token_for(request, seed))
    values["chrome"] = chrome if chrome is not None else await chrome_for(request)
    values["flashes"] = [*queued, *messages]
    values.update(context or {})
    response = HTMLResponse(
        environment.get_template(template).render(values),
        status_code=status_code,
        headers=dict(headers or {}),
    )
    response.headers.setdefault("Cache-Control", PAGE_CACHE_CONTROL)
    if new_seed:
        set_cookie(response, request, CSRF_COOKIE, seed, max_age=CSRF_SEED_MAX_AGE)
    if queued:
        clear_messages(response, request)
    return response


def render_shared(
    request: Request,
    template: str,
    context: Mapping[str, Any] | None = None,
    *,
    chrome: PageChrome,
) -> bytes:
    """A full page as every visitor sees it, with `personal_slot` stand-ins for their own
    parts (the template shows them where `shared_page` is true) and for the CSRF token: safe
    to keep and to serve to anyone through `personalise`. Only the category navigation of
    `chrome` is used; the rest of the header is a personal part."""
    values = _base_context(request, CSRF_SLOT)
    values["chrome"] = PageChrome(categories=chrome.categories)
    values["shared_page"] = True
    values["flashes"] = []
    values.update(context or {})
    return environment.get_template(template).render(values).encode()


def personalise(
    request: Request,
    shared: bytes,
    *,
    chrome: PageChrome,
    parts: Sequence[PersonalPart] = (),
) -> HTMLResponse:
    """A page from `render_shared` for this visitor: their CSRF token (a new seed cookie for
    a new browser), their header (`chrome`), their flash messages (then cleared) and the
    page's own personal `parts`, each rendered now and put in its slot."""
    seed, new_seed = ensure_seed(request)
    token = token_for(request, seed)
    queued = pending_messages(request)
    values = _base_context(request, token)
    values["chrome"] = chrome
    values["flashes"] = queued
    body = shared.replace(_CSRF_SLOT_BYTES, token.encode())
    own = [
        PersonalPart("account", ACCOUNT_TEMPLATE, {}),
        PersonalPart("flash", FLASH_TEMPLATE, {}),
        *parts,
    ]
    for part in own:
        rendered = environment.get_template(part.template).render({**values, **part.context})
        body = body.replace(slot_marker(part.slot).encode(), rendered.encode(), 1)
    response = HTMLResponse(body)
    response.headers["Cache-Control"] = PAGE_CACHE_CONTROL
    if new_seed:
        set_cookie(response, request, CSRF_COOKIE, seed, max_age=CSRF_SEED_MAX_AGE)
    if queued:
        clear_messages(response, request)
    return response


def render_fragment(
    request: Request,
    template: str,
    context: Mapping[str, Any] | None = None,
    *,
    status_code: int = 200,
) -> HTMLResponse:
    """Render a piece of a page for htmx (no layout, no header data). Forms inside a fragment
    may use `csrf_field()` when the browser already has a CSRF seed (it always has after a
    full page)."""
    seed, _ = ensure_seed(request)
    values = _base_context(request, token_for(request, seed))
    values.update(context or {})
    response = HTMLResponse(
        environment.get_template(template).render(values), status_code=status_code
    )
    response.headers.setdefault("Cache-Control", PAGE_CACHE_CONTROL)
    return response
