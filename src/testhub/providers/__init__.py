"""LLM providers behind one port: propose a plan for a story outside the grammar, choose among
heal candidates the scorer could not separate.

`TESTHUB_LLM_PROVIDER` chooses: `offline` (default; the deterministic grammar engine, no LLM),
`openai`, `anthropic`, `ollama` (native `/api/chat`) or `lmstudio` (OpenAI-compatible). Settings:
`TESTHUB_LLM_MODEL`, `TESTHUB_LLM_TIMEOUT_SECONDS`, `TESTHUB_LLM_RETRIES`,
`TESTHUB_LLM_BACKOFF_SECONDS`, `TESTHUB_LLM_MAX_TOKENS`, `TESTHUB_<PROVIDER>_BASE_URL` and
`TESTHUB_<PROVIDER>_API_KEY` or `..._API_KEY_FILE` (re-read when it changes).

Every prompt is redacted (`redaction`), every attempt is bounded in time, retried on 429/5xx
with backoff, and accounted in `testhub_llm_calls` and the `testhub_llm_*` metrics with an
estimated cost (`pricing`).
"""

from testhub.providers.base import ChatMessage, Completion, ProviderError
from testhub.providers.calls import LlmClient
from testhub.providers.factory import client_from_settings, provider_from_settings
from testhub.providers.port import LlmProvider, OfflineProvider, Provider
from testhub.providers.redaction import redact_prompt

__all__ = [
    "ChatMessage",
    "Completion",
    "LlmClient",
    "LlmProvider",
    "OfflineProvider",
    "Provider",
    "ProviderError",
    "client_from_settings",
    "provider_from_settings",
    "redact_prompt",
]
