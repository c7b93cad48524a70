"""Dry run of a plan against a live shop, before any code is written.

The plan is walked with a real browser, read-only: every page it navigates to is opened, and
every element its steps will use is looked up there (test ids, roles, form fields), as well as
the data it names (a product slug must open a product page, a variant must be an option of it).
Nothing is clicked or submitted, so it is safe against a deployed shop. Steps whose page exists
only after a state change (a cart line, a signed-in session, a placed order) are reported as not
checkable here; the test run checks them.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from enum import Enum
from urllib.parse import quote, urljoin

from playwright.async_api import Browser, Page, async_playwright
from playwright.async_api import Error as PlaywrightError

from testhub.config import BROWSER_ARGS, HubSettings
from testhub.generate.plan import Plan, Step
from testhub.shopmap import snapshot
from testhub.stories.schema import Story

_MAP_BUDGET_CHARS = 1500


class PageState(Enum):
    BLANK = "blank"  # nothing opened yet: a step acting on "the page" has nothing to act on
    UNKNOWN = "unknown"  # an earlier step would have moved on to a page we cannot predict


@dataclass(frozen=True, slots=True)
class Check:
    step: int
    intent: str
    what: str
    ok: bool | None  # None: not checkable without changing the shop's state
    detail: str = ""

    def line(self) -> str:
        mark = {True: "ok", False: "FAILED", None: "not checked"}[self.ok]
        text = f"step {self.step} {self.intent}: {self.what}: {mark}"
        return f"{text} ({self.detail})" if self.detail else text


@dataclass(slots=True)
class DryRunReport:
    base_url: str
    checks: list[Check] = field(default_factory=list)
    page_maps: dict[str, str] = field(default_factory=dict)  # failing page -> its shop map

    @property
    def ok(self) -> bool:
        return not self.failures

    @property
    def failures(self) -> list[Check]:
        return [check for check in self.checks if check.ok is False]

    def render(self) -> str:
        lines = [check.line() for check in self.failures] or ["every check passed"]
        for url, text in self.page_maps.items():
            lines.append(f"What {url} shows:\n{text}")
        return "\n".join(lines)


class _Walker:
    def __init__(self, page: Page, story: Story, report: DryRunReport) -> None:
        self.page = page
        self.story = story
        self.report = report
        self.current: str | PageState = PageState.BLANK
        self.index = 0
        self.intent = ""

    def check(self, what: str, ok: bool | None, detail: str = "") -> bool:
        self.report.checks.append(Check(self.index, self.intent, what, ok, detail))
        return ok is not False

    async def open(self, path: str) -> bool:
        url = urljoin(self.report.base_url + "/", path.lstrip("/"))
        try:
            response = await self.page.goto(url, wait_until="domcontentloaded")
        except PlaywrightError as error:
            self.current = PageState.UNKNOWN
            return self.check(f"open {path}", False, str(error).splitlines()[0][:200])
        self.current = path
        status = response.status if response is not None else 200
        return self.check(f"open {path}", status < 400, f"HTTP {status}" if status >= 400 else "")

    async def on_page(self, what: str) -> bool:
        """Whether the step's page is known; a blank start is a plan error."""
        if self.current is PageState.BLANK:
            return self.check(what, False, "nothing is open yet: the plan must navigate first")
        if self.current is PageState.UNKNOWN:
            return self.check(what, None, "its page depends on an earlier action")
        return True

    async def present(self, what: str, selector: str) -> bool:
        if not await self.on_page(what):
            return False
        if self.current is PageState.UNKNOWN:
            return True
        count = await self.page.locator(selector).count()
        found = self.check(what, count > 0, "" if count else f"{selector} matches nothing")
        if not found:
            await self.remember_map()
        return found

    async def remember_map(self) -> None:
        if self.page.url in self.report.page_maps:
            return
        try:
            page_map = await snapshot(self.page, budget_chars=_MAP_BUDGET_CHARS, timeout_ms=5000)
        except PlaywrightError:
            return
        self.report.page_maps[self.page.url] = page_map.text

    def data(self, step: Step, name: str) -> str | None:
        value = step.args.get(name) or getattr(self.story.data, name, None)
        return str(value) if value else None

    def skip(self, reason: str) -> None:
        self.check("state-dependent step", None, reason)


def _tid(testid: str, **data: str) -> str:
    selector = f'[data-testid="{testid}"]'
    return selector + "".join(f'[data-{key}="{value}"]' for key, value in data.items())


async def _navigate(w: _Walker, step: Step) -> None:
    await w.open(step.args.get("path") or "/")


async def _search(w: _Walker, step: Step) -> None:
    await w.present("search box", f'{_tid("search-input")}, input[type="search"]')
    query = w.data(step, "query") or ""
    if await w.open(f"/search?q={quote(query)}"):
        await w.present("result count", _tid("result-count"))


async def _open_category(w: _Walker, step: Step) -> None:
    category = w.data(step, "category")
    if category is None:
        w.check("category", False, "no category in the step or the story's data")
        return
    if await w.open(f"/categories/{category}"):
        await w.present("product listing", f"{_tid('product-grid')}, {_tid('result-count')}")


async def _filter_brand(w: _Walker, step: Step) -> None:
    brand = w.data(step, "brand")
    if brand is None:
        w.check("brand", False, "no brand in the step or the story's data")
        return
    await w.present(f"brand facet {brand!r}", _tid("facet-brand", slug=brand))


