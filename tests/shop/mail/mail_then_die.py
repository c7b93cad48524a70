"""Run as its own process by test_durability.py: commit an order mail, then hang until killed.

python -m tests.shop.mail.mail_then_die <database_url> <var_dir> after-commit|during-send
"""

from __future__ import annotations

import asyncio
import sys
from email.message import EmailMessage
from pathlib import Path

from shop.config import Environment, Settings
from shop.db.session import Database
from shop.jobs.registry import load_all
from shop.jobs.runner import Worker
from shop.mail import service
from tests.builders.mail import order_confirmation_context


class HangingSender:
    async def send(self, message: EmailMessage) -> None:
        print("sending", flush=True)
        await asyncio.Event().wait()


async def main(database_url: str, var_dir: str, mode: str) -> None:
    settings = Settings(
        env=Environment.TEST, database_url=database_url, var_dir=Path(var_dir), database_pool_size=2
    )
    database = Database(settings)
    async with database.transaction() as session:
        await service.enqueue_mail(
            session,
            to="jane@example.com",
            template="order_confirmation",
            context=order_confirmation_context(),
            message_id="order-SW-1001-confirmation",
        )
    print("committed", flush=True)
    if mode == "during-send":
        await Worker(
            database, settings, registry=load_all(), mail_sender=HangingSender()
        ).run_once()
    await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:4]))
