"""Each adapter against a local server speaking its wire format: the request it sends, the
answer it reads, retries on 429 and 5xx, timeouts, and the accounting of every attempt."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from testhub import metrics
from testhub.providers import ChatMessage, ProviderError, client_from_settings
from testhub.store.database import HubDatabase
from testhub.store.models import LlmCall
from tests.testhub.fakes.llm_servers import FakeLlm, Reply
from tests.testhub.providers.conftest import (
    ANTHROPIC_KEY,
    LMSTUDIO_KEY,
    OPENAI_KEY,
    PROVIDERS,
    SettingsFactory,
)

MESSAGES = [ChatMessage("system", "Answer briefly."), ChatMessage("user", "Say ok.")]


async def _stored_calls(database_url: str) -> list[LlmCall]:
    database = HubDatabase(database_url)
    try:
        async with database.session() as session:
            return list((await session.scalars(select(LlmCall).order_by(LlmCall.id))).all())
    finally:
        await database.dispose()


def _metric(provider: str, result: str) -> float:
    value = metrics.REGISTRY.get_sample_value(
        "testhub_llm_calls_total", {"provider": provider, "result": result}
    )
    return value or 0.0


class TestWireFormat:
    async def test_openai_sends_chat_completions_with_the_bearer_key(
        self, fakes: dict[str, FakeLlm], provider_settings: SettingsFactory
    ) -> None:
        client = client_from_settings(provider_settings("openai", llm_model="gpt-4o-mini"))

        completion = await client.chat(MESSAGES, purpose="test")

        [request] = fakes["openai"].received
        assert request.path == "/v1/chat/completions"
        assert request.headers["authorization"] == f"Bearer {OPENAI_KEY}"
        assert request.json["model"] == "gpt-4o-mini"
        assert request.json["messages"] == [
            {"role": "system", "content": "Answer briefly."},
            {"role": "user", "content": "Say ok."},
        ]
        assert request.json["max_completion_tokens"] == 1024
        assert completion.text == "ok"

    async def test_anthropic_sends_messages_with_the_system_prompt_beside_them(
        self, fakes: dict[str, FakeLlm], provider_settings: SettingsFactory
    ) -> None:
        client = client_from_settings(provider_settings("anthropic"))

        completion = await client.chat(MESSAGES, purpose="test")

        [request] = fakes["anthropic"].received
        assert request.path == "/v1/messages"
        # The SDK sends the key as `x-api-key` (classic) or as a bearer token (newer releases).
        assert ANTHROPIC_KEY in {
            request.headers.get("x-api-key"),
            request.headers.get("authorization", "").removeprefix("Bearer "),
        }
        assert request.headers["anthropic-version"]
        assert request.json["model"] == "claude-haiku-4-5"
        assert request.json["system"] == "Answer briefly."
        assert request.json["messages"] == [{"role": "user", "content": "Say ok."}]
        assert request.json["max_tokens"] == 1024
        assert completion.text == "ok"

    async def test_ollama_posts_a_non_streaming_chat(
        self, fakes: dict[str, FakeLlm], provider_settings: SettingsFactory
    ) -> None:
        client = client_from_settings(provider_settings("ollama", llm_model="qwen2.5:7b"))

        completion = await client.chat(MESSAGES, purpose="test")

        [request] = fakes["ollama"].received
        assert request.path == "/api/chat"
        assert request.json["model"] == "qwen2.5:7b"
        assert request.json["stream"] is False
        assert request.json["options"]["num_predict"] == 1024
        assert [m["role"] for m in request.json["messages"]] == ["system", "user"]
        assert completion.text == "ok"

    async def test_lmstudio_speaks_openai_at_its_own_base_url(
        self, fakes: dict[str, FakeLlm], provider_settings: SettingsFactory
    ) -> None:
        client = client_from_settings(provider_settings("lmstudio"))

        completion = await client.chat(MESSAGES, purpose="test")

        [request] = fakes["lmstudio"].received
        assert request.path == "/v1/chat/completions"
        assert request.headers["authorization"] == f"Bearer {LMSTUDIO_KEY}"
        assert request.json["model"] == "local-model"
        assert request.json["max_tokens"] == 1024
        assert request.json["temperature"] == 0
        assert fakes["openai"].received == []
        assert completion.text == "ok"

    async def test_lmstudio_needs_no_key(
        self, fakes: dict[str, FakeLlm], provider_settings: SettingsFactory
    ) -> None:
        client = client_from_settings(provider_settings("lmstudio", lmstudio_api_key=None))

        assert (await client.chat(MESSAGES, purpose="test")).text == "ok"

    @pytest.mark.parametrize("provider", ["openai", "anthropic"])
    async def test_a_missing_key_is_a_clear_error_before_any_request(
        self, provider: str, fakes: dict[str, FakeLlm], provider_settings: SettingsFactory
    ) -> None:
        settings = provider_settings(provider, **{f"{provider}_api_key": None})

        with pytest.raises(ProviderError, match=f"TESTHUB_{provider.upper()}_API_KEY"):
            await client_from_settings(settings).chat(MESSAGES, purpose="test")

        assert fakes[provider].received == []


class TestAccounting:
    @pytest.mark.parametrize(
        ("provider", "model", "cost"),
        [
            ("openai", "gpt-4o-mini", (1000 * 0.15 + 500 * 0.60) / 1e6),
            ("anthropic", "claude-haiku-4-5", (1000 * 1.00 + 500 * 5.00) / 1e6),
            ("ollama", "llama3.1", 0.0),
            ("lmstudio", "local-model", 0.0),
        ],
    )
    async def test_tokens_and_estimated_cost_are_stored_and_counted(
        self,
        provider: str,
        model: str,
        cost: float,
        fakes: dict[str, FakeLlm],
        provider_settings: SettingsFactory,
        hub_database: HubDatabase,
    ) -> None:
        fakes[provider].script(Reply("ok", input_tokens=1000, output_tokens=500))
        settings = provider_settings(provider, database_url=hub_database.url, llm_model=model)
        tokens_before = metrics.REGISTRY.get_sample_value(
            "testhub_llm_tokens_total", {"provider": provider, "direction": "input"}
        )
        ok_before = _metric(provider, "ok")

        completion = await client_from_settings(settings).chat(MESSAGES, purpose="plan")

        [call] = await _stored_calls(hub_database.url)
        assert (completion.input_tokens, completion.output_tokens) == (1000, 500)
        assert (call.provider, call.model, call.purpose, call.ok) == (provider, model, "plan", True)
        assert (call.input_tokens, call.output_tokens) == (1000, 500)
        assert call.cost_usd == pytest.approx(cost)
        assert call.error is None
        assert _metric(provider, "ok") == ok_before + 1
        tokens_after = metrics.REGISTRY.get_sample_value(
            "testhub_llm_tokens_total", {"provider": provider, "direction": "input"}
        )
        assert tokens_after == (tokens_before or 0) + 1000


class TestRetries:
    @pytest.mark.parametrize("provider", PROVIDERS)
    async def test_a_429_is_retried_honouring_retry_after(
        self, provider: str, fakes: dict[str, FakeLlm], provider_settings: SettingsFactory
    ) -> None:
        fakes[provider].script(Reply(status=429, headers={"retry-after": "0"}), Reply("second"))
        settings = provider_settings(provider)
        failed_before = _metric(provider, "failed")

        completion = await client_from_settings(settings).chat(MESSAGES, purpose="test")

        assert completion.text == "second"
        assert len(fakes[provider].received) == 2
        calls = await _stored_calls(settings.database_url)
        assert [c.ok for c in calls] == [False, True]
        assert "HTTP 429" in (calls[0].error or "")
        assert _metric(provider, "failed") == failed_before + 1

    @pytest.mark.parametrize("provider", PROVIDERS)
    async def test_server_errors_are_retried_with_backoff(
        self, provider: str, fakes: dict[str, FakeLlm], provider_settings: SettingsFactory
    ) -> None:
        fakes[provider].script(Reply(status=500), Reply(status=503), Reply("third"))
        delays: list[float] = []
        client = client_from_settings(provider_settings(provider, llm_backoff_seconds=0.02))

        async def record(seconds: float) -> None:
            delays.append(seconds)

        client.sleep = record
        completion = await client.chat(MESSAGES, purpose="test")

        assert completion.text == "third"
        assert len(fakes[provider].received) == 3
        # Exponential backoff with up to 25 % jitter: 0.02 then 0.04.
        assert 0.02 <= delays[0] <= 0.025
        assert 0.04 <= delays[1] <= 0.05

    @pytest.mark.parametrize("provider", PROVIDERS)
    async def test_retries_end_in_a_clear_error(
        self, provider: str, fakes: dict[str, FakeLlm], provider_settings: SettingsFactory
    ) -> None:
        fakes[provider].script(*[Reply(status=500)] * 3)
        settings = provider_settings(provider, llm_retries=2)

        with pytest.raises(ProviderError, match=r"HTTP 500.*\(after 3 attempts\)"):
            await client_from_settings(settings).chat(MESSAGES, purpose="test")

        assert len(fakes[provider].received) == 3
        assert [c.ok for c in await _stored_calls(settings.database_url)] == [False] * 3

    @pytest.mark.parametrize("provider", ["openai", "anthropic"])
    async def test_a_rejected_key_is_not_retried(
        self, provider: str, fakes: dict[str, FakeLlm], provider_settings: SettingsFactory
    ) -> None:
        fakes[provider].script(Reply(status=401))

        with pytest.raises(ProviderError, match="HTTP 401 \\(the API key was rejected\\)"):
            await client_from_settings(provider_settings(provider)).chat(MESSAGES, purpose="t")

        assert len(fakes[provider].received) == 1


class TestTimeouts:
    @pytest.mark.parametrize("provider", PROVIDERS)
    async def test_a_slow_server_times_out_with_a_clear_error(
        self, provider: str, fakes: dict[str, FakeLlm], provider_settings: SettingsFactory
    ) -> None:
        fakes[provider].script(Reply("late", delay_seconds=3), Reply("late", delay_seconds=3))
        settings = provider_settings(provider, llm_timeout_seconds=0.3, llm_retries=1)

        with pytest.raises(ProviderError) as raised:
            await client_from_settings(settings).chat(MESSAGES, purpose="test")

        message = str(raised.value)
        assert f"{provider}: no answer from http://127.0.0.1:" in message
        assert "within 0.3 s (after 2 attempts)" in message
        # Counted on the client: on a busy machine the second request may not even have
        # reached the server before its time was up.
        calls = await _stored_calls(settings.database_url)
        assert [(c.ok, "no answer" in (c.error or "")) for c in calls] == [(False, True)] * 2
        assert fakes[provider].received

    async def test_an_unreachable_server_is_named(self, provider_settings: SettingsFactory) -> None:
        settings = provider_settings("ollama", ollama_base_url="http://127.0.0.1:9", llm_retries=0)

        with pytest.raises(ProviderError, match="ollama: cannot reach http://127.0.0.1:9"):
            await client_from_settings(settings).chat(MESSAGES, purpose="test")
