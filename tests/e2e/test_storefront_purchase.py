"""A shopper in a real browser: browse, search, buy as a guest (with a coupon and the sandbox's
tok_visa), get the confirmation page and email; a declined card keeps the cart. Every main
page is checked with axe-core and photographed into var/artifacts/."""

from __future__ import annotations

import re
import secrets
import time

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import DEMO_MANAGER, axe_violations, bearer, screenshot

SHIPPING = {
    "email": "",  # per test
    "ship_name": "Grace Hopper",
    "ship_line1": "1 Navy Way",
    "ship_city": "Arlington",
    "ship_region": "VA",
    "ship_postal_code": "22202",
    "ship_country": "US",
}


@pytest.fixture(scope="module")
def coupon(api: httpx.Client) -> str:
    code = f"E2E{secrets.token_hex(3).upper()}"
    response = api.post(
        "/admin/coupons",
        json={"code": code, "kind": "percentage", "percent_off": 10},
        headers=bearer(api, *DEMO_MANAGER),
    )
    response.raise_for_status()
    return code


def _assert_accessible(page: Page, name: str) -> None:
    screenshot(page, name)
    assert axe_violations(page) == [], f"axe violations on the {name} page"


def _amount(page: Page, testid: str) -> int:
    return int(page.get_by_test_id(testid).first.get_attribute("data-amount") or "0")


def _fill_checkout(page: Page, email: str, card_token: str) -> None:
    for name, value in {**SHIPPING, "email": email}.items():
        page.locator(f'[name="{name}"]').fill(value)
    page.get_by_test_id("shipping-method-standard").check()
    page.get_by_test_id("card-token").select_option(card_token)


def _in_stock_product(page: Page) -> str:
    """Open the first featured product that can be bought; returns its name."""
    page.goto("/")
    for slug in page.get_by_test_id("product-card").evaluate_all(
        "cards => cards.map(card => card.dataset.slug)"
    ):
        page.goto(f"/products/{slug}")
        if page.get_by_test_id("stock-state").get_attribute("data-state") != "out":
            return page.get_by_test_id("product-title").inner_text()
    raise AssertionError("no featured product in stock")


def _mail_to(api: httpx.Client, email: str, needle: str) -> dict[str, str]:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        for mail in api.get("/test/mail", params={"to": email}).json():
            if needle in mail["subject"]:
                full: dict[str, str] = api.get(f"/test/mail/{mail['id']}").json()
                return full
        time.sleep(0.2)
    raise AssertionError(f"no mail to {email} about {needle} within 15 s")


class TestGuestPurchase:
    def test_browse_search_cart_coupon_checkout_confirmation_email(
        self, browser_page: Page, api: httpx.Client, coupon: str
    ) -> None:
        page = browser_page
        email = f"guest-{secrets.token_hex(4)}@example.com"

        # Browse: home, then a category from the navigation.
        page.goto("/")
        expect(page.get_by_test_id("featured-products")).to_be_visible()
        _assert_accessible(page, "home")
        page.get_by_test_id("main-nav").get_by_role("link").first.click()
        expect(page.get_by_test_id("result-count")).to_be_visible()
        _assert_accessible(page, "category")

        # Search: suggestions while typing, then the results page.
        name = _in_stock_product(page)
        page.goto("/")
        search = page.get_by_role("searchbox", name="Search products")
        search.fill(name.split()[0])
        expect(page.get_by_test_id("search-suggestions").get_by_role("link").first).to_be_visible()
        search.press("Enter")
        expect(page).to_have_url(re.compile(r"/search\?q="))
        page.get_by_test_id("product-grid").get_by_role("link", name=name).first.click()

        # Product: add one to the cart.
        expect(page.get_by_test_id("product-title")).to_have_text(name)
        _assert_accessible(page, "product")
        unit_price = _amount(page, "product-price")
        page.get_by_test_id("add-to-cart").click()

        # Cart: the coupon takes 10 % off.
        expect(page).to_have_url(re.compile(r"/cart$"))
        expect(page.get_by_test_id("cart-line")).to_have_count(1)
        page.get_by_test_id("coupon-input").fill(coupon.lower())
        page.get_by_test_id("coupon-apply").click()
        expect(page.get_by_test_id("flash")).to_contain_text(f"Coupon {coupon} applied")
        assert _amount(page, "cart-subtotal") == unit_price
        discount = _amount(page, "cart-discount")
        assert discount == round(unit_price / 10)
        assert _amount(page, "cart-total") == unit_price - discount
        _assert_accessible(page, "cart")

        # Checkout with the sandbox's tok_visa.
        page.get_by_test_id("checkout-link").click()
        expect(page.get_by_test_id("checkout-form")).to_be_visible()
        _fill_checkout(page, email, "tok_visa")
        _assert_accessible(page, "checkout")
        page.get_by_test_id("place-order").click()

        # Confirmation page and email.
        expect(page.get_by_test_id("order-confirmation")).to_be_visible()
        number = page.get_by_test_id("order-number").inner_text()
        assert re.fullmatch(r"SW-[A-Z0-9]+", number)
        totals = {
            name: _amount(page, f"total-{name}")
            for name in ("subtotal", "discount", "shipping", "tax", "total")
        }
        assert totals["discount"] == discount
        assert totals["total"] == (
            totals["subtotal"] - totals["discount"] + totals["shipping"] + totals["tax"]
        )
        screenshot(page, "confirmation")
        expect(page.get_by_test_id("cart-count")).to_have_text("0")
        mail = _mail_to(api, email, number)
        assert number in (mail.get("text") or "")


class TestDeclinedPayment:
    def test_shows_a_clear_message_and_keeps_the_cart(self, browser_page: Page) -> None:
        page = browser_page
        _in_stock_product(page)
        page.get_by_test_id("add-to-cart").click()
        expect(page.get_by_test_id("cart-line")).to_have_count(1)
        page.get_by_test_id("checkout-link").click()
        _fill_checkout(page, f"declined-{secrets.token_hex(4)}@example.com", "tok_chargeDeclined")

        page.get_by_test_id("place-order").click()

        error = page.get_by_test_id("checkout-error")
        expect(error).to_be_visible()
        expect(error).to_contain_text("declined")
        expect(page.get_by_role("alert").first).to_be_visible()
        screenshot(page, "checkout-declined")
        page.goto("/cart")
        expect(page.get_by_test_id("cart-line")).to_have_count(1)
