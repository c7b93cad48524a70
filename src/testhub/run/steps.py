"""Small helpers generated tests call (kept here so generated files stay short)."""

from __future__ import annotations

from playwright.sync_api import Locator


def amount(locator: Locator) -> int:
    """An amount in minor units from `data-amount` (the page contract puts it on every price)."""
    value = locator.first.get_attribute("data-amount")
    if value is None or not value.lstrip("-").isdigit():
        raise AssertionError(f"no data-amount on {locator}")
    return int(value)


def choose(locator: Locator, value: str) -> None:
    """Pick a value in a <select> (by value or label) or check the radio with that value."""
    first = locator.first
    tag = str(first.evaluate("e => e.tagName")).lower()
    if tag == "select":
        options = first.evaluate("e => Array.from(e.options).map(o => [o.value, o.label])")
        for option_value, label in options:
            if value in (option_value, label.strip()):
                first.select_option(value=option_value)
                return
        raise AssertionError(f"no option {value!r} in {locator}")
    locator.and_(locator.page.locator(f'[value="{value}"]')).check()


def submit(control: Locator) -> None:
    """Click a control that sends a form, and return once the page shows the shop's answer.

    A click returns when the event is dispatched, not when the shop has answered; reading the
    page (or the admin API) right after it races the request. The answer replaces the control:
    a plain form post loads a new document, an htmx-enhanced one swaps the region the control
    is in. So the control is remembered in the window and the wait lasts until it is gone,
    with the window (a navigation) or from the document (a swap).
    """
    first = control.first
    first.evaluate("element => { window.__testhubSubmitted = element; }")
    first.click()
    control.page.wait_for_function(
        "() => !(window.__testhubSubmitted && window.__testhubSubmitted.isConnected)"
    )
    control.page.wait_for_load_state()
