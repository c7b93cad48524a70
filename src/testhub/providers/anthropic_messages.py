"""Anthropic's Messages API (`POST {base}/v1/messages`) through the official `anthropic` SDK."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import anthropic
from anthropic.types import AssistantMessageParam, MessageParam, UserMessageParam

from testhub.providers.base import (
    AttemptError,
    ChatMessage,
    Completion,
    is_retryable_status,
    parse_retry_after,
)


@dataclass
class AnthropicMessagesAdapter:
    model: str
    endpoint: str
    api_key: Callable[[], str | None]
    provider: str = "anthropic"

    async def complete(
        self, messages: list[ChatMessage], *, max_tokens: int, time_limit: float
    ) -> Completion:
        key = self.api_key()
        if not key:
            raise AttemptError(
                "anthropic: no API key; set TESTHUB_ANTHROPIC_API_KEY "
                "or TESTHUB_ANTHROPIC_API_KEY_FILE",
                retryable=False,
            )
        # The Messages API takes the system prompt beside the conversation, not in it.
        system = "\n\n".join(m.content for m in messages if m.role == "system")
        conversation: list[MessageParam] = [
            AssistantMessageParam(role="assistant", content=m.content)
            if m.role == "assistant"
            else UserMessageParam(role="user", content=m.content)
            for m in messages
            if m.role != "system"
        ]
        client = anthropic.AsyncAnthropic(
            api_key=key, base_url=self.endpoint, timeout=time_limit, max_retries=0
        )
        try:
            async with client:
                response = await client.messages.create(
                    model=self.model,
                    max_tokens=max_tokens,
                    system=system or anthropic.omit,
                    messages=conversation,
                )
        except anthropic.APITimeoutError as error:
            raise AttemptError(
                f"anthropic: no answer from {self.endpoint} within {time_limit:g} s", retryable=True
            ) from error
        except anthropic.APIConnectionError as error:
            raise AttemptError(
                f"anthropic: cannot reach {self.endpoint}: {error}", retryable=True
            ) from error
        except anthropic.APIStatusError as error:
            status = error.status_code
            hint = {401: " (the API key was rejected)", 404: " (unknown model or wrong base URL)"}
            raise AttemptError(
                f"anthropic: HTTP {status}{hint.get(status, '')}: {str(error.message)[:300]}",
                # 529 "overloaded" is Anthropic's own retryable status.
                retryable=is_retryable_status(status),
                status=status,
                retry_after=parse_retry_after(error.response.headers.get("retry-after")),
            ) from error
        text = "".join(block.text for block in response.content if block.type == "text")
        return Completion(
            text=text,
            model=response.model or self.model,
            input_tokens=response.usage.input_tokens,
            output_tokens=response.usage.output_tokens,
        )
