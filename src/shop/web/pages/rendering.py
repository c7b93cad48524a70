"""The Jinja environment and `render`: a page in the site layout as an HTMLResponse."""

from __future__ import annotations

import json
import secrets
from collections.abc import Mapping, Sequence
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

# Shared pages (`render_shared`) are rendered once for every anonymous visitor with these
# stand-ins where a visitor's own values go; `personalise` puts the values in. Random per
# process, so no text a page shows (a product description) can contain them; letters, digits
# and dashes only, so HTML escaping and JSON leave them as they are.
_SLOT_MARK = secrets.token_hex(12)
CSRF_SLOT = f"csrf-{_SLOT_MARK}"
CART_COUNT_SLOT = f"cart-{_SLOT_MARK}"
_CSRF_SLOT_BYTES = CSRF_SLOT.encode()
_CART_COUNT_SLOT_BYTES = CART_COUNT_SLOT.encode()

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


environment.filters["money"] = money
environment.globals.update(amount=amount, csrf_field=_csrf_field, htmx_headers=_htmx_headers)


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
    """A full page as every anonymous visitor without flash messages sees it, with stand-ins
    for the CSRF token and the cart count: safe to keep and serve to any such visitor through
    `personalise`. `chrome` must be anonymous (its cart count is not used)."""
    if chrome.signed_in:
        raise ValueError("a shared page is rendered with the anonymous header only")
    values = _base_context(request, CSRF_SLOT)
    values["chrome"] = chrome
    values["cart_count_slot"] = CART_COUNT_SLOT
    values["flashes"] = []
    values.update(context or {})
    return environment.get_template(template).render(values).encode()


def personalise(request: Request, shared: bytes, *, cart_count: int) -> HTMLResponse:
    """A page from `render_shared` for this visitor: their CSRF token (a new seed cookie for
    a new browser) and cart count put in place of the stand-ins. The caller makes sure the
    visitor is anonymous and has no flash messages waiting."""
    seed, new_seed = ensure_seed(request)
    body = shared.replace(_CSRF_SLOT_BYTES, token_for(request, seed).encode()).replace(
        _CART_COUNT_SLOT_BYTES, str(cart_count).encode()
    )
    response = HTMLResponse(body)
    response.headers["Cache-Control"] = PAGE_CACHE_CONTROL
    if new_seed:
        set_cookie(response, request, CSRF_COOKIE, seed, max_age=CSRF_SEED_MAX_AGE)
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
