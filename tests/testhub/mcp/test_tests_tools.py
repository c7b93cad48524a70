"""Test tools: stories, generation, reports, triage, the heal ledger and applying a heal."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from mcp import Client

from testhub.config import HubSettings
from testhub.heal.patch import propose_patch
from testhub.mcp.runtime import McpRuntime
from testhub.mcp.server import build_server
from testhub.store.models import Heal, HealStatus, Outcome, Run, TestResult
from tests.fakes.stripe_server import ServerThread
from tests.testhub.fakes.llm_servers import FakeLlm, Reply
from tests.testhub.fakes.llm_servers import build_app as build_llm_app
from tests.testhub.mcp.conftest import InProcessClient, make_hub_settings
from tests.testhub.mcp.test_shop_tools import call

LEAKED_TOKEN = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhZG1pbiJ9.c2lnbmF0dXJlLXNpZ25hdHVyZQ"
BROKEN_TEST = """def test_add(page, healer):
    page.goto("/products/desk-lamp")
    healer.find(page.locator("#add-button-old"), key="add-to-cart").click()
"""


async def _stored_run(runtime: McpRuntime) -> int:
    async with runtime.database.session() as session:
        run = Run(
            base_url="http://127.0.0.1:1", suite="tests/generated", exit_code=1, passed=1, failed=2
        )
        session.add(run)
        await session.flush()
        session.add_all(
            [
                TestResult(
                    run_id=run.id,
                    nodeid="test_a.py::test_ok",
                    outcome=Outcome.PASSED,
                    duration_seconds=1.5,
                ),
                TestResult(
                    run_id=run.id,
                    nodeid="test_a.py::test_total",
                    outcome=Outcome.FAILED,
                    message=f"AssertionError: total 2598 != 2599 (token {LEAKED_TOKEN})",
                    failure_class="business_rule",
                    triage_explanation="the order total does not add up",
                    triage_evidence=["total-total data-amount=2598", "expected 2599"],
                    console_errors=["TypeError: x"],
                    failed_requests=[{"method": "GET", "url": "/api/v1/carts/1", "status": 500}],
                ),
                TestResult(
                    run_id=run.id,
                    nodeid="test_b.py::test_timeout",
                    outcome=Outcome.FAILED,
                    message="TimeoutError: Timeout 5000ms exceeded. "
                    "waiting for get_by_test_id('cart-total')",
                    traceback="E   TimeoutError: Locator.click: Timeout 5000ms exceeded.\n"
                    "waiting for get_by_test_id('cart-total')",
                ),
            ]
        )
        return run.id


async def _stored_heal(runtime: McpRuntime, test_file: Path, *, run_id: int | None) -> int:
    patch = propose_patch(test_file, 3, "add-to-cart", 'page.get_by_test_id("add-to-cart")')
    assert patch is not None
    async with runtime.database.session() as session:
        heal = Heal(
            run_id=run_id,
            nodeid=f"{test_file.name}::test_add",
            test_file=str(test_file),
            line=3,
            step_key="add-to-cart",
            original_locator='page.locator("#add-button-old")',
            healed_locator='page.get_by_test_id("add-to-cart")',
            score=0.91,
            runner_up_score=0.42,
            status=HealStatus.HEALED,
            reason="unique candidate above the threshold",
            candidates=[],
            patch=patch,
        )
        refused = Heal(
            run_id=run_id,
            nodeid=f"{test_file.name}::test_add",
            test_file=str(test_file),
            line=3,
            step_key="add-to-cart",
            original_locator='page.locator("#gone")',
            healed_locator=None,
            score=0.5,
            runner_up_score=0.49,
            status=HealStatus.REFUSED,
            reason="no unique candidate",
            candidates=[],
            patch=None,
        )
        session.add_all([heal, refused])
        await session.flush()
        return heal.id


class TestStories:
    async def test_the_library(self, client: InProcessClient) -> None:
        everything = await call(client, "stories_list")
        checkout = await call(client, "stories_list", search="guest checkout")

        assert len(everything["stories"]) >= 25
        assert all(story["acceptance"] for story in everything["stories"])
        assert checkout["stories"]
        assert all(
            "checkout" in story["story"].lower() or "checkout" in story["id"]
            for story in checkout["stories"]
        )


class TestGenerate:
    async def test_a_library_story_is_written_deterministically(
        self, client: InProcessClient, settings: HubSettings
    ) -> None:
        first = await call(client, "tests_generate", story="search-finds-products")
        second = await call(client, "tests_generate", story="search-finds-products")

        path = Path(first["path"])
        assert path.parent == settings.generated_dir
        assert path.read_text(encoding="utf-8") == first["source"]
        assert first["source"] == second["source"]
        assert first["engine"] == "offline"
        assert "search" in first["steps"]
        compile(first["source"], path.name, "exec")

    async def test_a_story_given_as_yaml(self, client: InProcessClient) -> None:
        story = (
            "id: mcp-inline-search\ntitle: Search from the header\nas_a: shopper\n"
            "i_want: to search the catalog\nso_that: I find what I need\n"
            "acceptance:\n  - Given I open the home page\n"
            '  - When I search for "lamp"\n  - Then the results show products\n'
        )

        generated = await call(client, "tests_generate", story_yaml=story)

        assert generated["story_id"] == "mcp-inline-search"
        assert Path(generated["path"]).name == "test_mcp_inline_search.py"

    @pytest.mark.parametrize(
        ("arguments", "message"),
        [
            ({}, "either story"),
            ({"story": "no-such-story"}, "no story with id"),
            ({"story_yaml": "id: [unclosed"}, "not a valid story"),
        ],
    )
    async def test_bad_requests(
        self, client: InProcessClient, arguments: dict[str, str], message: str
    ) -> None:
        result = await client.call_tool("tests_generate", arguments)

        assert result.is_error
        assert message in result.content[0].text


class TestReports:
    async def test_report_and_triage_of_the_latest_run(
        self, client: InProcessClient, runtime: McpRuntime
    ) -> None:
        run_id = await _stored_run(runtime)

        report = await call(client, "run_report")
        triage = await call(client, "failure_triage")
        only = await call(client, "failure_triage", run_id=run_id, test="test_total")

        assert report["run_id"] == run_id
        assert (report["passed"], report["failed"]) == (1, 2)
        assert [test["outcome"] for test in report["tests"]] == ["passed", "failed", "failed"]
        assert report["tests"][1]["failed_requests"] == ["GET /api/v1/carts/1 500"]
        assert (
            report["tests"][1]["message"] == "AssertionError: total 2598 != 2599 (token [redacted])"
        )
        classes = {failure["nodeid"]: failure["failure_class"] for failure in triage["failures"]}
        assert classes["test_a.py::test_total"] == "business_rule"
        assert classes["test_b.py::test_timeout"] in {"timing", "locator_drift"}
        assert only["failures"][0]["evidence"] == ["total-total data-amount=2598", "expected 2599"]
        assert len(only["failures"]) == 1

    async def test_no_such_run(self, client: InProcessClient) -> None:
        result = await client.call_tool("run_report", {"run_id": 987654})

        assert result.is_error
        assert "no run 987654" in result.content[0].text


class TestHeals:
    async def test_list_and_apply_a_heal_once(
        self, client: InProcessClient, runtime: McpRuntime, settings: HubSettings
    ) -> None:
        settings.generated_dir.mkdir(parents=True, exist_ok=True)
        test_file = settings.generated_dir / "test_heal_me.py"
        test_file.write_text(BROKEN_TEST, encoding="utf-8")
        heal_id = await _stored_heal(runtime, test_file, run_id=None)

        healed = await call(client, "heals_list", status="healed")
        everything = await call(client, "heals_list")
        applied = await call(client, "heal_apply", heal_id=heal_id)
        again = await client.call_tool("heal_apply", {"heal_id": heal_id})

        assert [heal["heal_id"] for heal in healed["heals"]] == [heal_id]
        assert healed["heals"][0]["patch"].startswith("--- a/test_heal_me.py")
        assert {heal["status"] for heal in everything["heals"]} == {"healed", "refused"}
        assert applied["status"] == "applied"
        assert 'healer.find(page.get_by_test_id("add-to-cart"), key="add-to-cart")' in (
            test_file.read_text(encoding="utf-8")
        )
        assert again.is_error
        assert "only healed ones" in again.content[0].text

    async def test_a_changed_file_is_not_patched(
        self, client: InProcessClient, runtime: McpRuntime, settings: HubSettings
    ) -> None:
        settings.generated_dir.mkdir(parents=True, exist_ok=True)
        test_file = settings.generated_dir / "test_heal_changed.py"
        test_file.write_text(BROKEN_TEST, encoding="utf-8")
        heal_id = await _stored_heal(runtime, test_file, run_id=None)
        edited = BROKEN_TEST.replace("#add-button-old", "#someone-fixed-it")
        test_file.write_text(edited, encoding="utf-8")

        result = await client.call_tool("heal_apply", {"heal_id": heal_id})

        assert result.is_error
        assert "changed since the heal" in result.content[0].text
        assert test_file.read_text(encoding="utf-8") == edited

    async def test_a_file_outside_the_test_directories_is_refused(
        self, client: InProcessClient, runtime: McpRuntime, tmp_path: Path
    ) -> None:
        outside = tmp_path / "elsewhere" / "test_outside.py"
        outside.parent.mkdir()
        outside.write_text(BROKEN_TEST, encoding="utf-8")
        heal_id = await _stored_heal(runtime, outside, run_id=None)

        result = await client.call_tool("heal_apply", {"heal_id": heal_id})

        assert result.is_error
        assert "outside the test directories" in result.content[0].text
        assert outside.read_text(encoding="utf-8") == BROKEN_TEST

    async def test_heal_apply_needs_admin(self, tmp_path: Path, shop_url: str) -> None:
        runtime = McpRuntime.from_settings(
            make_hub_settings(tmp_path, shop_url, mcp_local_scopes="read,run")
        )
        server, _ = build_server(runtime)
        try:
            async with Client(server) as client:
                result = await client.call_tool("heal_apply", {"heal_id": 1})
        finally:
            await runtime.aclose()

        assert result.is_error
        assert "needs the 'admin' scope" in result.content[0].text


class TestResourcesAndPrompts:
    async def test_resources(self, client: InProcessClient, runtime: McpRuntime) -> None:
        run_id = await _stored_run(runtime)

        listed = {str(resource.uri) for resource in (await client.list_resources()).resources}
        templates = {
            t.uri_template for t in (await client.list_resource_templates()).resource_templates
        }
        openapi = (await client.read_resource("shop://openapi")).contents[0]
        stories = (await client.read_resource("testhub://stories")).contents[0]
        story = (await client.read_resource("testhub://stories/guest-checkout-visa")).contents[0]
        latest = (await client.read_resource("testhub://runs/latest")).contents[0]
        one = (await client.read_resource(f"testhub://runs/{run_id}")).contents[0]
        heals = (await client.read_resource("testhub://heals")).contents[0]

        assert listed == {
            "shop://openapi",
            "testhub://stories",
            "testhub://runs/latest",
            "testhub://heals",
        }
        assert templates == {"testhub://stories/{story_id}", "testhub://runs/{run_id}"}
        assert '"/api/v1/products"' in openapi.text  # type: ignore[union-attr]
        assert '"guest-checkout-visa"' in stories.text  # type: ignore[union-attr]
        assert story.text.startswith("id: guest-checkout-visa")  # type: ignore[union-attr]
        assert f'"run_id": {run_id}' in latest.text  # type: ignore[union-attr]
        assert "business_rule" in one.text  # type: ignore[union-attr]
        assert LEAKED_TOKEN not in one.text  # type: ignore[union-attr]
        assert LEAKED_TOKEN not in latest.text  # type: ignore[union-attr]
        assert heals.text.startswith("[")  # type: ignore[union-attr]

    async def test_unknown_story_resource(self, client: InProcessClient) -> None:
        with pytest.raises(ExceptionGroup) as failure:
            await client.read_resource("testhub://stories/no-such-story")

        assert "no story with id 'no-such-story'" in repr(failure.value.exceptions)

    async def test_prompts(self, client: InProcessClient) -> None:
        names = {prompt.name for prompt in (await client.list_prompts()).prompts}
        story = await client.get_prompt("test_user_story", {"story": "guest-checkout-visa"})
        failing = await client.get_prompt(
            "investigate_failing_test", {"test": "test_a.py::test_total"}
        )
        explore = await client.get_prompt("explore_checkout_for_bugs", {})

        assert names == {"test_user_story", "investigate_failing_test", "explore_checkout_for_bugs"}
        assert "guest-checkout-visa" in story.messages[0].content.text  # type: ignore[union-attr]
        assert "tests_generate" in story.messages[0].content.text  # type: ignore[union-attr]
        assert "test_a.py::test_total" in failing.messages[0].content.text  # type: ignore[union-attr]
        assert "data_create" in explore.messages[0].content.text  # type: ignore[union-attr]


OUTSIDE_GRAMMAR = """\
id: mcp-llm-search
title: Look up tumblers
as_a: shopper
i_want: to look up tumblers from the header
so_that: I can compare them
acceptance:
  - Shoppers start on the front page
  - Typing tumbler into the header box looks them up
  - A grid of matching items appears
