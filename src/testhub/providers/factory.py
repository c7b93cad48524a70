"""The configured provider (`TESTHUB_LLM_PROVIDER`), its client and its accounting."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from testhub.config import HubSettings, LlmProviderName
from testhub.providers.accounting import Recorder, StoreRecorder
from testhub.providers.base import AttemptError, ChatAdapter
from testhub.providers.calls import LlmClient
from testhub.providers.port import LlmProvider, OfflineProvider, Provider

DEFAULT_MODELS = {
    LlmProviderName.OPENAI: "gpt-4o-mini",
    LlmProviderName.ANTHROPIC: "claude-haiku-4-5",
    LlmProviderName.OLLAMA: "llama3.1",
    LlmProviderName.LMSTUDIO: "local-model",
}
_SECRET_SETTINGS = ("openai_api_key", "anthropic_api_key", "lmstudio_api_key", "staff_password")


def key_reader(settings: HubSettings, name: str) -> Callable[[], str | None]:
    """Reads the key at every call: a `_FILE` that changed is read again (rotation)."""

    def read() -> str | None:
        try:
            return settings.secret(name)
        except OSError as error:
            path = getattr(settings, f"{name}_file", None)
            raise AttemptError(
                f"cannot read TESTHUB_{name.upper()}_FILE ({path}): {error.strerror or error}",
                retryable=False,
            ) from error

    return read


def known_secrets(settings: HubSettings) -> Callable[[], Iterable[str]]:
    def values() -> Iterable[str]:
        for name in _SECRET_SETTINGS:
            try:
                value = settings.secret(name)
            except OSError:
                continue
            if value:
                yield value

    return values


def adapter_for(settings: HubSettings) -> ChatAdapter:
    # Imported here: the SDKs take seconds to import, and every `testhub run` test process
    # builds the healer's chooser; only the configured provider's SDK is loaded.
    from testhub.providers.anthropic_messages import AnthropicMessagesAdapter
    from testhub.providers.ollama_chat import OllamaChatAdapter
    from testhub.providers.openai_chat import OpenAIChatAdapter

    name = settings.llm_provider
    model = settings.llm_model or DEFAULT_MODELS[name]
    if name is LlmProviderName.OPENAI:
        return OpenAIChatAdapter(
            "openai", model, settings.openai_base_url, key_reader(settings, "openai_api_key")
        )
    if name is LlmProviderName.LMSTUDIO:
        return OpenAIChatAdapter(
            "lmstudio",
            model,
            settings.lmstudio_base_url,
            key_reader(settings, "lmstudio_api_key"),
            key_required=False,
        )
    if name is LlmProviderName.ANTHROPIC:
        return AnthropicMessagesAdapter(
            model, settings.anthropic_base_url, key_reader(settings, "anthropic_api_key")
        )
    if name is LlmProviderName.OLLAMA:
        return OllamaChatAdapter(model, settings.ollama_base_url)
    raise ValueError(f"{name} has no chat adapter")


def client_from_settings(settings: HubSettings, *, recorder: Recorder | None = None) -> LlmClient:
    return LlmClient(
        adapter_for(settings),
        timeout_seconds=settings.llm_timeout_seconds,
        retries=settings.llm_retries,
        max_tokens=settings.llm_max_tokens,
        backoff_seconds=settings.llm_backoff_seconds,
        recorder=recorder if recorder is not None else StoreRecorder(settings.database_url),
        known_secrets=known_secrets(settings),
    )


def provider_from_settings(settings: HubSettings, *, recorder: Recorder | None = None) -> Provider:
    if settings.llm_provider is LlmProviderName.OFFLINE:
        return OfflineProvider()
    return LlmProvider(client_from_settings(settings, recorder=recorder))
