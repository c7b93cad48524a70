"""Steps the account browser tests share: register, sign in and out, buy, read the outbox."""

from __future__ import annotations

import re
import secrets
import time

import httpx
from playwright.sync_api import Page, expect

PASSWORD = "violet tram 42 plinth"
ADDRESS = {
    "ship_name": "Ada Lovelace",
    "ship_line1": "12 St James's Square",
    "ship_city": "London",
    "ship_postal_code": "SW1Y 4JH",
    "ship_country": "GB",
}


def new_email(prefix: str) -> str:
    return f"{prefix}-{secrets.token_hex(4)}@example.com"


def register(page: Page, email: str, password: str = PASSWORD) -> None:
    page.goto("/register")
    form = page.get_by_test_id("register-form")
    form.get_by_label("First name").fill("Ada")
    form.get_by_label("Last name").fill("Lovelace")
    form.get_by_label("Email").fill(email)
    form.get_by_label("Password").fill(password)
    page.get_by_test_id("register-submit").click()
    expect(page).to_have_url(re.compile(r"/account$"))
    expect(page.get_by_test_id("account-link")).to_be_visible()


def sign_in(page: Page, email: str, password: str = PASSWORD) -> None:
    page.goto("/login")
    page.get_by_test_id("login-form").get_by_label("Email").fill(email)
    page.get_by_test_id("login-form").get_by_label("Password").fill(password)
    page.get_by_test_id("login-submit").click()
    expect(page.get_by_test_id("account-link")).to_be_visible()


def sign_out(page: Page) -> None:
    page.get_by_test_id("logout-button").click()
    expect(page.get_by_test_id("login-link")).to_be_visible()


def buy_first_product_in_stock(page: Page) -> str:
    """Put the first featured product in stock into the cart and check out with tok_visa, as
    the signed-in shopper; returns the order number."""
    page.goto("/")
    slugs = page.get_by_test_id("product-card").evaluate_all(
        "cards => cards.map(card => card.dataset.slug)"
    )
    for slug in slugs:
        page.goto(f"/products/{slug}")
        if page.get_by_test_id("stock-state").get_attribute("data-state") != "out":
            break
    else:
        raise AssertionError("no featured product in stock")
    page.get_by_test_id("add-to-cart").click()
    expect(page.get_by_test_id("cart-line")).to_have_count(1)
    page.get_by_test_id("checkout-link").click()
    form = page.get_by_test_id("checkout-form")
    expect(form).to_be_visible()
    for name, value in ADDRESS.items():
        form.locator(f'[name="{name}"]').fill(value)
    page.get_by_test_id("shipping-method-standard").check()
    page.get_by_test_id("card-token").select_option("tok_visa")
    page.get_by_test_id("place-order").click()
    expect(page.get_by_test_id("order-confirmation")).to_be_visible()
    return page.get_by_test_id("order-number").inner_text()


def mail_to(api: httpx.Client, email: str, subject_part: str, *, timeout: float = 15) -> str:
    """The text of the newest mail to `email` whose subject contains `subject_part`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for mail in api.get("/test/mail", params={"to": email}).json():
            if subject_part in mail["subject"]:
                text: str = api.get(f"/test/mail/{mail['id']}").json()["text"] or ""
                return text
        time.sleep(0.2)
    raise AssertionError(f"no mail to {email} about {subject_part!r} within {timeout} s")
