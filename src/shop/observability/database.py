"""Database metrics from SQLAlchemy's engine and pool events: statement time by operation,
connections in use and pool size, per engine (primary, replica)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from prometheus_client.metrics import Histogram
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from shop.observability import metrics

OPERATIONS = frozenset({"select", "insert", "update", "delete"})
_STARTED = "_shop_query_started"


def statement_operation(statement: str) -> str:
    # All four keywords have six letters; anything else (BEGIN, WITH, PRAGMA ...) is "other".
    head = statement.lstrip()[:6].lower()
    return head if head in OPERATIONS else "other"


class _QueryTimer:
    def __init__(self) -> None:
        self._children: dict[str, Histogram] = {}

    def before(
        self, _conn: Any, _cursor: Any, _statement: str, _params: Any, context: Any, _many: bool
    ) -> None:
        if context is not None:
            setattr(context, _STARTED, time.perf_counter())

    def after(
        self, _conn: Any, _cursor: Any, statement: str, _params: Any, context: Any, _many: bool
    ) -> None:
        started = getattr(context, _STARTED, None)
        if started is None:
            return
        operation = statement_operation(statement)
        child = self._children.get(operation)
        if child is None:
            child = self._children[operation] = metrics.DB_QUERY_DURATION.labels(operation)
        child.observe(time.perf_counter() - started)


def instrument_engine(engine: AsyncEngine, *, name: str) -> Callable[[], None]:
    """Start measuring `engine`; returns the function to call when the engine is retired (at
    app shutdown), so that this process stops counting its pool in the size gauge."""
    sync_engine = engine.sync_engine
    timer = _QueryTimer()
    in_use = metrics.DB_POOL_IN_USE.labels(engine=name)
    size = metrics.DB_POOL_SIZE.labels(engine=name)
    pool_size = getattr(sync_engine.pool, "size", None)
    capacity = int(pool_size()) if callable(pool_size) else 0

    def checkout(*_: Any) -> None:
        in_use.inc()

    def checkin(*_: Any) -> None:
        in_use.dec()

    listeners: list[tuple[str, Callable[..., None]]] = [
        ("before_cursor_execute", timer.before),
        ("after_cursor_execute", timer.after),
        ("checkout", checkout),
        ("checkin", checkin),
    ]
    for name_, function in listeners:
        event.listen(sync_engine, name_, function)
    size.inc(capacity)

    def stop() -> None:
        # The listeners stay: connections still out are checked in (and counted) after this.
        size.dec(capacity)

    return stop
