"""Planning with an LLM for stories outside the grammar.

The grammar plans first. Only when sentences fall outside it, and a provider other than
`offline` is configured, the provider proposes a plan; the hub then validates it
(`plan_from_json`: known intents, string arguments, checks after their actions), lets the code
writer refuse what it cannot write, and dry-runs it against the live shop. A refusal goes back
to the provider as feedback, up to `attempts` proposals. No code is written from a plan that did
not pass all three.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from playwright.async_api import Error as PlaywrightError

from testhub.config import HubSettings, LlmProviderName
from testhub.generate.dry_run import DryRunReport, dry_run_with_settings
from testhub.generate.plan import Plan, PlanError, plan_offline
from testhub.generate.writer import write_test
from testhub.providers.factory import provider_from_settings
from testhub.providers.port import Provider
from testhub.stories.schema import Story

DryRunner = Callable[[Plan, Story], Awaitable[DryRunReport]]


async def plan_story(
    story: Story, provider: Provider, *, dry_run: DryRunner, attempts: int = 2
) -> Plan:
    try:
        return plan_offline(story)
    except PlanError as error:
        if provider.name == LlmProviderName.OFFLINE or not error.unmatched:
            raise
        unmatched = error.unmatched
    feedback: str | None = None
    for _ in range(attempts):
        try:
            plan = await provider.propose_plan(story, unmatched=unmatched, feedback=feedback)
            write_test(story, plan)  # the writer refuses plans lacking the data they need
        except PlanError as error:
            feedback = str(error)
            continue
        report = await dry_run(plan, story)
        if report.ok:
            return plan
        feedback = "The dry run against the shop failed:\n" + report.render()
    raise PlanError(
        f"story {story.id}: {provider.name} proposed no usable plan in {attempts} attempt(s); "
        f"last refusal: {feedback}",
        unmatched=unmatched,
    )


async def plan_with_settings(
    story: Story, settings: HubSettings, *, base_url: str | None = None
) -> Plan:
    """The configured provider's plan, dry-run in the configured Chromium against the shop."""

    async def dry_run(plan: Plan, story: Story) -> DryRunReport:
        try:
            return await dry_run_with_settings(plan, story, settings, base_url=base_url)
        except PlaywrightError as error:
            raise PlanError(
                f"story {story.id}: cannot dry-run the plan: {str(error).splitlines()[0]}"
            ) from error

    return await plan_story(story, provider_from_settings(settings), dry_run=dry_run)


def plan_for(story: Story, settings: HubSettings) -> Plan | None:
    """For the CLI: None offline (the writer plans with the grammar), else the checked plan."""
    if settings.llm_provider is LlmProviderName.OFFLINE:
        return None
    return asyncio.run(plan_with_settings(story, settings))
