"""The `shop` command: run, migrate, seed, create-admin, create-staff."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable
from typing import Annotated, TypeVar

import typer

from shop.config import get_settings
from shop.db.session import Database
from shop.errors import ShopError
from shop.main import AppRole
from shop.models.accounts import Role

app = typer.Typer(help="Shopwright: run and administer the shop.", no_args_is_help=True)
T = TypeVar("T")


def _fail(message: str) -> typer.Exit:
    typer.secho(f"error: {message}", fg=typer.colors.RED, err=True)
    return typer.Exit(code=2)


def _with_database(work: Callable[[Database], Awaitable[T]]) -> T:
    async def runner() -> T:
        database = Database(get_settings())
        try:
            return await work(database)
        finally:
            await database.dispose()

    try:
        return asyncio.run(runner())
    except ShopError as exc:
        raise _fail(exc.message) from exc


@app.command()
def run(
    host: Annotated[str, typer.Option(help="Interface to bind")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port")] = 8000,
    workers: Annotated[int, typer.Option(min=1, max=64, help="Worker processes")] = 1,
    role: Annotated[AppRole, typer.Option(help="all | api | web")] = AppRole.ALL,
    reload: Annotated[bool, typer.Option(help="Reload on code changes (development)")] = False,
) -> None:
    """Serve the shop over HTTP."""
    import uvicorn

    from shop.observability.process import prepare_server

    os.environ["SHOP_APP_ROLE"] = role.value
    settings = get_settings()  # fail fast on bad settings, before forking workers
    prepare_server(settings, host=host, workers=workers, reload=reload)
    uvicorn.run(
        "shop.main:app_from_environment",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        reload=reload,
        proxy_headers=True,
        # A busy machine can take longer than uvicorn's default 5 s to start a worker.
        timeout_worker_healthcheck=60,
        access_log=False,
        log_level="info",
        log_config=None,  # uvicorn's lines go through the shop's logging (JSON in production)
    )


@app.command()
def worker() -> None:
    """Run background work (emails, webhooks, cleanups) as its own process until SIGTERM."""
    from shop.catalog.read_cache import announce_catalog_changes
    from shop.jobs.runner import run_worker_process
    from shop.observability.process import prepare_worker

    prepare_worker(get_settings())
    run_worker_process(get_settings(), extensions=[announce_catalog_changes])


@app.command()
def migrate() -> None:
    """Apply database migrations up to the newest."""
    from shop.db.migrate import upgrade_to_head

    settings = get_settings()
    if settings.database_url.startswith("sqlite"):
        settings.var_dir.mkdir(parents=True, exist_ok=True)
    upgrade_to_head(settings.database_url)
    typer.echo("database is at the newest migration")


@app.command()
def seed(
    demo: Annotated[
        bool, typer.Option("--demo", help="Deterministic demo catalog and users")
    ] = False,
    scale: Annotated[
        int | None, typer.Option(min=1, max=50_000, help="Generate N products")
    ] = None,
    if_empty: Annotated[
        bool, typer.Option("--if-empty", help="Only when there are no products")
    ] = False,
) -> None:
    """Fill the database with demo data (--demo) or N generated products (--scale N)."""
    from shop.seed import demo as demo_seed
    from shop.seed import scale as scale_seed

    if demo == (scale is not None):
        raise _fail("give exactly one of --demo or --scale N")
    settings = get_settings()
    if settings.is_production:
        # The demo accounts have published passwords.
        raise _fail("seeding is refused when SHOP_ENV=production")

    async def work(database: Database) -> str:
        if if_empty and not await demo_seed.catalog_is_empty(database):
            return "the catalog already has products; nothing seeded"
        if demo:
            report = await demo_seed.seed_demo(database, media_dir=settings.media_dir)
            return str(report)
        created = await scale_seed.seed_scale(database, scale or 0, media_dir=settings.media_dir)
        return f"created {created} products"

    typer.echo(_with_database(work))


@app.command("create-admin")
def create_admin(
    email: Annotated[str, typer.Option(help="Email address of the admin")],
    password: Annotated[str, typer.Option(help="Password (see the password rules)")],
) -> None:
    """Create an admin, or make an existing user admin with this password."""
    from shop.staff import service as staff_service

    async def work(database: Database) -> str:
        async with database.transaction() as session:
            user, _ = await staff_service.create_staff(
                session, None, email=email, role=Role.ADMIN, password=password, upsert=True
            )
            return f"admin {user.email} (id {user.id}) is ready"

    typer.echo(_with_database(work))


@app.command("create-staff")
def create_staff(
    email: Annotated[str, typer.Option(help="Email address")],
    role: Annotated[Role, typer.Option(help="support | manager | admin")],
    password: Annotated[str | None, typer.Option(help="Password; generated if omitted")] = None,
) -> None:
    """Create a staff member. Prints a generated password once if none was given."""
    from shop.staff import service as staff_service

    if role is Role.CUSTOMER:
        raise _fail("staff roles are support, manager and admin")

    async def work(database: Database) -> str:
        async with database.transaction() as session:
            user, generated = await staff_service.create_staff(
                session, None, email=email, role=role, password=password
            )
            line = f"{role.value} {user.email} (id {user.id}) created"
            return f"{line}; password: {generated}" if generated else line

    typer.echo(_with_database(work))


if __name__ == "__main__":
    app()
