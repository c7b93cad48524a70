"""Fixtures of the provider tests: one fake server per wire format (session-wide, reset per
test) and settings that point every provider at them."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any, Protocol

import pytest

from testhub.config import HubSettings
from tests.fakes.stripe_server import ServerThread
from tests.testhub.fakes.llm_servers import FakeLlm, build_app

PROVIDERS = ("openai", "anthropic", "ollama", "lmstudio")
OPENAI_KEY = "sk-test-openai-0123456789abcdefghij"
ANTHROPIC_KEY = "sk-ant-test-0123456789abcdefghij"
LMSTUDIO_KEY = "lm-studio-local-key-42"


@pytest.fixture(scope="session")
def llm_servers() -> Iterator[dict[str, FakeLlm]]:
    kinds = {"openai": "openai", "anthropic": "anthropic", "ollama": "ollama", "lmstudio": "openai"}
    fakes: dict[str, FakeLlm] = {}
    servers: list[ServerThread] = []
    for provider, kind in kinds.items():
        fake = FakeLlm(kind)
        server = ServerThread(build_app(fake)).start()
        fake.url = server.url
        fakes[provider] = fake
        servers.append(server)
    yield fakes
    for server in servers:
        server.stop()


@pytest.fixture
def fakes(llm_servers: dict[str, FakeLlm]) -> dict[str, FakeLlm]:
    for fake in llm_servers.values():
        fake.reset()
    return llm_servers


class SettingsFactory(Protocol):
    def __call__(self, provider: str, **overrides: Any) -> HubSettings: ...


@pytest.fixture
def provider_settings(fakes: dict[str, FakeLlm], tmp_path: Path) -> SettingsFactory:
    def make(provider: str, **overrides: Any) -> HubSettings:
        values: dict[str, Any] = {
            "llm_provider": provider,
            "openai_base_url": f"{fakes['openai'].url}/v1",
            "anthropic_base_url": fakes["anthropic"].url,
            "ollama_base_url": fakes["ollama"].url,
            "lmstudio_base_url": f"{fakes['lmstudio'].url}/v1",
            "openai_api_key": OPENAI_KEY,
            "anthropic_api_key": ANTHROPIC_KEY,
            "lmstudio_api_key": LMSTUDIO_KEY,
            "llm_retries": 2,
            "llm_backoff_seconds": 0.01,
            "llm_timeout_seconds": 5,
            "database_url": f"sqlite+aiosqlite:///{tmp_path / 'hub.db'}",
            "var_dir": tmp_path / "var",
            "browser_executable": "/usr/bin/chromium",
        }
        values.update(overrides)
        return HubSettings(**values, _env_file=None)  # type: ignore[call-arg]

    return make
