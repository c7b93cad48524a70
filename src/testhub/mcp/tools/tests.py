"""Test tools: list stories (`read`), generate and run tests (`run`), read reports, triage and the
heal ledger (`read`), apply a heal (`admin`)."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Annotated, Literal

import yaml
from mcp.server.mcpserver import Context
from pydantic import BaseModel, Field, ValidationError

from testhub.config import PROJECT_ROOT, HubSettings, LlmProviderName
from testhub.generate.assisted import plan_with_settings
from testhub.generate.engine import write_generated_async
from testhub.generate.plan import PlanError
from testhub.mcp.guard import ToolRegistry
from testhub.mcp.patching import PatchMismatch, apply_unified_diff
from testhub.mcp.reports import HealEntry, RunReport, heal_entry, heal_ledger, run_report
from testhub.mcp.scopes import Scope
from testhub.mcp.tools.shop import BaseUrl
from testhub.run.runner import run_suite
from testhub.store.models import Heal, HealStatus
from testhub.stories import Story, find_story, load_stories
from testhub.triage import classify

_MAX_SOURCE_CHARS = 20_000
_PROGRESS_SECONDS = 2.0


class StoryItem(BaseModel):
    id: str
    title: str
    story: str
    tags: list[str]
    acceptance: list[str]


class StoryList(BaseModel):
    stories: list[StoryItem]


class GeneratedTest(BaseModel):
    story_id: str
    path: str
    engine: str
    steps: list[str] = Field(description="The plan: one intent a step")
    source: str
    truncated: bool


class RunResult(BaseModel):
    run_id: int | None
    exit_code: int = Field(description="0 all passed, 1 a test failed, 2 could not run")
    passed: int
    failed: int
    errors: int
    skipped: int
    duration_seconds: float
    problem: str | None
    failures: list[str] = Field(description="Failed tests: node id, class and explanation")


class TriagedFailure(BaseModel):
    nodeid: str
    outcome: str
    failure_class: str
    explanation: str
    evidence: list[str]
    message: str | None


class Triage(BaseModel):
    run_id: int
    failures: list[TriagedFailure]


class HealList(BaseModel):
    heals: list[HealEntry]


class AppliedHeal(BaseModel):
    heal_id: int
    test_file: str
    status: str
    patch: str


def test_roots(settings: HubSettings) -> list[Path]:
    """Where suites may be run from and heals applied to: generated and hand-written tests."""
    return [settings.generated_dir.resolve(), (PROJECT_ROOT / "tests").resolve()]


def inside_roots(path: Path, settings: HubSettings) -> Path:
    resolved = (path if path.is_absolute() else PROJECT_ROOT / path).resolve()
    if not any(resolved == root or resolved.is_relative_to(root) for root in test_roots(settings)):
        roots = ", ".join(str(root) for root in test_roots(settings))
        raise ValueError(f"{path} is outside the test directories ({roots})")
    return resolved


def _story_from_yaml(text: str) -> Story:
    try:
        raw = yaml.safe_load(text)
        return Story.model_validate(raw)
    except (yaml.YAMLError, ValidationError) as exc:
        raise ValueError(f"not a valid story: {str(exc)[:500]}") from exc


def register(tools: ToolRegistry) -> None:
    runtime = tools.runtime
    settings = runtime.settings

    @tools.tool(scope=Scope.READ, title="List user stories", read_only=True, open_world=False)
    async def stories_list(
        ctx: Context,
        tag: Annotated[
            str | None, Field(max_length=60, description="Only stories with this tag")
        ] = None,
        search: Annotated[
            str | None, Field(max_length=100, description="Words in the id, title or story")
        ] = None,
    ) -> StoryList:
        """The story library: id, title, the story sentence, tags and acceptance criteria."""
        items = []
        for _, story in await asyncio.to_thread(load_stories, settings.stories_dir):
            if tag and tag not in story.tags:
                continue
            haystack = f"{story.id} {story.title} {story.summary()}".lower()
            if search and not all(word in haystack for word in search.lower().split()):
                continue
            items.append(
                StoryItem(
                    id=story.id,
                    title=story.title,
                    story=story.summary(),
                    tags=list(story.tags),
                    acceptance=list(story.acceptance),
                )
            )
        return StoryList(stories=items)

    @tools.tool(scope=Scope.RUN, title="Generate a test for a story", open_world=False)
    async def tests_generate(
        ctx: Context,
        story: Annotated[
            str | None, Field(max_length=200, description="A story id from the library")
        ] = None,
        story_yaml: Annotated[
            str | None,
            Field(max_length=20_000, description="Or a whole story as YAML (same fields)"),
        ] = None,
        base_url: BaseUrl = None,
    ) -> GeneratedTest:
        """Turn a user story into a pytest-playwright test (role and test-id locators, business
        assertions) and write it to the generated tests directory. The intent grammar plans
        deterministically; with an LLM provider configured, stories outside the grammar get an
        LLM plan that is dry-run against the shop before any code is written."""
        if (story is None) == (story_yaml is None):
            raise ValueError("give either story (an id) or story_yaml")
        if story is not None:
            _, found = await asyncio.to_thread(find_story, story, settings.stories_dir)
        else:
            found = _story_from_yaml(story_yaml or "")
        try:
            plan = (
                None
                if settings.llm_provider is LlmProviderName.OFFLINE
                else await plan_with_settings(found, settings, base_url=runtime.base_url(base_url))
            )
            generated = await write_generated_async(found, settings.generated_dir, plan)
        except PlanError as exc:
            raise ValueError(f"no plan for {found.id}: {exc}") from exc
        source = generated.source
        return GeneratedTest(
            story_id=generated.story_id,
            path=str(generated.path),
            engine=generated.plan.engine,
            steps=[step.intent for step in generated.plan.steps],
            source=source[:_MAX_SOURCE_CHARS],
            truncated=len(source) > _MAX_SOURCE_CHARS,
        )

    @tools.tool(scope=Scope.RUN, title="Run tests against the shop", destructive=True)
    async def tests_run(
        ctx: Context,
        path: Annotated[
            str | None,
            Field(
                max_length=500,
                description="A test file or directory under the generated or tests/ directories; "
                "default: every generated test",
            ),
        ] = None,
        keyword: Annotated[
            str | None, Field(max_length=200, description="pytest -k expression")
        ] = None,
        base_url: BaseUrl = None,
    ) -> RunResult:
        """Run a suite with pytest and Playwright against the shop, record every test (outcome,
        duration, console errors, failed requests, screenshot and trace on failure), triage the
        failures and store the run. Sends progress notifications while it runs."""
        url = runtime.base_url(base_url)
        suite = inside_roots(Path(path), settings) if path else settings.generated_dir.resolve()
        args = ("-k", keyword) if keyword else ()
        task = asyncio.create_task(
            run_suite(
                suite, base_url=url, settings=settings, pytest_args=args, database=runtime.database
            )
        )
        started = time.monotonic()
        await ctx.report_progress(0, None, f"running {suite.name} against {url}")
        while True:
            done, _ = await asyncio.wait({task}, timeout=_PROGRESS_SECONDS)
            if done:
                break
            elapsed = time.monotonic() - started
            await ctx.report_progress(elapsed, None, f"running for {elapsed:.0f}s")
        outcome = task.result()
        counts = outcome.counts
        await ctx.report_progress(1, 1, f"finished with exit code {outcome.exit_code}")
        return RunResult(
            run_id=outcome.run_id,
            exit_code=outcome.exit_code,
            passed=counts.get("passed", 0),
            failed=counts.get("failed", 0),
            errors=counts.get("error", 0),
            skipped=counts.get("skipped", 0),
            duration_seconds=round(outcome.duration_seconds, 2),
            problem=outcome.problem,
            failures=[
                f"{result['nodeid']}: {result.get('failure_class', '?')} — "
                f"{result.get('triage_explanation', '')}"
                for result in outcome.results
                if result["outcome"] in ("failed", "error")
            ],
        )

    @tools.tool(
        scope=Scope.READ,
        title="Read a run report",
        name="run_report",
        read_only=True,
        open_world=False,
    )
    async def run_report_tool(
        ctx: Context,
        run_id: Annotated[int | None, Field(ge=1, description="Default: the latest run")] = None,
    ) -> RunReport:
        """A stored run: counts, duration, and every test with its outcome, failure message,
        triage, console errors, failed requests and artifacts (screenshot, trace)."""
        return await run_report(runtime.database, run_id)

    @tools.tool(scope=Scope.READ, title="Triage failures", read_only=True, open_world=False)
    async def failure_triage(
        ctx: Context,
        run_id: Annotated[int | None, Field(ge=1, description="Default: the latest run")] = None,
        test: Annotated[
            str | None, Field(max_length=500, description="Only tests whose id contains this")
        ] = None,
    ) -> Triage:
        """Why tests failed: locator drift, timing, test data, backend error, business-rule
        violation or environment, with the evidence and a one-line explanation."""
        report = await run_report(runtime.database, run_id)
        failures = []
        for result in report.tests:
            if result.outcome not in ("failed", "error"):
                continue
            if test and test not in result.nodeid:
                continue
            if result.failure_class:
                failure_class, explanation = result.failure_class, result.triage_explanation or ""
                evidence = result.triage_evidence
            else:
                triaged = classify(result.model_dump())
                failure_class = triaged.failure_class.value
                explanation, evidence = triaged.explanation, list(triaged.evidence)
            failures.append(
                TriagedFailure(
                    nodeid=result.nodeid,
                    outcome=result.outcome,
                    failure_class=failure_class,
                    explanation=explanation,
                    evidence=evidence[:20],
                    message=result.message,
                )
            )
        return Triage(run_id=report.run_id, failures=failures)

    @tools.tool(scope=Scope.READ, title="List heals", read_only=True, open_world=False)
    async def heals_list(
        ctx: Context,
        status: Literal["healed", "refused", "applied"] | None = None,
        limit: Annotated[int, Field(ge=1, le=200)] = 50,
    ) -> HealList:
        """The heal ledger: locators healed (with score, runner-up and a proposed patch) or
        refused (no unique candidate above the threshold), newest first."""
        return HealList(heals=await heal_ledger(runtime.database, status=status, limit=limit))

    @tools.tool(scope=Scope.ADMIN, title="Apply a heal to its test file", open_world=False)
    async def heal_apply(ctx: Context, heal_id: Annotated[int, Field(ge=1)]) -> AppliedHeal:
        """Write a healed locator into its test file (the proposed patch), if the file still
        matches the patch; the heal is then marked applied."""
        async with runtime.database.session() as session:
            heal = await session.get(Heal, heal_id)
            if heal is None:
                raise LookupError(f"no heal {heal_id}")
            if heal.status != HealStatus.HEALED or not heal.patch:
                raise ValueError(f"heal {heal_id} is {heal.status}; only healed ones have a patch")
            test_file = inside_roots(Path(heal.test_file), settings)
            source = await asyncio.to_thread(test_file.read_text, encoding="utf-8")
            try:
                patched = apply_unified_diff(source, heal.patch)
            except PatchMismatch as exc:
                raise ValueError(f"{test_file.name} changed since the heal: {exc}") from exc
            await asyncio.to_thread(test_file.write_text, patched, encoding="utf-8")
            heal.status = HealStatus.APPLIED
            entry = heal_entry(heal)
        return AppliedHeal(
            heal_id=entry.heal_id, test_file=str(test_file), status=entry.status, patch=heal.patch
        )
