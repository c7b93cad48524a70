from __future__ import annotations

from pathlib import Path

import pytest

from testhub.config import PROJECT_ROOT
from testhub.generate.engine import render, write_generated
from testhub.generate.grammar import INTENTS, parse_sentence
from testhub.generate.plan import PlanError, plan_from_json, plan_offline
from testhub.stories import Story, load_stories

LIBRARY = load_stories(PROJECT_ROOT / "stories")


class TestLibrary:
    def test_at_least_25_stories_covering_every_area(self) -> None:
        tags = {tag for _, story in LIBRARY for tag in story.tags}
        assert len(LIBRARY) >= 25
        assert {"browse", "search", "filters", "variants", "cart", "coupons", "checkout",
                "payments", "account", "wishlist", "reviews", "back-office"} <= tags  # fmt: skip

    @pytest.mark.parametrize(("path", "story"), LIBRARY, ids=[s.id for _, s in LIBRARY])
    def test_every_story_generates_deterministic_valid_python(
        self, path: Path, story: Story
    ) -> None:
        plan, first = render(story)
        _, second = render(story)

        assert first == second
        assert plan.engine == "offline"
        compile(first, "generated.py", "exec")
        assert f"def test_{story.id.replace('-', '_')}(page: Page, shop: ShopApi" in first


class TestGrammar:
    @pytest.mark.parametrize(
        ("sentence", "intent", "args"),
        [
            ("Given I open the home page", "navigate", {"path": "/"}),
            ('When I search for "tumbler"', "search", {"query": "tumbler"}),
            ("And I add 3 to the cart", "add_to_cart", {"quantity": "3"}),
            ("I check out as a guest with card tok_chargeDeclined", "checkout",
             {"mode": "guest", "card": "tok_chargeDeclined"}),
            ("Then the totals add up.", "assert_totals", {}),
            ("I sign in as the admin", "sign_in_staff", {}),
            ("Given a customer has placed an order", "place_order", {}),
        ],
    )  # fmt: skip
    def test_sentences_map_to_intents(
        self, sentence: str, intent: str, args: dict[str, str]
    ) -> None:
        match = parse_sentence(sentence)
        assert match is not None
        assert (match.intent, match.args) == (intent, args)

    def test_every_intent_has_a_code_writer(self) -> None:
        from testhub.generate.writer import _HANDLERS

        assert set(_HANDLERS) == set(INTENTS)

    def test_sentences_outside_the_grammar_are_named(self) -> None:
        story = LIBRARY[0][1].model_copy(
            update={"acceptance": ["I open the home page", "I dance on the checkout button"]}
        )
        with pytest.raises(PlanError) as raised:
            plan_offline(story)
        assert raised.value.unmatched == ["I dance on the checkout button"]

    def test_a_check_before_its_action_is_refused(self) -> None:
        story = LIBRARY[0][1].model_copy(update={"acceptance": ["the totals add up"]})
        with pytest.raises(PlanError, match="needs an earlier checkout step"):
            plan_offline(story)


class TestWriter:
    def test_a_placed_order_is_the_row_looked_for_in_the_back_office(self) -> None:
        story = _story("admin-orders-list")

        _, source = render(story)

        assert "order_number = shop.place_order(PRODUCT, quantity=QUANTITY" in source
        assert '[data-order-number="{order_number}"]' in source

    def test_ship_order_places_its_own_order_only_when_none_was(self) -> None:
        story = _story("admin-ship-order")
        arranged = story.model_copy(
            update={"acceptance": ["Given an order was placed", *story.acceptance]}
        )

        assert render(story)[1].count("shop.place_order(") == 1
        assert render(arranged)[1].count("shop.place_order(") == 1

    def test_controls_that_send_a_form_wait_for_the_answer(self) -> None:
        _, source = render(_story("guest-checkout-coupon"))

        for key in ("add-to-cart", "coupon-apply", "place-order"):
            assert f'submit(healer.find(page.get_by_test_id("{key}"), key="{key}"))' in source
            assert f'key="{key}").click()' not in source


def _story(story_id: str) -> Story:
    return next(story for _, story in LIBRARY if story.id == story_id)


class TestLlmPlans:
    def test_a_valid_proposal_becomes_a_plan(self) -> None:
        story = dict(LIBRARY)[next(p for p, s in LIBRARY if s.id == "browse-product-page")]
        raw = 'Sure: {"steps": [{"intent": "open_product", "args": {"product": "studio-hoodie"}}]}'

        plan = plan_from_json(story, raw, engine="openai")

        assert plan.engine == "openai"
        assert plan.steps[0].args == {"product": "studio-hoodie"}

    @pytest.mark.parametrize(
        "raw",
        ["no json here", '{"steps": []}', '{"steps": [{"intent": "rm_rf"}]}',
         '{"steps": [{"intent": "search", "args": {"query": ["x"]}}]}'],
    )  # fmt: skip
    def test_invalid_proposals_are_refused(self, raw: str) -> None:
        with pytest.raises(PlanError):
            plan_from_json(LIBRARY[0][1], raw, engine="openai")


class TestWriteGenerated:
    def test_writes_the_file_and_a_conftest(self, tmp_path: Path) -> None:
        story = LIBRARY[0][1]

        generated = write_generated(story, tmp_path)

        assert generated.path == tmp_path / f"test_{story.id.replace('-', '_')}.py"
        assert generated.path.read_text() == generated.source
        assert "testhub.run.plugin" in (tmp_path / "conftest.py").read_text()
