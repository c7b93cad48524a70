"""Which code runs for a job topic, and which functions run periodically.

Features register in their own `tasks.py`:

    @register("mail.send")
    async def send_mail(ctx: JobContext, payload: dict[str, Any]) -> None: ...

`load_all()` imports the known task modules so that a worker knows every topic. They are named
by string: the task modules live in features above this package, which it must not import.
"""

from __future__ import annotations

import importlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from shop.config import Settings
from shop.db.session import Database
from shop.integrations.mail.base import MailSender

# Add a feature's module here when it registers handlers or periodic tasks.
TASK_MODULES: tuple[str, ...] = (
    "shop.jobs.tasks",
    "shop.mail.tasks",
    "shop.carts.tasks",
    "shop.checkout.tasks",
    "shop.inventory.tasks",
)


class PermanentJobError(Exception):
    """Raised by a handler when retrying cannot help (a malformed payload): the job stops at
    once and stays visible with its error, like a job that used up its attempts."""


@dataclass(frozen=True, slots=True)
class JobContext:
    """What a handler may use. Handlers open their own short transactions on `database`."""

    database: Database
    settings: Settings
    mail_sender: MailSender


Handler = Callable[[JobContext, dict[str, Any]], Awaitable[None]]
PeriodicFunction = Callable[[JobContext], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class PeriodicTask:
    name: str
    every: timedelta
    function: PeriodicFunction


@dataclass
class Registry:
    handlers: dict[str, Handler] = field(default_factory=dict)
    periodic: dict[str, PeriodicTask] = field(default_factory=dict)

    def register(self, topic: str) -> Callable[[Handler], Handler]:
        if not topic or len(topic) > 60:
            raise ValueError("a job topic has 1 to 60 characters")

        def decorate(handler: Handler) -> Handler:
            existing = self.handlers.get(topic)
            if existing is not None and existing is not handler:
                raise ValueError(f"job topic {topic!r} already has a handler")
            self.handlers[topic] = handler
            return handler

        return decorate

    def register_periodic(
        self, name: str, *, every: timedelta
    ) -> Callable[[PeriodicFunction], PeriodicFunction]:
        if every <= timedelta(0):
            raise ValueError("a periodic task needs a positive interval")

        def decorate(function: PeriodicFunction) -> PeriodicFunction:
            self.periodic[name] = PeriodicTask(name, every, function)
            return function

        return decorate


# The process-wide registry that `register` and the worker use by default.
registry = Registry()
register = registry.register
register_periodic = registry.register_periodic


def load_all(modules: tuple[str, ...] = TASK_MODULES) -> Registry:
    for module in modules:
        importlib.import_module(module)
    return registry
