"""Every LLM attempt is accounted: tokens, estimated cost, latency and errors, in the hub
database (`testhub_llm_calls`) and in Prometheus (`testhub_llm_*`)."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from sqlalchemy.exc import SQLAlchemyError

from testhub import metrics
from testhub.store import repository
from testhub.store.database import HubDatabase
from testhub.store.models import LlmCall

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class CallRecord:
    provider: str
    model: str
    purpose: str
    ok: bool
    input_tokens: int
    output_tokens: int
    cost_usd: float
    duration_seconds: float
    error: str | None = None


Recorder = Callable[[CallRecord], Awaitable[None]]


def record_metrics(record: CallRecord) -> None:
    metrics.record_llm_call(
        record.provider,
        ok=record.ok,
        input_tokens=record.input_tokens,
        output_tokens=record.output_tokens,
        cost=record.cost_usd,
        seconds=record.duration_seconds,
    )


class StoreRecorder:
    """Writes each record to the hub database in a transaction of its own.

    A database per record: callers run in different event loops (the CLI, the MCP server, the
    healer's worker thread) and an async engine belongs to the loop that made it. LLM calls are
    seconds apart, so the cost of opening one does not matter.
    """

    def __init__(self, database_url: str) -> None:
        self.database_url = database_url

    async def __call__(self, record: CallRecord) -> None:
        database = HubDatabase(self.database_url)
        try:
            async with database.session() as session:
                await repository.add_llm_call(
                    session,
                    LlmCall(
                        provider=record.provider,
                        model=record.model[:200],
                        purpose=record.purpose[:64],
                        ok=record.ok,
                        input_tokens=record.input_tokens,
                        output_tokens=record.output_tokens,
                        cost_usd=record.cost_usd,
                        duration_seconds=record.duration_seconds,
                        error=record.error,
                    ),
                )
        except (SQLAlchemyError, OSError) as error:
            # The answer is worth more than its bookkeeping; metrics still count the call.
            log.warning("could not store an LLM call record: %s", error)
        finally:
            await database.dispose()
