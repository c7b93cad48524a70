"""What the site layout shows around every page (who is signed in, the cart count, the
category navigation). The web layer cannot ask the features, so the storefront registers a
provider at start-up (`set_chrome_provider`) and `render` calls it once per page."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from fastapi import FastAPI
from starlette.requests import Request

STATE_ATTRIBUTE = "page_chrome_provider"


@dataclass(frozen=True, slots=True)
class NavLink:
    slug: str
    name: str


@dataclass(frozen=True, slots=True)
class PageChrome:
    signed_in: bool = False
    display_name: str = ""
    is_staff: bool = False
    cart_count: int = 0
    categories: list[NavLink] = field(default_factory=list)


ANONYMOUS = PageChrome()

ChromeProvider = Callable[[Request], Awaitable[PageChrome]]


def set_chrome_provider(app: FastAPI, provider: ChromeProvider) -> None:
    setattr(app.state, STATE_ATTRIBUTE, provider)


async def chrome_for(request: Request) -> PageChrome:
    provider: ChromeProvider | None = getattr(request.app.state, STATE_ATTRIBUTE, None)
    if provider is None:
        return ANONYMOUS
    return await provider(request)
