"""OpenAI's Chat Completions API (`POST {base}/chat/completions`), also spoken by LM Studio and
other OpenAI-compatible servers, through the official `openai` SDK."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import openai

from testhub.providers.base import (
    AttemptError,
    ChatMessage,
    Completion,
    is_retryable_status,
    parse_retry_after,
)

# LM Studio ignores the key, but the SDK insists on one.
_PLACEHOLDER_KEY = "not-needed"


@dataclass
class OpenAIChatAdapter:
    provider: str
    model: str
    endpoint: str
    api_key: Callable[[], str | None]
    key_required: bool = True

    async def complete(
        self, messages: list[ChatMessage], *, max_tokens: int, time_limit: float
    ) -> Completion:
        key = self.api_key()
        if not key and self.key_required:
            raise AttemptError(
                f"{self.provider}: no API key; set TESTHUB_{self.provider.upper()}_API_KEY "
                f"or TESTHUB_{self.provider.upper()}_API_KEY_FILE",
                retryable=False,
            )
        # A client per call: the key may have rotated, and the caller's event loop may differ.
        client = openai.AsyncOpenAI(
            api_key=key or _PLACEHOLDER_KEY,
            base_url=self.endpoint,
            timeout=time_limit,
            max_retries=0,  # retries, with accounting, belong to LlmClient
        )
        options: dict[str, Any] = {}
        if self.provider == "openai":
            options["max_completion_tokens"] = max_tokens
        else:  # local servers know the classic field and honour a fixed temperature
            options.update(max_tokens=max_tokens, temperature=0)
        try:
            async with client:
                response = await client.chat.completions.create(
                    model=self.model,
                    messages=[{"role": m.role, "content": m.content} for m in messages],  # type: ignore[misc]
                    **options,
                )
        except openai.APITimeoutError as error:
            raise AttemptError(
                f"{self.provider}: no answer from {self.endpoint} within {time_limit:g} s",
                retryable=True,
            ) from error
        except openai.APIConnectionError as error:
            raise AttemptError(
                f"{self.provider}: cannot reach {self.endpoint}: {error}", retryable=True
            ) from error
        except openai.APIStatusError as error:
            raise _status_error(self.provider, error) from error
        if not response.choices:
            raise AttemptError(f"{self.provider}: the answer has no choices", retryable=True)
        usage = response.usage
        return Completion(
            text=response.choices[0].message.content or "",
            model=response.model or self.model,
            input_tokens=usage.prompt_tokens if usage else 0,
            output_tokens=usage.completion_tokens if usage else 0,
        )


def _status_error(provider: str, error: openai.APIStatusError) -> AttemptError:
    status = error.status_code
    hint = {
        401: " (the API key was rejected)",
        403: " (the key may not use this model)",
        404: " (unknown model or wrong base URL)",
    }.get(status, "")
    return AttemptError(
        f"{provider}: HTTP {status}{hint}: {str(error.message)[:300]}",
        retryable=is_retryable_status(status),
        status=status,
        retry_after=parse_retry_after(error.response.headers.get("retry-after")),
    )
