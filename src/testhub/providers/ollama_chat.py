"""Ollama's native chat API (`POST {base}/api/chat`, non-streaming) over httpx."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

from testhub.providers.base import (
    AttemptError,
    ChatMessage,
    Completion,
    is_retryable_status,
    parse_retry_after,
)


@dataclass
class OllamaChatAdapter:
    model: str
    endpoint: str
    provider: str = "ollama"

    async def complete(
        self, messages: list[ChatMessage], *, max_tokens: int, time_limit: float
    ) -> Completion:
        body = {
            "model": self.model,
            "messages": [{"role": m.role, "content": m.content} for m in messages],
            "stream": False,
            "options": {"num_predict": max_tokens, "temperature": 0},
        }
        url = self.endpoint.rstrip("/") + "/api/chat"
        try:
            async with httpx.AsyncClient(timeout=time_limit) as client:
                response = await client.post(url, json=body)
        except httpx.TimeoutException as error:
            raise AttemptError(
                f"ollama: no answer from {self.endpoint} within {time_limit:g} s", retryable=True
            ) from error
        except httpx.TransportError as error:
            raise AttemptError(
                f"ollama: cannot reach {self.endpoint}: {error}", retryable=True
            ) from error
        data = _json(response)
        if response.status_code >= 400:
            message = str(data.get("error") or response.text)[:300]
            hint = " (pull the model first: ollama pull)" if response.status_code == 404 else ""
            raise AttemptError(
                f"ollama: HTTP {response.status_code}{hint}: {message}",
                retryable=is_retryable_status(response.status_code),
                status=response.status_code,
                retry_after=parse_retry_after(response.headers.get("retry-after")),
            )
        message_data = data.get("message")
        if not isinstance(message_data, dict) or not isinstance(message_data.get("content"), str):
            raise AttemptError("ollama: the answer has no message content", retryable=False)
        return Completion(
            text=message_data["content"],
            model=str(data.get("model") or self.model),
            input_tokens=int(data.get("prompt_eval_count") or 0),
            output_tokens=int(data.get("eval_count") or 0),
        )


def _json(response: httpx.Response) -> dict[str, Any]:
    try:
        data = response.json()
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}
