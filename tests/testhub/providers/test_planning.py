"""Stories outside the grammar: the configured LLM proposes a plan, the hub validates it, and a
dry run against a live shop (the contract shop, in a real Chromium) must pass before any code is
written. A refusal goes back to the LLM once as feedback."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from playwright.async_api import Browser
from typer.testing import CliRunner

from testhub.cli import app
from testhub.generate.assisted import plan_story
from testhub.generate.dry_run import DryRunReport, dry_run
from testhub.generate.engine import write_generated
from testhub.generate.plan import Plan, PlanError, Step
from testhub.providers import OfflineProvider, provider_from_settings
from testhub.stories.schema import Story, StoryData
from tests.testhub.fakes.llm_servers import FakeLlm, Reply
from tests.testhub.providers.conftest import SettingsFactory

STORY = Story(
    id="cosy-socks",
    title="Pick the cosiest socks",
    as_a="shopper with cold feet",
    i_want="the warmest socks in my size",
    so_that="winter hurts less",
    acceptance=[
        "I open the home page",
        "I pick the cosiest socks in medium",
        "I add it to the cart",
    ],
    data=StoryData(product="wool-socks", variant="M / Black", email="robin@example.com"),
)
GOOD_PLAN = {
    "steps": [
        {"intent": "navigate", "args": {"path": "/"}, "sentence": "I open the home page"},
        {"intent": "open_product", "args": {"product": "wool-socks"}, "sentence": "I pick"},
        {"intent": "choose_variant", "args": {"variant": "M / Black"}, "sentence": "in medium"},
        {"intent": "add_to_cart", "args": {}, "sentence": "I add it to the cart"},
    ]
}


def _plan_with(**replace: Any) -> str:
    steps = [dict(step, args=dict(step["args"])) for step in GOOD_PLAN["steps"]]
    for step in steps:
        for key, value in replace.items():
            if key in step["args"]:
                step["args"][key] = value
    return "Here is the plan:\n" + json.dumps({"steps": steps})


@pytest.fixture
def shop_dry_run(contract_shop: str, hub_browser: Browser) -> Any:
    async def run(plan: Plan, story: Story) -> DryRunReport:
        return await dry_run(plan, story, base_url=contract_shop, browser=hub_browser)

    return run


class TestPlanStory:
    async def test_an_llm_plan_that_passes_the_dry_run_is_accepted(
        self, fakes: dict[str, FakeLlm], provider_settings: SettingsFactory, shop_dry_run: Any
    ) -> None:
        fakes["openai"].script(Reply(_plan_with()))
        provider = provider_from_settings(provider_settings("openai"))

        plan = await plan_story(STORY, provider, dry_run=shop_dry_run)

        assert plan.engine == "openai"
        assert plan.intents() == ["navigate", "open_product", "choose_variant", "add_to_cart"]
        [request] = fakes["openai"].received
        prompt = request.json["messages"][1]["content"]
        assert "'I pick the cosiest socks in medium'" in prompt  # outside the grammar
        assert "'I open the home page' -> navigate" in prompt  # understood by the grammar
        assert "- choose_variant: choose a variant by its option text (args: variant)" in prompt
        assert "robin@example.com" not in prompt
        assert "[email]" in prompt

    async def test_a_hallucinated_product_fails_the_dry_run_and_is_fed_back(
        self, fakes: dict[str, FakeLlm], provider_settings: SettingsFactory, shop_dry_run: Any
    ) -> None:
        fakes["openai"].script(
            Reply(_plan_with(product="cosy-cashmere-socks")), Reply(_plan_with())
        )
        provider = provider_from_settings(provider_settings("openai"))

        plan = await plan_story(STORY, provider, dry_run=shop_dry_run)

        assert plan.steps[1].args == {"product": "wool-socks"}
        first, second = fakes["openai"].received
        feedback = second.json["messages"][1]["content"]
        assert "The dry run against the shop failed" in feedback
        assert "step 2 open_product: product 'cosy-cashmere-socks': FAILED" in feedback
        assert "What http://127.0.0.1:" in feedback  # the page's shop map, to correct against

    async def test_an_unknown_variant_fails_the_dry_run(
        self, fakes: dict[str, FakeLlm], provider_settings: SettingsFactory, shop_dry_run: Any
    ) -> None:
        fakes["openai"].script(Reply(_plan_with(variant="XL / Gold")), Reply(_plan_with()))
        provider = provider_from_settings(provider_settings("openai"))

        await plan_story(STORY, provider, dry_run=shop_dry_run)

        feedback = fakes["openai"].received[1].json["messages"][1]["content"]
        assert "variant 'XL / Gold': FAILED (options: ['S / Black', 'M / Black'])" in feedback

    async def test_invalid_proposals_end_in_a_plan_error_and_no_file(
        self,
        fakes: dict[str, FakeLlm],
        provider_settings: SettingsFactory,
        shop_dry_run: Any,
        tmp_path: Path,
    ) -> None:
        fakes["anthropic"].script(
            Reply("I would rather not."), Reply('{"steps": [{"intent": "teleport"}]}')
        )
        provider = provider_from_settings(provider_settings("anthropic"))

        with pytest.raises(PlanError, match=r"anthropic proposed no usable plan in 2 attempt") as e:
            await plan_story(STORY, provider, dry_run=shop_dry_run)

        assert "unknown intent" in str(e.value)
        assert e.value.unmatched == ["I pick the cosiest socks in medium"]
        feedback = fakes["anthropic"].received[1].json["messages"][0]["content"]
        assert "the proposed plan has no steps" in feedback
        assert not list(tmp_path.glob("test_*.py"))

    async def test_offline_names_the_sentences_outside_the_grammar(
        self, fakes: dict[str, FakeLlm], shop_dry_run: Any
    ) -> None:
        with pytest.raises(PlanError) as raised:
            await plan_story(STORY, OfflineProvider(), dry_run=shop_dry_run)

        assert raised.value.unmatched == ["I pick the cosiest socks in medium"]
        assert all(not fake.received for fake in fakes.values())

    async def test_a_story_inside_the_grammar_never_asks_the_llm(
        self, fakes: dict[str, FakeLlm], provider_settings: SettingsFactory, shop_dry_run: Any
    ) -> None:
        story = STORY.model_copy(
            update={"acceptance": ["I open the home page", 'I search for "socks"']}
        )
        provider = provider_from_settings(provider_settings("ollama"))

        plan = await plan_story(story, provider, dry_run=shop_dry_run)

        assert plan.engine == "offline"
        assert fakes["ollama"].received == []


class TestDryRun:
    async def test_a_plan_acting_before_opening_a_page_fails(
        self, contract_shop: str, hub_browser: Browser
    ) -> None:
        plan = Plan(STORY.id, (Step("search", {"query": "lamp"}), Step("assert_results")))

        report = await dry_run(plan, STORY, base_url=contract_shop, browser=hub_browser)

        assert not report.ok
        assert report.failures[0].line() == (
            "step 1 search: search box: FAILED (nothing is open yet: the plan must navigate first)"
        )

    async def test_the_good_plan_checks_every_element_it_uses(
        self, contract_shop: str, hub_browser: Browser
    ) -> None:
        plan = Plan(STORY.id, tuple(Step(s["intent"], s["args"]) for s in GOOD_PLAN["steps"]))

        report = await dry_run(plan, STORY, base_url=contract_shop, browser=hub_browser)

        assert report.ok, report.render()
        assert [c.what for c in report.checks] == [
            "open /",
            "open /products/wool-socks",
            "product 'wool-socks'",
            "variant select",
            "variant 'M / Black'",
            "quantity input",
            "add-to-cart button",
        ]

    async def test_state_dependent_steps_are_reported_not_checked(
        self, contract_shop: str, hub_browser: Browser
    ) -> None:
        plan = Plan(
            STORY.id,
            (Step("navigate", {"path": "/"}), Step("open_cart"), Step("apply_coupon")),
        )

        report = await dry_run(plan, STORY, base_url=contract_shop, browser=hub_browser)

        assert report.ok
        assert [(c.what, c.ok) for c in report.checks] == [
            ("open /", True),
            ("cart link", True),
            ("open /cart", True),
            ("state-dependent step", None),
        ]


class TestGenerateCommand:
    def test_writes_the_llm_plan_after_a_dry_run(
        self,
        fakes: dict[str, FakeLlm],
        contract_shop: str,
        tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        story_file = tmp_path / "cosy-socks.yaml"
        story_file.write_text(yaml.safe_dump(STORY.model_dump(mode="json", exclude_none=True)))
        fakes["lmstudio"].script(Reply(_plan_with()))
        for name, value in {
            "LLM_PROVIDER": "lmstudio",
            "LMSTUDIO_BASE_URL": f"{fakes['lmstudio'].url}/v1",
            "BASE_URL": contract_shop,
            "BROWSER_EXECUTABLE": "/usr/bin/chromium",
            "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'hub.db'}",
        }.items():
            monkeypatch.setenv(f"TESTHUB_{name}", value)

        result = CliRunner().invoke(app, ["generate", str(story_file), "-o", str(tmp_path / "out")])

        assert result.exit_code == 0, result.output
        source = (tmp_path / "out" / "test_cosy_socks.py").read_text()
        assert 'choose(healer.find(page.get_by_test_id("variant-select")' in source
        assert len(fakes["lmstudio"].received) == 1

    def test_an_unreachable_llm_exits_2_with_the_reason(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        story_file = tmp_path / "cosy-socks.yaml"
        story_file.write_text(yaml.safe_dump(STORY.model_dump(mode="json", exclude_none=True)))
        monkeypatch.setenv("TESTHUB_LLM_PROVIDER", "ollama")
        monkeypatch.setenv("TESTHUB_OLLAMA_BASE_URL", "http://127.0.0.1:9")
        monkeypatch.setenv("TESTHUB_LLM_RETRIES", "0")
        monkeypatch.setenv("TESTHUB_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'hub.db'}")

        result = CliRunner().invoke(app, ["generate", str(story_file), "-o", str(tmp_path)])

        assert result.exit_code == 2
        assert "ollama: cannot reach http://127.0.0.1:9" in result.output
        assert not (tmp_path / "test_cosy_socks.py").exists()


def test_write_generated_takes_the_checked_plan(tmp_path: Path) -> None:
    plan = Plan(
        STORY.id, tuple(Step(s["intent"], s["args"]) for s in GOOD_PLAN["steps"]), "anthropic"
    )

    generated = write_generated(STORY, tmp_path, plan)

    assert generated.plan.engine == "anthropic"
    compile(generated.source, "generated.py", "exec")
