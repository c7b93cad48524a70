"""Generate a test file for a story: plan (grammar, else the LLM), write, check it compiles."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path

from testhub import metrics
from testhub.generate.plan import Plan, PlanError, plan_offline
from testhub.generate.writer import write_test
from testhub.stories.schema import Story

CONFTEST = '''"""Fixtures of generated tests: testhub's pytest plugin, also under plain pytest."""

import pytest


def pytest_configure(config: pytest.Config) -> None:
    if not config.pluginmanager.has_plugin("testhub.run.plugin"):
        config.pluginmanager.import_plugin("testhub.run.plugin")
'''


@dataclass(frozen=True, slots=True)
class Generated:
    story_id: str
    path: Path
    plan: Plan
    source: str


def test_file_name(story: Story) -> str:
    return f"test_{story.id.replace('-', '_')}.py"


def render(story: Story, plan: Plan | None = None) -> tuple[Plan, str]:
    """The plan and the source; pure and deterministic for the offline engine."""
    plan = plan or plan_offline(story)
    source = write_test(story, plan)
    compile(source, test_file_name(story), "exec")  # a writer bug must never reach a file
    return plan, source


def write_generated(story: Story, out_dir: Path, plan: Plan | None = None) -> Generated:
    try:
        plan, source = render(story, plan)
    except (PlanError, SyntaxError):
        metrics.record_generation(plan.engine if plan else "offline", ok=False)
        raise
    out_dir.mkdir(parents=True, exist_ok=True)
    conftest = out_dir / "conftest.py"
    if not conftest.exists():
        conftest.write_text(CONFTEST, encoding="utf-8")
    path = out_dir / test_file_name(story)
    path.write_text(source, encoding="utf-8")
    metrics.record_generation(plan.engine, ok=True)
    return Generated(story.id, path, plan, source)


async def write_generated_async(story: Story, out_dir: Path, plan: Plan | None = None) -> Generated:
    return await asyncio.to_thread(write_generated, story, out_dir, plan)
