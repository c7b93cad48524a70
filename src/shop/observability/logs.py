"""Structured logs: JSON lines in production, a readable console format in development.

Every log line, from structlog or from the standard `logging` module that most of the code
uses, goes through one chain: level, logger, UTC timestamp, the request's id and user id, the
trace and span ids of the current OpenTelemetry span, then redaction (shop.observability.redaction)
and rendering. The request context is a dict shared with the HTTP middleware: the request id
is filled in by the security-headers middleware and the user id by the auth dependency, both
possibly after this module first sees the request, so the dict is read when a line is written.
"""

from __future__ import annotations

import logging
import sys
from contextvars import ContextVar, Token
from typing import Any

import structlog
from opentelemetry import trace
from structlog.typing import EventDict, Processor, WrappedLogger

from shop.config import LogFormat, Settings
from shop.observability.redaction import scrub_event

_request_context: ContextVar[dict[str, Any] | None] = ContextVar(
    "shop_request_context", default=None
)
_HANDLER_MARK = "_shop_log_handler"
# Loggers that set up their own handlers elsewhere; theirs would print unstructured lines.
_ADOPTED_LOGGERS = ("uvicorn", "uvicorn.error", "uvicorn.access")
_QUIET_LOGGERS = ("aiosqlite", "asyncpg")


def bind_request(state: dict[str, Any]) -> Token[dict[str, Any] | None]:
    """Called by the HTTP middleware with the request's `scope["state"]` dict."""
    return _request_context.set(state)


def unbind_request(token: Token[dict[str, Any] | None]) -> None:
    _request_context.reset(token)


def bind_user_id(user_id: int | str | None) -> None:
    """Record who is calling, for every later log line of this request (no-op outside one).
    Mutates the shared dict, so it also works from dependencies run in the thread pool."""
    context = _request_context.get()
    if context is not None and user_id is not None:
        context["user_id"] = user_id


def add_request_context(_: WrappedLogger, __: str, event: EventDict) -> EventDict:
    context = _request_context.get()
    if context is not None:
        request_id = context.get("request_id")
        if request_id is not None:
            event.setdefault("request_id", request_id)
        user_id = context.get("user_id")
        if user_id is not None:
            event.setdefault("user_id", user_id)
    span_context = trace.get_current_span().get_span_context()
    if span_context.is_valid:
        event.setdefault("trace_id", format(span_context.trace_id, "032x"))
        event.setdefault("span_id", format(span_context.span_id, "016x"))
    return event


def redact(_: WrappedLogger, __: str, event: EventDict) -> EventDict:
    return scrub_event(event)


def log_format(settings: Settings) -> LogFormat:
    """JSON in production unless SHOP_LOG_FORMAT says otherwise; console elsewhere."""
    if "log_format" in settings.model_fields_set:
        return settings.log_format
    return LogFormat.JSON if settings.is_production else LogFormat.CONSOLE


def _shared_processors() -> list[Processor]:
    return [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        add_request_context,
    ]


def build_formatter(fmt: LogFormat) -> structlog.stdlib.ProcessorFormatter:
    renderer: Processor = (
        structlog.processors.JSONRenderer(default=str)
        if fmt is LogFormat.JSON
        else structlog.dev.ConsoleRenderer(colors=False)
    )
    return structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=_shared_processors(),
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            redact,
            renderer,
        ],
    )


def configure_logging(settings: Settings, *, stream: Any = None) -> None:
    """Route all logging through structlog's formatter on one stderr handler. Idempotent: the
    handler it installed before is replaced (tests build many apps)."""
    level = logging.getLevelName(settings.log_level.upper())
    if not isinstance(level, int):
        level = logging.INFO
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(build_formatter(log_format(settings)))
    setattr(handler, _HANDLER_MARK, True)
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, _HANDLER_MARK, False)]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    for name in _QUIET_LOGGERS:
        # Their DEBUG lines repeat every SQL statement with its parameters.
        logging.getLogger(name).setLevel(max(level, logging.INFO))
    for name in _ADOPTED_LOGGERS:
        # Handlers from uvicorn's own logging config print plain text: ours take over. A
        # logger uvicorn silenced (uvicorn.access with access_log=False) has none and stays so.
        adopted = logging.getLogger(name)
        if adopted.handlers:
            adopted.handlers.clear()
            adopted.propagate = True
    structlog.configure(
        processors=[
            *_shared_processors(),
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
