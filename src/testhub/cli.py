"""The `testhub` command."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError

from testhub.config import HubSettings, is_loopback_host, settings_from_env
from testhub.generate.assisted import plan_for
from testhub.generate.engine import write_generated
from testhub.generate.plan import PlanError
from testhub.mcp.cli import keys_app, mcp_command
from testhub.providers.base import ProviderError
from testhub.run.runner import EXIT_USAGE, run_suite
from testhub.stories import StoryError, find_story, load_stories

app = typer.Typer(help="Shopwright's AI testing hub.", no_args_is_help=True)
# The MCP server on stdio and the API keys of /mcp and the dashboard (testhub.mcp).
app.add_typer(keys_app, name="keys")
app.command("mcp")(mcp_command)


@app.callback()
def main() -> None:
    """Stories to tests, runs, heals, triage, analytics and the MCP server."""


@app.command()
def stories(
    directory: Annotated[Path | None, typer.Option(help="Story library")] = None,
) -> None:
    """Print every story of the library, one per line, its id first."""
    settings = HubSettings()
    try:
        found = load_stories(directory or settings.stories_dir)
    except StoryError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(EXIT_USAGE) from error
    for _, story in found:
        typer.echo(f"{story.id}\t{story.title}")


@app.command()
def generate(
    story: Annotated[str, typer.Argument(help="A story id from the library or a story file")],
    out: Annotated[Path | None, typer.Option("-o", "--out", help="Output directory")] = None,
) -> None:
    """Write a pytest-playwright test for a story (tests/generated/test_<id>.py)."""
    settings = HubSettings()
    try:
        _, found = find_story(story, settings.stories_dir)
        # Outside the grammar, a configured LLM proposes the plan (validated and dry-run).
        plan = plan_for(found, settings)
        generated = write_generated(found, out or settings.generated_dir, plan)
    except (StoryError, PlanError, ProviderError) as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(EXIT_USAGE) from error
    typer.echo(str(generated.path))


@app.command()
def run(
    path: Annotated[Path, typer.Argument(help="A test file or directory")] = Path(
        "tests/generated"
    ),
    base_url: Annotated[str | None, typer.Option("--base-url", help="The shop to test")] = None,
    junit: Annotated[Path | None, typer.Option("--junit", help="Write JUnit XML here")] = None,
    workers: Annotated[
        int, typer.Option("--workers", "-n", min=1, help="Parallel test processes (xdist)")
    ] = 1,
) -> None:
    """Run a suite against a shop; exit 0 when all pass, 1 when any fail, 2 on usage errors."""
    settings = HubSettings()
    outcome = asyncio.run(
        run_suite(
            path,
            base_url=base_url or settings.base_url,
            settings=settings,
            junit=junit,
            workers=workers,
        )
    )
    if outcome.problem:
        typer.echo(f"error: {outcome.problem}", err=True)
        raise typer.Exit(outcome.exit_code)
    for result in outcome.results:
        line = f"{result['outcome']:<8} {result['nodeid']} ({result['duration']:.2f}s)"
        if result.get("failure_class"):
            line += f"  [{result['failure_class']}] {result['triage_explanation']}"
        typer.echo(line)
    counts = ", ".join(f"{count} {name}" for name, count in outcome.counts.items() if count)
    typer.echo(f"run {outcome.run_id}: {counts} in {outcome.duration_seconds:.1f}s")
    raise typer.Exit(outcome.exit_code)


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Address to bind [TESTHUB_HOST]")] = None,
    port: Annotated[
        int | None, typer.Option(min=1, max=65535, help="Port to listen on [TESTHUB_PORT]")
    ] = None,
) -> None:
    """Serve the dashboard, /metrics and /mcp (default http://127.0.0.1:8001)."""
    import uvicorn

    from testhub.web.app import create_hub_app

    overrides = {name: value for name, value in (("host", host), ("port", port)) if value}
    try:
        settings = settings_from_env(**overrides)
    except ValidationError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(EXIT_USAGE) from error
    if not is_loopback_host(settings.host) or settings.env != "development":
        typer.echo("the dashboard asks for an API key here (testhub keys create)", err=True)
    typer.echo(f"Testing hub: http://{settings.host}:{settings.port}", err=True)
    uvicorn.run(
        create_hub_app(settings),
        host=settings.host,
        port=settings.port,
        log_level="info",
        access_log=False,
    )
