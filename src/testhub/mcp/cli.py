"""`testhub mcp` (the MCP server on stdio) and `testhub keys` (API keys for `/mcp` and the
dashboard)."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Coroutine
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, TypeVar

import typer

from testhub.config import settings_from_env
from testhub.mcp.keys.store import ApiKey, KeyNotFound, KeyStore
from testhub.mcp.scopes import UnknownScope, format_scopes, parse_scopes
from testhub.store.database import HubDatabase

T = TypeVar("T")
_DURATION = re.compile(r"^(\d{1,6})([mhdw])$")
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}

keys_app = typer.Typer(help="API keys for /mcp and the dashboard.", no_args_is_help=True)


def parse_duration(text: str) -> timedelta | None:
    """`30m`, `12h`, `90d`, `2w`, or `never`."""
    if text.strip().lower() == "never":
        return None
    match = _DURATION.fullmatch(text.strip().lower())
    if match is None or int(match.group(1)) == 0:
        raise typer.BadParameter(f"{text!r}: use a number and m, h, d or w (90d), or never")
    return timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})


def _run(coroutine: Coroutine[Any, Any, T], database: HubDatabase) -> T:
    async def main() -> T:
        try:
            return await coroutine
        finally:
            await database.dispose()

    return asyncio.run(main())


def _store() -> tuple[KeyStore, HubDatabase]:
    database = HubDatabase(settings_from_env().database_url)
    return KeyStore(database), database


def _when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC") if value else "never"


def _line(key: ApiKey, now: datetime) -> str:
    return (
        f"{key.id:<4} thk_{key.public_id}_…  {key.name:<24} {format_scopes(key.scopes):<15} "
        f"{key.state(now):<8} expires {_when(key.expires_at):<20} "
        f"last used {_when(key.last_used_at)}"
    )


@keys_app.command("create")
def create(
    name: Annotated[str, typer.Option(help="Who or what uses the key")],
    scopes: Annotated[str, typer.Option(help="Comma-separated: read, run, admin")] = "read",
    expires_in: Annotated[str, typer.Option(help="90d, 12h, 2w ... or never")] = "90d",
) -> None:
    """Create a key and print it once (only its hash is stored)."""
    try:
        granted = parse_scopes(scopes)
    except UnknownScope as exc:
        raise typer.BadParameter(str(exc), param_hint="--scopes") from exc
    store, database = _store()
    try:
        issued = _run(
            store.create(name=name, scopes=granted, expires_in=parse_duration(expires_in)), database
        )
    except ValueError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    typer.echo(issued.token)
    typer.echo(
        f"key {issued.key.id} ({issued.key.name}, {format_scopes(issued.key.scopes)}, expires "
        f"{_when(issued.key.expires_at)}): store it now, it is not shown again",
        err=True,
    )


@keys_app.command("list")
def list_keys() -> None:
    """Every key: id, prefix, name, scopes, state, expiry, last use (never the key itself)."""
    store, database = _store()
    now = datetime.now(UTC)
    for key in _run(store.list(), database):
        typer.echo(_line(key, now))


@keys_app.command("revoke")
def revoke(key: Annotated[str, typer.Argument(help="Key id or its 8-character public id")]) -> None:
    """Revoke a key now."""
    store, database = _store()
    try:
        revoked = _run(store.revoke(key), database)
    except KeyNotFound as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    typer.echo(f"revoked key {revoked.id} ({revoked.name})")


@keys_app.command("rotate")
def rotate(
    key: Annotated[str, typer.Argument(help="Key id or its 8-character public id")],
    grace: Annotated[
        str, typer.Option(help="How long the old key keeps working (0m: none)")
    ] = "0m",
) -> None:
    """Replace a key by a new one with the same name and scopes; print the new key once."""
    grace_period = timedelta(0) if grace.strip() in {"0", "0m"} else parse_duration(grace)
    store, database = _store()
    try:
        issued = _run(store.rotate(key, grace=grace_period or timedelta(0)), database)
    except (KeyNotFound, ValueError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    typer.echo(issued.token)
    typer.echo(f"key {issued.key.id} replaces key {issued.key.rotated_from_id}", err=True)


def mcp_command() -> None:
    """Run the MCP server on stdio (for Claude Desktop, Claude Code, VS Code ...)."""
    from testhub.mcp.runtime import McpRuntime
    from testhub.mcp.server import build_server

    runtime = McpRuntime.from_settings(settings_from_env())
    server, _ = build_server(runtime)

    async def main() -> None:
        try:
            await server.run_stdio_async()
        finally:
            await runtime.aclose()

    asyncio.run(main())
