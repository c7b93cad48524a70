"""The chat port every LLM adapter implements, and the errors it speaks."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol

Role = Literal["system", "user", "assistant"]


@dataclass(frozen=True, slots=True)
class ChatMessage:
    role: Role
    content: str


@dataclass(frozen=True, slots=True)
class Completion:
    text: str
    model: str
    input_tokens: int
    output_tokens: int


class ProviderError(RuntimeError):
    """An LLM call failed for good; the message says what to fix (key, URL, model, timeout)."""


class AttemptError(Exception):
    """One attempt failed. Retryable ones (429, 5xx, timeouts, refused connections) are retried."""

    def __init__(
        self,
        message: str,
        *,
        retryable: bool,
        status: int | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.retryable = retryable
        self.status = status
        self.retry_after = retry_after


def is_retryable_status(status: int) -> bool:
    return status == 429 or status == 408 or 500 <= status <= 599


def parse_retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header (the seconds form; HTTP dates are rare from LLM APIs)."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None


class ChatAdapter(Protocol):
    """One wire format: send messages, get text and token counts, or raise AttemptError."""

    provider: str
    model: str
    endpoint: str

    async def complete(
        self, messages: list[ChatMessage], *, max_tokens: int, time_limit: float
    ) -> Completion: ...