async def _sort(w: _Walker, step: Step) -> None:
    await w.present("sort control", _tid("sort-select"))


async def _open_result(w: _Walker, step: Step) -> None:
    product = w.story.data.product
    card = _tid("product-card", slug=product) if product else _tid("product-card")
    if not await w.present("product card", f"{card} a[href]"):
        return
    if isinstance(w.current, str):
        href = await w.page.locator(f"{card} a[href]").first.get_attribute("href")
        if href and await w.open(href):
            await w.present("product title", _tid("product-title"))


async def _product_page(w: _Walker, step: Step) -> bool:
    product = w.data(step, "product")
    if product is None:
        return w.check("product", False, "no product in the step or the story's data")
    if not await w.open(f"/products/{product}"):
        return False
    return await w.present(f"product {product!r}", _tid("product-title"))


async def _open_product(w: _Walker, step: Step) -> None:
    await _product_page(w, step)


async def _choose_variant(w: _Walker, step: Step) -> None:
    variant = w.data(step, "variant")
    if not await w.present("variant select", _tid("variant-select")) or not variant:
        return
    if isinstance(w.current, str):
        options = await w.page.locator(f"{_tid('variant-select')} option").all_inner_texts()
        names = [" ".join(option.split()) for option in options]
        w.check(
            f"variant {variant!r}",
            variant in names,
            "" if variant in names else f"options: {names}",
        )


async def _add_to_cart(w: _Walker, step: Step) -> None:
    await w.present("quantity input", _tid("quantity-input"))
    await w.present("add-to-cart button", _tid("add-to-cart"))
    w.current = PageState.UNKNOWN


async def _open_cart(w: _Walker, step: Step) -> None:
    if w.current is not PageState.UNKNOWN:
        await w.present("cart link", _tid("cart-link"))
    await w.open("/cart")


async def _sign_in(w: _Walker, step: Step) -> None:
    if await w.open("/login"):
        form = _tid("login-form")
        await w.present("login form", form)
        await w.present("email field", f'{form} [name="email"]')
        await w.present("password field", f'{form} [name="password"]')
        await w.present("sign-in button", _tid("login-submit"))
    w.current = PageState.UNKNOWN


async def _register(w: _Walker, step: Step) -> None:
    if await w.open("/register"):
        form = _tid("register-form")
        for name in ("first_name", "last_name", "email", "password"):
            await w.present(f"{name} field", f'{form} [name="{name}"]')
        await w.present("register button", _tid("register-submit"))
    w.current = PageState.UNKNOWN


async def _add_to_wishlist(w: _Walker, step: Step) -> None:
    await w.present("wishlist button", _tid("add-to-wishlist"))


async def _staff_with_product(w: _Walker, step: Step) -> None:
    # The back office needs a staff session; the product it acts on must exist all the same.
    await _product_page(w, step)
    w.skip("the back office needs a staff session")
    w.current = PageState.UNKNOWN


async def _assert_on_page(w: _Walker, what: str, selector: str) -> None:
    await w.present(what, selector)


async def _needs_state(w: _Walker, step: Step) -> None:
    w.skip("needs state the test creates (cart, session or order)")
    if not step.intent.startswith("assert_"):
        w.current = PageState.UNKNOWN


_CHECKS: dict[str, Callable[[_Walker, Step], Awaitable[None]]] = {
    "navigate": _navigate,
    "search": _search,
    "open_category": _open_category,
    "filter_brand": _filter_brand,
    "sort": _sort,
    "open_result": _open_result,
    "open_product": _open_product,
    "choose_variant": _choose_variant,
    "add_to_cart": _add_to_cart,
    "open_cart": _open_cart,
    "sign_in": _sign_in,
    "sign_in_staff": _sign_in,
    "register": _register,
    "add_to_wishlist": _add_to_wishlist,
    "ship_order": _staff_with_product,
    "adjust_stock": _staff_with_product,
    "assert_results": lambda w, s: _assert_on_page(w, "result count", _tid("result-count")),
    "assert_search_empty": lambda w, s: _assert_on_page(w, "result count", _tid("result-count")),
    "assert_sorted": lambda w, s: _assert_on_page(w, "product grid", _tid("product-grid")),
    "assert_product_title": lambda w, s: _assert_on_page(w, "product title", _tid("product-title")),
    "assert_cart_count": lambda w, s: _assert_on_page(w, "cart count", _tid("cart-count")),
}


async def dry_run(plan: Plan, story: Story, *, base_url: str, browser: Browser) -> DryRunReport:
    report = DryRunReport(base_url.rstrip("/"))
    context = await browser.new_context()
    try:
        page = await context.new_page()
        page.set_default_timeout(10_000)
        walker = _Walker(page, story, report)
        for index, step in enumerate(plan.steps, start=1):
            walker.index, walker.intent = index, step.intent
            await _CHECKS.get(step.intent, _needs_state)(walker, step)
    finally:
        await context.close()
    return report


async def dry_run_with_settings(
    plan: Plan, story: Story, settings: HubSettings, *, base_url: str | None = None
) -> DryRunReport:
    """A dry run in a browser of its own (the configured Chromium)."""
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=settings.browser_executable, args=list(BROWSER_ARGS)
        )
        try:
            return await dry_run(
                plan, story, base_url=base_url or settings.base_url, browser=browser
            )
        finally:
            await browser.close()
