"""The `testhub` command."""

import typer

app = typer.Typer(help="Shopwright's AI testing hub.", no_args_is_help=True)


@app.callback()
def main() -> None:
    """Stories to tests, runs, heals, triage, analytics and the MCP server."""
