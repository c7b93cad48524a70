from __future__ import annotations

import pytest
from playwright.async_api import Page

from testhub.shopmap import diff_maps, durable_locator, locator_for_ref, snapshot


class TestSnapshot:
    async def test_product_page_has_roles_names_test_ids_and_forms(
        self, hub_page: Page, contract_shop: str
    ) -> None:
        await hub_page.goto(f"{contract_shop}/products/trail-parka")

        page_map = await snapshot(hub_page)

        button = page_map.find(role="button", name="Add to cart")
        assert len(button) == 1
        assert button[0].testid == "add-to-cart"
        assert button[0].tag == "button"
        select = page_map.find(testid="variant-select")[0]
        assert (select.role, select.name, select.field_name) == (
            "combobox",
            "Variant",
            "variant_id",
        )
        forms = [n for n in page_map.walk() if n.form_action == "/cart/items"]
        assert [f.form_method for f in forms] == ["post"]
        assert {"product-price", "stock-state", "site-header"} <= page_map.testids()
        assert "[testid=add-to-cart]" in page_map.text
        assert page_map.text.startswith("page: Trail Parka <")

    async def test_links_carry_urls_and_item_keys(self, hub_page: Page, contract_shop: str) -> None:
        await hub_page.goto(contract_shop)

        page_map = await snapshot(hub_page)

        link = page_map.find(role="link", name="Desk Lamp")[0]
        assert link.url == "/products/desk-lamp"
        cards = page_map.find(testid="product-card")
        assert [c.data["slug"] for c in cards] == ["trail-parka", "desk-lamp", "wool-socks"]
        prices = [i for c in cards for i in c.inner if i["testid"] == "product-price"]
        assert [p["data"]["amount"] for p in prices] == ["12900", "4599", "1299"]

    async def test_budget_collapses_repeats_then_cuts(self, hub_page: Page) -> None:
        items = "".join(
            f'<li data-testid="product-card" data-slug="p{i}">P{i}</li>' for i in range(60)
        )
        await hub_page.set_content(f"<main><ul>{items}</ul><button>Last</button></main>")

        roomy = await snapshot(hub_page, budget_chars=100_000)
        tight = await snapshot(hub_page, budget_chars=1500)
        tiny = await snapshot(hub_page, budget_chars=300)

        assert not roomy.truncated
        assert roomy.text.count("[testid=product-card]") == 60
        assert tight.truncated
        assert len(tight.text) <= 1500
        assert "… 57 more listitem [testid=product-card]" in tight.text
        assert 'button "Last"' in tight.text
        assert len(tiny.text) <= 300
        assert tiny.text.endswith("(cut to fit the size budget)")


class TestRefs:
    async def test_a_ref_finds_its_element(self, hub_page: Page, contract_shop: str) -> None:
        await hub_page.goto(f"{contract_shop}/products/desk-lamp")
        page_map = await snapshot(hub_page)
        ref = page_map.find(testid="quantity-input")[0].ref
        assert ref is not None

        locator = locator_for_ref(hub_page, ref)
        await locator.fill("3")

        assert await hub_page.get_by_test_id("quantity-input").input_value() == "3"

    def test_a_malformed_ref_is_refused(self) -> None:
        with pytest.raises(ValueError, match="not a snapshot ref"):
            locator_for_ref(None, "button; drop")  # type: ignore[arg-type]

    async def test_durable_locators_prefer_test_ids_and_item_keys(
        self, hub_page: Page, contract_shop: str
    ) -> None:
        await hub_page.goto(contract_shop)
        page_map = await snapshot(hub_page)

        card = page_map.find(testid="product-card")[1]
        link = page_map.find(role="link", name="Desk Lamp")[0]

        assert durable_locator(card) == (
            'page.locator(\'[data-testid="product-card"][data-slug="desk-lamp"]\')'
        )
        assert durable_locator(link) == "page.get_by_role('link', name='Desk Lamp', exact=True)"


class TestDiff:
    async def test_diff_after_adding_to_cart(self, hub_page: Page, contract_shop: str) -> None:
        await hub_page.request.post(f"{contract_shop}/__reset")
        await hub_page.goto(f"{contract_shop}/products/wool-socks")
        before = await snapshot(hub_page)
        await hub_page.get_by_test_id("add-to-cart").click()
        await hub_page.wait_for_url("**/cart")

        after = await snapshot(hub_page, previous=before)

        assert after.diff_text is not None
        assert (
            f"url: {contract_shop}/products/wool-socks -> {contract_shop}/cart" in after.diff_text
        )
        assert '- button "Add to cart"' in after.diff_text
        assert '+ link "Check out"' in after.diff_text
        assert 'link "Cart 1"' in after.diff_text  # the cart count changed the link's name

    async def test_same_page_twice_has_no_diff(self, hub_page: Page, contract_shop: str) -> None:
        await hub_page.goto(f"{contract_shop}/products/desk-lamp")
        first = await snapshot(hub_page)
        await hub_page.reload()
        second = await snapshot(hub_page)

        assert diff_maps(first, second).empty
