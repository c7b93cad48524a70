"""The healer's LLM: a synchronous chooser for the (sync Playwright) healer that asks the
configured provider to pick among the candidates the scorer could not separate."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from testhub.config import HubSettings, LlmProviderName
from testhub.heal.fingerprint import Fingerprint
from testhub.heal.scoring import Scored
from testhub.providers.base import ProviderError
from testhub.providers.factory import provider_from_settings
from testhub.providers.port import Provider

log = logging.getLogger(__name__)
T = TypeVar("T")


def run_blocking(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine to completion from sync code, even where an event loop is already set
    (sync Playwright keeps one on its thread): in a fresh loop on a thread of its own."""
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="testhub-llm") as pool:
        return pool.submit(asyncio.run, coroutine).result()


class ProviderChooser:
    """Callable the healer takes as `chooser`. An LLM failure means "no choice": the heal is
    refused, as it would be without an LLM, and the test fails with locator drift."""

    def __init__(self, provider: Provider) -> None:
        self.provider = provider
        self.name = provider.name

    def __call__(
        self, step_key: str, recorded: Fingerprint, candidates: list[Scored]
    ) -> int | None:
        offered = [(scored.candidate, scored.score) for scored in candidates]
        try:
            return run_blocking(self.provider.choose_candidate(step_key, recorded, offered))
        except ProviderError as error:
            log.warning("heal of %s: the LLM could not choose: %s", step_key, error)
            return None


def heal_chooser(settings: HubSettings) -> ProviderChooser | None:
    """The chooser of the configured provider; None offline (the scorer decides alone)."""
    if settings.llm_provider is LlmProviderName.OFFLINE:
        return None
    return ProviderChooser(provider_from_settings(settings))
