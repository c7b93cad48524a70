"""Staff in a real browser: create a product that then appears in the storefront, ship an
order whose tracking number the customer then sees, round-trip the catalog CSV; a support
agent cannot reach product editing. The dashboard is checked with axe-core and photographed
into var/artifacts/."""

from __future__ import annotations

import csv
import io
import re
import secrets

import httpx
from playwright.sync_api import Browser, Page, expect

from tests.e2e.conftest import DEMO_CUSTOMER, DEMO_MANAGER, axe_violations, bearer, screenshot
from tests.live import LiveShop

DEMO_SUPPORT = ("support@example.com", "support-demo-password")
ADDRESS = {
    "name": "Grace Hopper",
    "line1": "1 Navy Way",
    "line2": None,
    "city": "Arlington",
    "region": "VA",
    "postal_code": "22202",
    "country": "US",
}


def _sign_in(page: Page, email: str, password: str) -> None:
    page.goto("/login")
    form = page.get_by_test_id("login-form")
    form.locator('[name="email"]').fill(email)
    form.locator('[name="password"]').fill(password)
    page.get_by_test_id("login-submit").click()
    expect(page.get_by_test_id("logout-button")).to_be_visible()


def _new_page(chromium: Browser, shop: LiveShop) -> Page:
    context = chromium.new_context(base_url=shop.base_url, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    return context.new_page()


def test_staff_creates_a_product_that_appears_in_the_storefront(browser_page: Page) -> None:
    page = browser_page
    _sign_in(page, *DEMO_MANAGER)
    page.goto("/admin")
    expect(page.get_by_test_id("dashboard-orders-today")).to_be_visible()
    expect(page.get_by_test_id("sales-chart")).to_be_visible()
    screenshot(page, "admin-dashboard")
    assert axe_violations(page) == [], "axe violations on the admin dashboard"

    page.get_by_test_id("admin-nav").get_by_test_id("nav-products").click()
    page.get_by_test_id("new-product").click()
    name = f"Summit Flask {secrets.token_hex(3)}"
    form = page.get_by_test_id("product-form")
    form.get_by_label("Name").fill(name)
    form.get_by_label("Status").select_option("active")
    form.get_by_label("SKU").fill(f"FLASK-{secrets.token_hex(3).upper()}")
    form.get_by_label("Price (dollars)").fill("24.50")
    form.get_by_label("Stock").fill("12")
    screenshot(page, "admin-product-form")
    page.get_by_test_id("save-product").click()
    expect(page.get_by_test_id("flash")).to_contain_text("created")
    assert axe_violations(page) == [], "axe violations on the product editor"
    slug = page.locator('[name="slug"]').input_value()

    page.goto(f"/products/{slug}")
    expect(page.get_by_test_id("product-title")).to_have_text(name)
    expect(page.get_by_test_id("product-price").first).to_have_attribute("data-amount", "2450")
    page.goto(f"/search?q={name.split()[-1]}")
    expect(page.locator(f'[data-testid="product-card"][data-slug="{slug}"]')).to_be_visible()


def _place_order(api: httpx.Client) -> str:
    """The demo shopper buys the first in-stock product through the JSON API."""
    headers = bearer(api, *DEMO_CUSTOMER)
    listing = api.get("/products", params={"in_stock": "true", "page_size": 5}).json()
    product = api.get(f"/products/{listing['items'][0]['slug']}").json()
    variant = next(v for v in product["variants"] if v["in_stock"])
    cart = api.post("/carts", headers=headers).json()
    added = api.post(
        f"/carts/{cart['id']}/items", json={"variant_id": variant["id"]}, headers=headers
    )
    added.raise_for_status()
    placed = api.post(
        "/checkout",
        json={
            "cart_id": cart["id"],
            "email": DEMO_CUSTOMER[0],
            "shipping_address": ADDRESS,
            "shipping_method": "standard",
            "payment": {"provider": "sandbox", "token": "tok_visa"},
        },
        headers={**headers, "Idempotency-Key": f"e2e-bo-{secrets.token_hex(8)}"},
    )
    assert placed.status_code == 201, placed.text
    number: str = placed.json()["number"]
    return number


def test_staff_ships_an_order_and_the_customer_sees_the_tracking_number(
    browser_page: Page, chromium: Browser, e2e_shop: LiveShop, api: httpx.Client
) -> None:
    number = _place_order(api)
    page = browser_page
    _sign_in(page, *DEMO_MANAGER)
    page.goto("/admin/orders")
    page.locator(f'[data-testid="order-row"][data-order-number="{number}"]').get_by_role(
        "link"
    ).click()
    expect(page.get_by_test_id("order-status")).to_have_text("paid")
    tracking = f"1Z{secrets.token_hex(6).upper()}"
    fulfil = page.get_by_test_id("fulfil-form")
    fulfil.get_by_label("Carrier").fill("UPS")
    fulfil.get_by_label("Tracking number").fill(tracking)
    page.get_by_test_id("fulfil-submit").click()
    expect(page.get_by_test_id("order-status")).to_have_text("shipped")
    expect(page.get_by_test_id("order-events")).to_contain_text(tracking)
    screenshot(page, "admin-order-shipped")

    customer = _new_page(chromium, e2e_shop)
    try:
        _sign_in(customer, *DEMO_CUSTOMER)
        customer.goto(f"/account/orders/{number}")
        expect(customer.get_by_test_id("tracking-number")).to_have_text(tracking)
    finally:
        customer.context.close()


def test_a_support_agent_cannot_reach_product_editing(browser_page: Page) -> None:
    page = browser_page
    _sign_in(page, *DEMO_SUPPORT)
    page.goto("/admin")
    nav = page.get_by_test_id("admin-nav")
    expect(nav.get_by_test_id("nav-orders")).to_be_visible()
    expect(nav.get_by_test_id("nav-products")).to_have_count(0)
    response = page.goto("/admin/products/new")
    assert response is not None
    assert response.status == 403
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("Not allowed"))
    expect(page.get_by_test_id("product-form")).to_have_count(0)


