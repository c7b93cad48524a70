"""The customer downloads their data, then deletes the account: they are signed out, cannot
sign in again, and the shop keeps the (now cancelled) order with its totals, anonymised."""

from __future__ import annotations

import json

import httpx
from playwright.sync_api import Page, expect

from tests.e2e.account_steps import PASSWORD, buy_first_product_in_stock, new_email, register
from tests.e2e.conftest import DEMO_MANAGER, bearer, screenshot


class TestExportAndDeletion:
    def test_export_then_delete_keeps_the_order_anonymised(
        self, browser_page: Page, api: httpx.Client
    ) -> None:
        page = browser_page
        email = new_email("leaving")
        register(page, email)
        number = buy_first_product_in_stock(page)

        # Data export: a JSON download with the profile and the order.
        page.goto("/account")
        with page.expect_download() as download_info:
            page.get_by_test_id("data-export").click()
        download = download_info.value
        assert download.suggested_filename == "shopwright-account-export.json"
        exported = json.loads(download.path().read_text(encoding="utf-8"))
        assert exported["profile"]["email"] == email
        assert [order["number"] for order in exported["orders"]] == [number]

        # A paid order is still open: deletion waits until it ships or is cancelled.
        page.goto("/account/delete")
        form = page.get_by_test_id("delete-account-form")
        form.get_by_label("Your password, to confirm").fill(PASSWORD)
        page.get_by_test_id("delete-account-submit").click()
        expect(page.get_by_test_id("form-error")).to_contain_text(number)
        customer = bearer(api, email, PASSWORD)
        api.post(f"/orders/{number}/cancel", headers=customer).raise_for_status()

        page.get_by_test_id("delete-account-form").get_by_label("Your password, to confirm").fill(
            PASSWORD
        )
        page.get_by_test_id("delete-account-submit").click()
        expect(page.get_by_test_id("flash")).to_contain_text("Your account has been deleted")
        expect(page.get_by_test_id("login-link")).to_be_visible()
        screenshot(page, "account-deleted")

        signed_in = api.post("/auth/login", json={"email": email, "password": PASSWORD})
        assert signed_in.status_code == 401
        order = api.get(f"/admin/orders/{number}", headers=bearer(api, *DEMO_MANAGER)).json()
        assert order["email"].endswith("@deleted.invalid")
        assert order["shipping_address"]["name"] == "Deleted customer"
        assert order["status"] == "cancelled"
        assert (
            order["totals"]["total"]["amount"] == exported["orders"][0]["totals"]["total"]["amount"]
        )
