"""A registered customer buys while signed in and finds the order, its status and its lines in
the account; the account pages pass axe-core and are photographed into var/artifacts/."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.e2e.account_steps import buy_first_product_in_stock, new_email, register
from tests.e2e.conftest import axe_violations, screenshot


def _assert_accessible(page: Page, name: str) -> None:
    screenshot(page, name)
    assert axe_violations(page) == [], f"axe violations on the {name} page"


class TestSignedInPurchase:
    def test_order_shows_in_the_history(self, browser_page: Page) -> None:
        page = browser_page
        register(page, new_email("buyer"))

        number = buy_first_product_in_stock(page)

        page.goto("/account/orders")
        row = page.get_by_test_id("order-row").filter(has_text=number)
        expect(row).to_have_count(1)
        expect(row).to_have_attribute("data-order-number", number)
        expect(row.get_by_test_id("order-status")).to_have_text("Paid")
        _assert_accessible(page, "account-orders")
        row.get_by_role("link", name=number).click()
        expect(page).to_have_url(re.compile(rf"/account/orders/{number}$"))
        expect(page.get_by_test_id("order-number")).to_have_text(number)
        expect(page.get_by_test_id("order-line")).to_have_count(1)
        total = int(page.get_by_test_id("total-total").get_attribute("data-amount") or "-1")
        parts = [
            int(page.get_by_test_id(f"total-{name}").get_attribute("data-amount") or "0")
            for name in ("subtotal", "discount", "shipping", "tax")
        ]
        assert total == parts[0] - parts[1] + parts[2] + parts[3]
        _assert_accessible(page, "account-order")


class TestAccountPagesAccessibility:
    def test_every_account_page(self, browser_page: Page) -> None:
        page = browser_page
        for path, name in (
            ("/login", "login"),
            ("/register", "register"),
            ("/password/forgot", "password-forgot"),
        ):
            page.goto(path)
            _assert_accessible(page, name)
        register(page, new_email("axe"))
        for path, name in (
            ("/account", "account"),
            ("/account/addresses", "account-addresses"),
            ("/account/wishlist", "account-wishlist"),
            ("/account/profile", "account-profile"),
            ("/account/password", "account-password"),
            ("/account/delete", "account-delete"),
        ):
            page.goto(path)
            expect(page.get_by_role("heading", level=1)).to_be_visible()
            _assert_accessible(page, name)

    def test_form_errors_are_accessible(self, browser_page: Page) -> None:
        page = browser_page
        register(page, new_email("errors"))
        page.goto("/account/addresses")
        form = page.get_by_test_id("address-form")
        form.get_by_label("Full name").fill("Ada")
        form.get_by_label("Country (two letters, e.g. US)").fill("XX")
        page.get_by_test_id("address-submit").click()

        expect(page.get_by_text("is not an ISO 3166-1 alpha-2 country code")).to_be_visible()
        _assert_accessible(page, "account-addresses-errors")
