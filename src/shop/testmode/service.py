"""Test mode: the sent-mail outbox, a reset to the demo data, and sandbox webhook triggers.

Only reachable with SHOP_ENV=test (the router is mounted then, and checks again)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from email.utils import getaddresses
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from shop.errors import Conflict, InvalidInput, NotFound
from shop.integrations.mail import files as mail_files
from shop.integrations.mail.files import StoredMail
from shop.integrations.payments.sandbox import SANDBOX_API_KEY
from shop.seed.demo import DemoReport
from shop.testmode import repository
from shop.testmode.errors import SandboxUnavailable

SANDBOX_TIMEOUT_SECONDS = 10.0


def _recipients(mail: StoredMail) -> list[str]:
    return [address for _, address in getaddresses(mail.message.get_all("To", []))]


async def list_mails(mail_dir: Path, *, to: str | None = None) -> list[StoredMail]:
    mails = await asyncio.to_thread(mail_files.list_mails, mail_dir)
    if to is None:
        return mails
    wanted = to.strip().casefold()
    return [m for m in mails if any(a.casefold() == wanted for a in _recipients(m))]


async def read_mail(mail_dir: Path, mail_id: str) -> StoredMail:
    mail = await asyncio.to_thread(mail_files.read_mail, mail_dir, mail_id)
    if mail is None:
        raise NotFound(f"no sent mail has the id {mail_id!r}; list them at /api/v1/test/mail")
    return mail


async def clear_mails(mail_dir: Path) -> int:
    return await asyncio.to_thread(mail_files.clear_mails, mail_dir)


@dataclass(slots=True)
class ResetReport:
    deleted: dict[str, int] = field(default_factory=dict)
    mails_deleted: int = 0
    seeded: dict[str, int] = field(default_factory=dict)


async def wipe(session: AsyncSession) -> dict[str, int]:
    """Delete every row of every table (then put back the migration's reference data: the
    shipping methods and the default tax rate). Returns the rows each table had."""
    counts = await repository.count_rows(session)
    await repository.delete_everything(session)
    await repository.insert_reference_data(session)
    return {name: count for name, count in counts.items() if count}


def seeded_counts(report: DemoReport) -> dict[str, int]:
    return {
        "products": sum(report.products.values()),
        "variants": report.variants,
        "images": report.images,
        "categories": report.categories_created,
        "brands": report.brands_created,
        "users": len(report.users_created),
    }


async def request_sandbox_event(
    client: httpx.AsyncClient, *, payment_reference: str, event_type: str
) -> dict[str, Any] | None:
    """Ask the sandbox provider to sign and deliver a webhook for a payment now
    (`POST /v1/payments/{id}/webhooks {type}` on the sandbox). Returns the sandbox's answer."""
    path = f"/v1/payments/{quote(payment_reference, safe='')}/webhooks"
    try:
        response = await client.post(
            path,
            json={"type": event_type},
            headers={"Authorization": f"Bearer {SANDBOX_API_KEY}"},
            timeout=SANDBOX_TIMEOUT_SECONDS,
        )
    except httpx.HTTPError as exc:
        raise SandboxUnavailable(
            f"the sandbox payment provider could not be reached ({type(exc).__name__}); "
            "is it running, and is SHOP_SANDBOX_URL right?"
        ) from exc
    body = _json_or_none(response)
    if response.is_success:
        return body if isinstance(body, dict) else None
    code, message = _sandbox_error(body)
    if response.status_code == 404:
        raise NotFound(
            f"the sandbox knows no payment {payment_reference!r}",
            code="payment_not_found",
            sandbox_code=code,
        )
    if response.status_code == 409:
        raise Conflict(
            f"the sandbox refused the event: {message}", code="sandbox_rejected", sandbox_code=code
        )
    if 400 <= response.status_code < 500:
        raise InvalidInput(
            f"the sandbox refused the event: {message}", code="sandbox_rejected", sandbox_code=code
        )
    raise SandboxUnavailable(f"the sandbox answered {response.status_code}: {message}")


def _sandbox_error(body: Any) -> tuple[str | None, str]:
    """(code, message) of the sandbox's error answer: {"error": {"code", "message"}}."""
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict):
        return None, "no details"
    code = error.get("code")
    return (str(code) if code else None), str(error.get("message") or "no details")


def _json_or_none(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None
