"""Prompts: ready-made requests an assistant can start from."""

from __future__ import annotations

from typing import Any

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.prompts.base import UserMessage


def register(server: MCPServer[Any]) -> None:
    @server.prompt(
        name="test_user_story",
        title="Test this user story",
        description="Turn a user story (a library id, or free text) into a test and run it",
    )
    def test_user_story(story: str) -> list[UserMessage]:
        return [
            UserMessage(
                f"Test this user story against the shop: {story}\n\n"
                "1. If it is a story id, read it (resource testhub://stories/<id>); otherwise find "
                "the closest story with stories_list and say which one you use.\n"
                "2. Check the shop is up and in test mode with shop_health.\n"
                "3. Generate the test with tests_generate and show me the file.\n"
                "4. Run it with tests_run and read the result with run_report.\n"
                "5. If it fails, classify the failure with failure_triage and tell me whether "
                "the shop or the test is wrong, with the evidence."
            )
        ]

    @server.prompt(
        name="investigate_failing_test",
        title="Investigate this failing test",
        description="Find out why a test fails: triage, evidence, heals, and a fix proposal",
    )
    def investigate_failing_test(test: str, run_id: str = "latest") -> list[UserMessage]:
        return [
            UserMessage(
                f"The test {test} fails (run: {run_id}). Find out why.\n\n"
                "1. Read the run with run_report and the test's failure with failure_triage.\n"
                "2. Look at heals_list for locators healed or refused in that test.\n"
                "3. Reproduce the failing step in the browser (browser_open, browser_snapshot, "
                "browser_act) and compare the page with what the test expects.\n"
                "4. Conclude: locator drift, timing, test data, backend error, business rule or "
                "environment — and propose the smallest fix (a heal to apply with heal_apply, a "
                "test change, or a shop bug report with the reproduction)."
            )
        ]

    @server.prompt(
        name="explore_checkout_for_bugs",
        title="Explore checkout for bugs",
        description="Exploratory testing of cart, coupons and checkout in the browser and the API",
    )
    def explore_checkout_for_bugs(
        focus: str = "totals, coupons, stock and payment",
    ) -> list[UserMessage]:
        return [
            UserMessage(
                f"Explore the shop's checkout for bugs, focusing on {focus}.\n\n"
                "- Prepare data in the test shop with data_create (a product with little stock, a "
                "coupon) — never against production.\n"
                "- In the browser (browser_open, browser_act by ref) add items, change quantities, "
                "apply and remove coupons, check out as a guest with tok_visa and with "
                "tok_chargeDeclined. After each step check that the amounts add up "
                "(data-amount values are minor units) and that stock and order (shop_order) "
                "agree.\n"
                "- Fuzz the cart and checkout API with api_fuzz "
                "(path_regex '^/api/v1/(carts|checkout)').\n"
                "- Report every bug with steps to reproduce, the expected and the actual result."
            )
        ]
