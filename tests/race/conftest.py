"""A real shop (`shop run`, 2 worker processes) per backend, with the sandbox provider on its
own loopback port, for concurrency tests through HTTP. Data is arranged and checked directly
in the shop's database."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from shop.config import PROJECT_ROOT
from shop.db.session import Database
from tests.conftest import BACKENDS, make_settings
from tests.databases import PostgresTemplate, SqliteTemplate
from tests.fakes.stripe_server import ServerThread
from tests.fakes.webhook_receiver import (
    SANDBOX_TEST_SECRET,
    SandboxServer,
    WebhookReceiver,
    start_sandbox,
)
from tests.live import LiveShop, free_port, shop_env

WORKERS = 2
# `shop run` keeps uvicorn's 5 s worker health check; a loaded CI machine needs longer to start a
# worker process, so the race shop is started by uvicorn with the same app factory directly.
HEALTHCHECK_SECONDS = 60
STARTUP_SECONDS = 90


@dataclass(frozen=True)
class RaceShop:
    live: LiveShop
    sandbox: SandboxServer

    @property
    def url(self) -> str:
        return self.live.base_url


@pytest.fixture(scope="session")
def race_sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxServer]:
    # Its own deliveries go to a receiver: the tests deliver webhooks to the shop themselves.
    hook = WebhookReceiver()
    receiver = ServerThread(hook.app()).start()
    server, db_path = start_sandbox(
        tmp_path_factory.mktemp("race_sandbox"), f"{receiver.url}/hook", capture_delay=30
    )
    yield SandboxServer(server.url, db_path, hook, capture_delay=30)
    server.stop()
    receiver.stop()


@pytest.fixture(scope="session", params=BACKENDS)
def race_shop(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    race_sandbox: SandboxServer,
) -> Iterator[RaceShop]:
    template: SqliteTemplate | PostgresTemplate = request.getfixturevalue(
        f"{request.param}_template"
    )
    url = template.clone()
    live = start_race_shop(
        url,
        tmp_path_factory.mktemp(f"race_{request.param}"),
        SHOP_SANDBOX_URL=race_sandbox.url,
        SHOP_SANDBOX_WEBHOOK_SECRET=SANDBOX_TEST_SECRET,
        SHOP_WORKER_IN_PROCESS="false",
    )
    yield RaceShop(live, race_sandbox)
    live.stop()
    template.drop(url)


@pytest.fixture
async def shop_database(race_shop: RaceShop, tmp_path: Path) -> AsyncIterator[Database]:
    """The live shop's database, opened from the test to arrange data and check the outcome."""
    database = Database(make_settings(race_shop.live.database_url, tmp_path / "var"))
    yield database
    await database.dispose()


def start_race_shop(database_url: str, var_dir: Path, **extra: str) -> LiveShop:
    env = shop_env(database_url, var_dir, SHOP_APP_ROLE="api", **extra)
    port = free_port()
    log_path = var_dir / "shop.log"
    command = [
        sys.executable, "-m", "uvicorn", "shop.main:app_from_environment", "--factory",
        "--host", "127.0.0.1", "--port", str(port), "--workers", str(WORKERS),
        "--timeout-worker-healthcheck", str(HEALTHCHECK_SECONDS), "--no-access-log",
    ]  # fmt: skip
    with log_path.open("wb") as log:
        process = subprocess.Popen(  # noqa: S603 (our own command)
            command, env=env, cwd=PROJECT_ROOT, stdout=log, stderr=subprocess.STDOUT
        )
    shop = LiveShop(f"http://127.0.0.1:{port}", database_url, var_dir, process, env)
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the shop exited:\n{log_path.read_text(errors='replace')}")
        try:
            if httpx.get(f"{shop.base_url}/readyz", timeout=1).status_code == 200:
                return shop
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    shop.stop()
    raise RuntimeError(f"the shop was not ready in time:\n{log_path.read_text(errors='replace')}")