"""
LLM_PLAN = (
    '{"steps": [{"intent": "navigate", "args": {"path": "/"}},'
    ' {"intent": "search", "args": {"query": "tumbler"}},'
    ' {"intent": "assert_results", "args": {}}]}'
)


@pytest.fixture
def fake_openai() -> Iterator[FakeLlm]:
    fake = FakeLlm("openai")
    server = ServerThread(build_llm_app(fake)).start()
    fake.url = server.url
    yield fake
    server.stop()


async def test_an_llm_plans_stories_outside_the_grammar_after_a_dry_run(
    tmp_path: Path, shop_url: str, fake_openai: FakeLlm
) -> None:
    fake_openai.script(Reply(LLM_PLAN))
    runtime = McpRuntime.from_settings(
        make_hub_settings(
            tmp_path,
            shop_url,
            llm_provider="openai",
            openai_base_url=f"{fake_openai.url}/v1",
            openai_api_key="sk-test-mcp-0123456789abcdefghij",
        )
    )
    server, _ = build_server(runtime)
    try:
        async with Client(server) as client:
            result = await client.call_tool("tests_generate", {"story_yaml": OUTSIDE_GRAMMAR})
    finally:
        await runtime.aclose()

    assert not result.is_error, result.content
    assert result.structured_content is not None
    assert result.structured_content["engine"] == "openai"
    assert result.structured_content["steps"] == ["navigate", "search", "assert_results"]
    assert len(fake_openai.received) == 1
    assert "Typing tumbler into the header box" in fake_openai.received[0].messages_text()
