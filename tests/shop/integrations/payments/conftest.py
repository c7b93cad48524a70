"""Real servers on loopback, started once per xdist worker: the sandbox provider with a webhook
receiver, and the fake Stripe API."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import httpx
import pytest

from shop.integrations.payments.sandbox import SandboxGateway
from shop.integrations.payments.stripe import StripeGateway
from tests.fakes.stripe_server import FakeStripe, ServerThread
from tests.fakes.webhook_receiver import SandboxServer, WebhookReceiver, start_sandbox

STRIPE_TEST_KEY = "sk_test_shopwright"


@pytest.fixture(scope="session")
def receiver() -> Iterator[tuple[WebhookReceiver, str]]:
    hook = WebhookReceiver()
    server = ServerThread(hook.app()).start()
    yield hook, f"{server.url}/hook"
    server.stop()


@pytest.fixture(scope="session")
def sandbox_server(
    receiver: tuple[WebhookReceiver, str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[SandboxServer]:
    hook, url = receiver
    server, db_path = start_sandbox(tmp_path_factory.mktemp("sandbox"), url)
    yield SandboxServer(server.url, db_path, hook, capture_delay=0.3)
    server.stop()


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient() as client:
        yield client


@pytest.fixture
def sandbox(sandbox_server: SandboxServer, http: httpx.AsyncClient) -> SandboxGateway:
    return SandboxGateway(http, base_url=sandbox_server.url)


@pytest.fixture(scope="session")
def fake_stripe() -> Iterator[tuple[FakeStripe, str]]:
    fake = FakeStripe()
    server = ServerThread(fake.app()).start()
    yield fake, server.url
    server.stop()


@pytest.fixture
def stripe_gateway(fake_stripe: tuple[FakeStripe, str], http: httpx.AsyncClient) -> StripeGateway:
    _, url = fake_stripe
    return StripeGateway(http, api_key=STRIPE_TEST_KEY, api_base=url, max_network_retries=0)
