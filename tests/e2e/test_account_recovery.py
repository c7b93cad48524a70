"""Register, sign out, forget the password, reset it through the link in the email (read from
the test-mode outbox), sign in with the new one; the link then no longer works."""

from __future__ import annotations

import re

import httpx
from playwright.sync_api import Page, expect

from tests.e2e.account_steps import PASSWORD, mail_to, new_email, register, sign_in, sign_out
from tests.e2e.conftest import axe_violations, screenshot

NEW_PASSWORD = "amber kettle 7 lantern"


class TestPasswordReset:
    def test_reset_through_the_emailed_link(self, browser_page: Page, api: httpx.Client) -> None:
        page = browser_page
        email = new_email("forgetful")
        register(page, email)
        sign_out(page)

        page.get_by_test_id("login-link").click()
        page.get_by_role("link", name="Forgot your password?").click()
        page.get_by_test_id("forgot-password-form").get_by_label("Email").fill(email)
        page.get_by_role("button", name="Send the link").click()
        expect(page.get_by_test_id("flash")).to_contain_text("If an account exists")

        text = mail_to(api, email, "Reset your")
        match = re.search(r"https?://\S+/password/reset/\S+", text)
        assert match is not None, text
        link = match.group(0)
        page.goto(link)
        form = page.get_by_test_id("reset-password-form")
        expect(form).to_be_visible()
        screenshot(page, "password-reset")
        assert axe_violations(page) == []
        form.get_by_label("New password").fill(NEW_PASSWORD)
        form.get_by_role("button", name="Save the new password").click()
        expect(page.get_by_test_id("flash")).to_contain_text("Your password has been changed")

        page.get_by_test_id("login-form").get_by_label("Email").fill(email)
        page.get_by_test_id("login-form").get_by_label("Password").fill(PASSWORD)
        page.get_by_test_id("login-submit").click()
        expect(page.get_by_role("alert").first).to_contain_text("incorrect")
        sign_in(page, email, NEW_PASSWORD)

        page.goto(link)
        expect(page.get_by_test_id("reset-link-invalid")).to_be_visible()
