"""Jinja filters and globals for amounts: every amount is shown as `$12.34` and carries its minor
units in `data-amount` (see docs/page-contract.md)."""

from __future__ import annotations

from markupsafe import Markup, escape

from shop.kit.money import Money

DEFAULT_CURRENCY = "USD"


def money(amount: int | None, currency: str = DEFAULT_CURRENCY) -> str:
    """1234 -> '$12.34'; None -> '' (a product without a price)."""
    if amount is None:
        return ""
    return Money(int(amount), currency).format()


def amount(
    value: int | None, testid: str | None = None, currency: str = DEFAULT_CURRENCY
) -> Markup:
    """`<span data-testid=".." data-amount="1234">$12.34</span>`."""
    if value is None:
        return Markup("")
    test_attribute = Markup(' data-testid="{}"').format(testid) if testid else Markup("")
    return Markup('<span class="amount"{} data-amount="{}">{}</span>').format(
        test_attribute, int(value), escape(money(value, currency))
    )
