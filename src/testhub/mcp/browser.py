"""Browsers for MCP sessions: one Chromium, a context (cookies, cart, sign-in) per MCP session,
so that two assistants driving the shop at once never share a cart."""

from __future__ import annotations

import asyncio
import secrets
import time
from dataclasses import dataclass, field

from playwright.async_api import Browser, BrowserContext, Page, Playwright, async_playwright

from testhub.config import BROWSER_ARGS, HubSettings
from testhub.shopmap import PageMap

MAX_SESSIONS = 8
IDLE_SECONDS = 15 * 60


class BrowserNotOpen(LookupError):
    pass


@dataclass
class BrowserSession:
    id: str
    owner: str
    session_key: str
    context: BrowserContext
    page: Page
    last_map: PageMap | None = None
    last_used: float = field(default_factory=time.monotonic)
    console_errors: list[str] = field(default_factory=list)
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    def touch(self) -> None:
        self.last_used = time.monotonic()


class BrowserPool:
    def __init__(self, settings: HubSettings) -> None:
        self.settings = settings
        self._playwright: Playwright | None = None
        self._browser: Browser | None = None
        self._sessions: dict[str, BrowserSession] = {}
        self._start_lock = asyncio.Lock()

    async def _ensure_browser(self) -> Browser:
        async with self._start_lock:
            if self._browser is None or not self._browser.is_connected():
                if self._playwright is None:
                    self._playwright = await async_playwright().start()
                self._browser = await self._playwright.chromium.launch(
                    executable_path=self.settings.browser_executable, args=list(BROWSER_ARGS)
                )
            return self._browser

    def _for_session(self, owner: str, session_key: str) -> BrowserSession | None:
        return next(
            (
                session
                for session in self._sessions.values()
                if session.owner == owner and session.session_key == session_key
            ),
            None,
        )

    async def open(self, *, owner: str, session_key: str) -> tuple[BrowserSession, bool]:
        """The MCP session's browser, created when it has none yet (True when created)."""
        await self._close_idle()
        existing = self._for_session(owner, session_key)
        if existing is not None:
            existing.touch()
            return existing, False
        if len(self._sessions) >= MAX_SESSIONS:
            raise RuntimeError(
                f"{MAX_SESSIONS} browsers are open already; close one with browser_close"
            )
        browser = await self._ensure_browser()
        context = await browser.new_context(viewport={"width": 1280, "height": 900})
        context.set_default_timeout(self.settings.action_timeout_ms)
        context.set_default_navigation_timeout(self.settings.navigation_timeout_ms)
        page = await context.new_page()
        session = BrowserSession(
            id=secrets.token_hex(6),
            owner=owner,
            session_key=session_key,
            context=context,
            page=page,
        )
        page.on(
            "console",
            lambda message: (
                session.console_errors.append(message.text[:500])
                if message.type == "error"
                else None
            ),
        )
        self._sessions[session.id] = session
        return session, True

    def get(self, *, owner: str, session_key: str, browser_id: str | None) -> BrowserSession:
        if browser_id is not None:
            session = self._sessions.get(browser_id)
            # Another caller's browser reads as absent: ids are not permissions.
            if session is None or session.owner != owner:
                raise BrowserNotOpen(f"no open browser {browser_id!r}; call browser_open first")
        else:
            found = self._for_session(owner, session_key)
            if found is None:
                raise BrowserNotOpen("this session has no open browser; call browser_open first")
            session = found
        session.touch()
        return session

    async def close(self, session: BrowserSession) -> None:
        self._sessions.pop(session.id, None)
        await session.context.close()

    async def _close_idle(self) -> None:
        now = time.monotonic()
        for session in list(self._sessions.values()):
            if now - session.last_used > IDLE_SECONDS:
                await self.close(session)

    @property
    def open_count(self) -> int:
        return len(self._sessions)

    async def aclose(self) -> None:
        for session in list(self._sessions.values()):
            await self.close(session)
        if self._browser is not None:
            await self._browser.close()
            self._browser = None
        if self._playwright is not None:
            await self._playwright.stop()
            self._playwright = None
