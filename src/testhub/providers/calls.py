"""One LLM call, done properly: prompt redacted, bounded in time, retried with backoff on 429,
5xx, timeouts and refused connections, and every attempt accounted."""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field

from testhub.providers.accounting import CallRecord, Recorder, record_metrics
from testhub.providers.base import AttemptError, ChatAdapter, ChatMessage, Completion, ProviderError
from testhub.providers.pricing import estimate_cost_usd
from testhub.providers.redaction import redact_prompt

MAX_BACKOFF_SECONDS = 30.0


def _no_secrets() -> Iterable[str]:
    return ()


@dataclass
class LlmClient:
    adapter: ChatAdapter
    timeout_seconds: float = 30.0
    retries: int = 2
    max_tokens: int = 1024
    backoff_seconds: float = 0.5
    recorder: Recorder | None = None
    # Read per call, so that a rotated key is masked too.
    known_secrets: Callable[[], Iterable[str]] = _no_secrets
    sleep: Callable[[float], Awaitable[None]] = field(default=asyncio.sleep)

    @property
    def provider(self) -> str:
        return self.adapter.provider

    @property
    def model(self) -> str:
        return self.adapter.model

    def redact(self, messages: list[ChatMessage]) -> list[ChatMessage]:
        secrets = list(self.known_secrets())
        return [
            ChatMessage(m.role, redact_prompt(m.content, known_secrets=secrets)) for m in messages
        ]

    async def chat(self, messages: list[ChatMessage], *, purpose: str) -> Completion:
        """The completion, or ProviderError once the retries are spent (or at once, for 4xx)."""
        outgoing = self.redact(messages)
        attempts = self.retries + 1
        for attempt in range(1, attempts + 1):
            started = time.monotonic()
            try:
                async with asyncio.timeout(self.timeout_seconds):
                    completion = await self.adapter.complete(
                        outgoing, max_tokens=self.max_tokens, time_limit=self.timeout_seconds
                    )
            except (AttemptError, TimeoutError) as raised:
                error = (
                    raised
                    if isinstance(raised, AttemptError)
                    else AttemptError(
                        f"{self.provider}: no answer from {self.adapter.endpoint} "
                        f"within {self.timeout_seconds:g} s",
                        retryable=True,
                    )
                )
                await self._account(purpose, started, error=str(error))
                if not error.retryable or attempt == attempts:
                    suffix = f" (after {attempt} attempts)" if attempt > 1 else ""
                    raise ProviderError(f"{error}{suffix}") from raised
                await self.sleep(self._delay(attempt, error.retry_after))
                continue
            await self._account(purpose, started, completion=completion)
            return completion
        raise AssertionError("unreachable: the loop returns or raises")  # pragma: no cover

    def _delay(self, attempt: int, retry_after: float | None) -> float:
        if retry_after is not None:
            return min(retry_after, MAX_BACKOFF_SECONDS)
        # Exponential with jitter, so that parallel generators do not retry in step.
        jitter = 1 + random.random() / 4  # noqa: S311 (not cryptography)
        return min(self.backoff_seconds * 2.0 ** (attempt - 1) * jitter, MAX_BACKOFF_SECONDS)

    async def _account(
        self,
        purpose: str,
        started: float,
        *,
        completion: Completion | None = None,
        error: str | None = None,
    ) -> None:
        tokens_in = completion.input_tokens if completion else 0
        tokens_out = completion.output_tokens if completion else 0
        model = completion.model if completion else self.model
        record = CallRecord(
            provider=self.provider,
            model=model,
            purpose=purpose,
            ok=completion is not None,
            input_tokens=tokens_in,
            output_tokens=tokens_out,
            cost_usd=estimate_cost_usd(self.provider, model, tokens_in, tokens_out),
            duration_seconds=round(time.monotonic() - started, 4),
            error=error,
        )
        record_metrics(record)
        if self.recorder is not None:
            await self.recorder(record)
