"""Keys from `TESTHUB_<PROVIDER>_API_KEY_FILE` are read again when the file changes: a rotated
key is used by the very next call, without a restart, and is masked in prompts too."""

from __future__ import annotations

from pathlib import Path

import pytest

from testhub.providers import ChatMessage, ProviderError, client_from_settings
from tests.testhub.fakes.llm_servers import FakeLlm
from tests.testhub.providers.conftest import SettingsFactory


def _key_sent(fake: FakeLlm) -> str:
    headers = fake.received[-1].headers
    return headers.get("x-api-key") or headers["authorization"].removeprefix("Bearer ")


@pytest.mark.parametrize("provider", ["openai", "anthropic", "lmstudio"])
async def test_a_rotated_key_file_is_used_without_restart(
    provider: str, fakes: dict[str, FakeLlm], provider_settings: SettingsFactory, tmp_path: Path
) -> None:
    key_file = tmp_path / f"{provider}.key"
    key_file.write_text("first-key-0001\n")
    settings = provider_settings(provider, **{f"{provider}_api_key_file": key_file})
    client = client_from_settings(settings)

    await client.chat([ChatMessage("user", "one")], purpose="test")
    key_file.write_text("rotated-key-000002\n")
    await client.chat([ChatMessage("user", "my key is rotated-key-000002")], purpose="test")

    first, second = fakes[provider].received
    assert _key_sent(fakes[provider]) == "rotated-key-000002"
    assert b"first-key-0001" not in second.body
    assert b"rotated-key-000002" not in second.body  # the new key is a known secret at once
    assert "first-key-0001" in str(first.headers)


async def test_an_unreadable_key_file_is_a_clear_error(
    fakes: dict[str, FakeLlm], provider_settings: SettingsFactory, tmp_path: Path
) -> None:
    settings = provider_settings("openai", openai_api_key_file=tmp_path / "missing.key")

    with pytest.raises(ProviderError, match="cannot read TESTHUB_OPENAI_API_KEY_FILE"):
        await client_from_settings(settings).chat([ChatMessage("user", "x")], purpose="test")

    assert fakes["openai"].received == []