def test_csv_import_round_trips(browser_page: Page) -> None:
    page = browser_page
    _sign_in(page, *DEMO_MANAGER)
    page.goto("/admin/products/import")
    with page.expect_download() as download:
        page.get_by_test_id("csv-export").click()
    exported = download.value.path().read_bytes().decode("utf-8")
    rows = list(csv.DictReader(io.StringIO(exported, newline="")))
    target = next(r for r in rows if r["sku"] and r["status"] == "active")
    target["stock"] = str(int(target["stock"]) + 3)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    edited = buffer.getvalue().encode()

    form = page.get_by_test_id("csv-import-form")
    form.get_by_label("CSV file").set_input_files(
        files=[{"name": "catalog.csv", "mimeType": "text/csv", "buffer": edited}]
    )
    expect(form.get_by_label(re.compile("Dry run"))).to_be_checked()
    page.get_by_test_id("import-submit").click()
    report = page.get_by_test_id("import-report")
    expect(report).to_have_attribute("data-dry-run", "true")
    expect(page.get_by_test_id("import-stock-changes")).to_have_text("1")

    form = page.get_by_test_id("csv-import-form")
    form.get_by_label("CSV file").set_input_files(
        files=[{"name": "catalog.csv", "mimeType": "text/csv", "buffer": edited}]
    )
    form.get_by_label(re.compile("Dry run")).uncheck()
    page.get_by_test_id("import-submit").click()
    expect(page.get_by_test_id("import-report")).to_have_attribute("data-applied", "true")
    expect(page.get_by_test_id("import-products-updated")).to_have_text("0")
    expect(page.get_by_test_id("import-stock-changes")).to_have_text("1")
    screenshot(page, "admin-csv-import")

    with page.expect_download() as again:
        page.get_by_test_id("csv-export").first.click()
    assert again.value.path().read_bytes() == edited
