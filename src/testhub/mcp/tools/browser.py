"""Browser tools (`run`): open the shop in a browser of this MCP session, read the page as a
compact snapshot with refs, act on an element by its ref, take a screenshot."""

from __future__ import annotations

from typing import Annotated, Literal
from urllib.parse import urljoin, urlsplit

from mcp.server.mcpserver import Context, Image
from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Locator
from pydantic import BaseModel, Field

from testhub.mcp.browser import BrowserSession
from testhub.mcp.guard import ToolRegistry, caller_of, session_key_of
from testhub.mcp.scopes import Scope
from testhub.mcp.tools.shop import BaseUrl
from testhub.shopmap import locator_for_ref, snapshot

BrowserId = Annotated[
    str | None,
    Field(
        max_length=40,
        description="The id browser_open returned; needed only by clients without MCP sessions",
    ),
]
Budget = Annotated[int, Field(ge=500, le=50_000, description="Maximum characters of page text")]


class PageSnapshot(BaseModel):
    browser_id: str
    url: str
    title: str
    text: str = Field(
        description="The page: one element a line, `[ref=…]` marks what can be acted on"
    )
    truncated: bool
    diff: str | None = Field(default=None, description="What changed since the previous snapshot")
    console_errors: list[str]


class Closed(BaseModel):
    browser_id: str


async def _snapshot(session: BrowserSession, *, budget: int, diff: bool) -> PageSnapshot:
    previous = session.last_map if diff else None
    page_map = await snapshot(session.page, budget_chars=budget, previous=previous)
    session.last_map = page_map
    errors, session.console_errors[:] = list(session.console_errors), []
    return PageSnapshot(
        browser_id=session.id,
        url=page_map.url,
        title=page_map.title,
        text=page_map.diff_text if diff and page_map.diff_text is not None else page_map.text,
        truncated=page_map.truncated,
        diff=page_map.diff_text,
        console_errors=errors[-20:],
    )


def _target(base: str, url: str | None) -> str:
    target = urljoin(f"{base}/", url or "/")
    if urlsplit(target).scheme not in {"http", "https"}:
        raise ValueError(f"only http(s) pages can be opened, not {target!r}")
    return target


def register(tools: ToolRegistry) -> None:
    runtime = tools.runtime

    def _session(ctx: Context, browser_id: str | None) -> BrowserSession:
        caller = caller_of(ctx, runtime)
        return runtime.browsers.get(
            owner=caller.principal, session_key=session_key_of(ctx, caller), browser_id=browser_id
        )

    @tools.tool(scope=Scope.RUN, title="Open the shop in a browser")
    async def browser_open(
        ctx: Context,
        url: Annotated[
            str | None, Field(max_length=2000, description="Path or URL; default: the home page")
        ] = None,
        budget_chars: Budget = 8000,
        base_url: BaseUrl = None,
    ) -> PageSnapshot:
        """Open (or reuse) this MCP session's browser — its own cookies, cart and sign-in — go to
        the page and return its snapshot."""
        caller = caller_of(ctx, runtime)
        target = _target(runtime.base_url(base_url), url)
        if caller.transport == "http" and not runtime.is_known_shop(target):
            raise ValueError(f"{target} is not on a shop this hub knows")
        session, _ = await runtime.browsers.open(
            owner=caller.principal, session_key=session_key_of(ctx, caller)
        )
        async with session.lock:
            try:
                await session.page.goto(target)
            except PlaywrightError as exc:
                raise ValueError(f"could not open the page: {exc.message.splitlines()[0]}") from exc
            session.last_map = None
            return await _snapshot(session, budget=budget_chars, diff=False)

    @tools.tool(scope=Scope.RUN, title="Snapshot the page", read_only=True)
    async def browser_snapshot(
        ctx: Context,
        mode: Annotated[
            Literal["full", "diff"],
            Field(description="The whole page, or only what changed since the last snapshot"),
        ] = "full",
        budget_chars: Budget = 8000,
        browser_id: BrowserId = None,
    ) -> PageSnapshot:
        """The current page as a compact accessibility snapshot: roles, names, test ids, form
        fields and links, each actionable element with a ref for browser_act."""
        session = _session(ctx, browser_id)
        async with session.lock:
            return await _snapshot(session, budget=budget_chars, diff=mode == "diff")

    @tools.tool(scope=Scope.RUN, title="Act on the page")
    async def browser_act(
        ctx: Context,
        action: Literal["click", "fill", "select", "press", "check", "uncheck", "hover"],
        ref: Annotated[str, Field(max_length=20, description="A ref from the latest snapshot")],
        value: Annotated[
            str | None,
            Field(max_length=2000, description="Text (fill), option label (select), key (press)"),
        ] = None,
        budget_chars: Budget = 4000,
        browser_id: BrowserId = None,
    ) -> PageSnapshot:
        """Click, fill, select, press a key, (un)check or hover the element with this ref, wait
        for the page to settle, and return what changed."""
        session = _session(ctx, browser_id)
        if action in {"fill", "select", "press"} and value is None:
            raise ValueError(f"{action} needs a value")
        if session.last_map is None or ref not in session.last_map.refs:
            raise ValueError(f"ref {ref!r} is not in the latest snapshot; take a snapshot first")
        async with session.lock:
            locator = locator_for_ref(session.page, ref)
            try:
                await _perform(locator, action, value)
                await session.page.wait_for_load_state("load")
            except PlaywrightError as exc:
                raise ValueError(
                    f"{action} on {ref} failed: {exc.message.splitlines()[0]}"
                ) from exc
            return await _snapshot(session, budget=budget_chars, diff=True)

    @tools.tool(
        scope=Scope.RUN, title="Screenshot the page", read_only=True, structured_output=False
    )
    async def browser_screenshot(
        ctx: Context,
        full_page: bool = False,
        browser_id: BrowserId = None,
    ) -> Image:
        """A PNG screenshot of the current page (the viewport, or the full page)."""
        session = _session(ctx, browser_id)
        async with session.lock:
            data = await session.page.screenshot(full_page=full_page, type="png")
        return Image(data=data, format="png")

    @tools.tool(scope=Scope.RUN, title="Close the browser")
    async def browser_close(ctx: Context, browser_id: BrowserId = None) -> Closed:
        """Close this session's browser (its cookies and cart go with it)."""
        session = _session(ctx, browser_id)
        await runtime.browsers.close(session)
        return Closed(browser_id=session.id)


async def _perform(locator: Locator, action: str, value: str | None) -> None:
    text = value or ""
    if action == "click":
        await locator.click()
    elif action == "fill":
        await locator.fill(text)
    elif action == "select":
        await locator.select_option(text)
    elif action == "press":
        await locator.press(text)
    elif action == "check":
        await locator.check()
    elif action == "uncheck":
        await locator.uncheck()
    elif action == "hover":
        await locator.hover()
