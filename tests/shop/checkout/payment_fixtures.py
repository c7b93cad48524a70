"""Fixtures shared by the checkout and orders tests: the sandbox provider on its own loopback
port (real HTTP), a receiver for its webhooks, and app settings pointing at it (the lifespan
builds the gateways from them)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI

from shop.config import Settings
from shop.integrations.payments.sandbox import SandboxGateway
from tests.builders.accounts import use_fast_password_hashing
from tests.conftest import make_settings
from tests.fakes.stripe_server import ServerThread
from tests.fakes.webhook_receiver import (
    SANDBOX_TEST_SECRET,
    SandboxServer,
    WebhookReceiver,
    start_sandbox,
)

# tok_asyncCapture's capture comes this long after the authorization. Tests that act on the held
# payment first (cancel, void) must finish within it: on a loaded 2-core run, buying and
# cancelling took over 1.5 s once, so the capture overtook the cancel.
CAPTURE_DELAY = 3.0
DEAD_URL = "http://127.0.0.1:9"  # discard port: nothing listens, the connection is refused


@pytest.fixture(autouse=True)
def fast_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    use_fast_password_hashing(monkeypatch)


@pytest.fixture(scope="session")
def webhook_receiver() -> Iterator[tuple[WebhookReceiver, str]]:
    hook = WebhookReceiver()
    server = ServerThread(hook.app()).start()
    yield hook, f"{server.url}/hook"
    server.stop()


@pytest.fixture(scope="session")
def sandbox_server(
    webhook_receiver: tuple[WebhookReceiver, str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[SandboxServer]:
    hook, url = webhook_receiver
    # Long enough for a test to cancel (void) a held payment before the sandbox captures it.
    server, db_path = start_sandbox(
        tmp_path_factory.mktemp("sandbox"), url, capture_delay=CAPTURE_DELAY
    )
    yield SandboxServer(server.url, db_path, hook, capture_delay=CAPTURE_DELAY)
    server.stop()


@pytest.fixture
def app_settings(database_url: str, tmp_path: Path, sandbox_server: SandboxServer) -> Settings:
    # The tests run the reconciliation themselves: no in-process worker racing them.
    return make_settings(
        database_url,
        tmp_path / "var",
        sandbox_url=sandbox_server.url,
        sandbox_webhook_secret=SANDBOX_TEST_SECRET,
        worker_in_process=False,
    )


@pytest.fixture
def gateway(app: FastAPI) -> SandboxGateway:
    gateway: SandboxGateway = app.state.gateways["sandbox"]
    return gateway


@pytest.fixture
def provider_down(app: FastAPI) -> Iterator[None]:
    """The sandbox is unreachable until the test ends (or calls `provider_up`)."""
    working = app.state.gateways["sandbox"]
    app.state.gateways["sandbox"] = SandboxGateway(app.state.http, base_url=DEAD_URL, timeout=2)
    yield
    app.state.gateways["sandbox"] = working


def provider_up(app: FastAPI, sandbox_server: SandboxServer) -> None:
    app.state.gateways["sandbox"] = SandboxGateway(app.state.http, base_url=sandbox_server.url)
