"""Resources: the shop's OpenAPI document, the story library, the latest run reports and the
heal ledger. Every text leaves through the same secret redaction as tool results."""

from __future__ import annotations

import json
from typing import Any

import yaml
from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ResourceError

from testhub.mcp.redaction import redact, redact_text
from testhub.mcp.reports import heal_ledger, recent_runs, run_report
from testhub.mcp.runtime import McpRuntime
from testhub.mcp.shop_client import ShopUnavailable
from testhub.stories import StoryError, find_story, load_stories


def _json(value: Any) -> str:
    return json.dumps(redact(value), indent=2, default=str)


def register(server: MCPServer[Any], runtime: McpRuntime) -> None:
    settings = runtime.settings

    @server.resource(
        "shop://openapi",
        name="shop-openapi",
        title="The shop's OpenAPI document",
        description="Every JSON API route of the shop under test (TESTHUB_BASE_URL)",
        mime_type="application/json",
    )
    async def shop_openapi() -> str:
        try:
            async with runtime.shop(runtime.base_url(None)) as shop:
                return _json(await shop.openapi())
        except ShopUnavailable as exc:
            raise ResourceError(str(exc)) from exc

    @server.resource(
        "testhub://stories",
        name="stories",
        title="The story library",
        description="Every user story: id, title, the story sentence and its tags",
        mime_type="application/json",
    )
    def stories() -> str:
        try:
            library = load_stories(settings.stories_dir)
        except StoryError as exc:
            raise ResourceError(str(exc)) from exc
        return _json(
            [
                {"id": story.id, "title": story.title, "story": story.summary(), "tags": story.tags}
                for _, story in library
            ]
        )

    @server.resource(
        "testhub://stories/{story_id}",
        name="story",
        title="One user story",
        description="A story file as YAML: acceptance criteria and data",
        mime_type="application/yaml",
    )
    def story(story_id: str) -> str:
        try:
            _, found = find_story(story_id, settings.stories_dir)
        except StoryError as exc:
            raise ResourceError(str(exc)) from exc
        return redact_text(yaml.safe_dump(found.model_dump(mode="json"), sort_keys=False))

    @server.resource(
        "testhub://runs/latest",
        name="latest-runs",
        title="The latest test runs",
        description="The ten latest runs with their counts, and the newest run's tests",
        mime_type="application/json",
    )
    async def latest_runs() -> str:
        runs = await recent_runs(runtime.database, limit=10)
        latest = await run_report(runtime.database, None) if runs else None
        return _json(
            {
                "runs": [run.model_dump(mode="json") for run in runs],
                "latest": latest.model_dump(mode="json") if latest else None,
            }
        )

    @server.resource(
        "testhub://runs/{run_id}",
        name="run",
        title="One run report",
        mime_type="application/json",
    )
    async def run(run_id: str) -> str:
        if not run_id.isdigit():
            raise ResourceError(f"a run id is a number, not {run_id!r}")
        try:
            report = await run_report(runtime.database, int(run_id))
        except LookupError as exc:
            raise ResourceError(str(exc)) from exc
        return _json(report.model_dump(mode="json"))

    @server.resource(
        "testhub://heals",
        name="heal-ledger",
        title="The heal ledger",
        description="Healed and refused locators, newest first, with scores and proposed patches",
        mime_type="application/json",
    )
    async def heals() -> str:
        ledger = await heal_ledger(runtime.database, limit=100)
        return _json([entry.model_dump(mode="json") for entry in ledger])
