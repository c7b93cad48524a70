"""Test-mode endpoints (`/api/v1/test/...`): only mounted with SHOP_ENV=test, and they refuse
by themselves in any other mode. No authentication: test shops hold no real data."""

from __future__ import annotations

from typing import Annotated

import httpx
from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request, status

from shop.errors import NotFound
from shop.integrations.mail.files import StoredMail
from shop.integrations.payments.registry import SANDBOX_MOUNT_PATH
from shop.seed.demo import seed_demo
from shop.testmode import service
from shop.testmode.schemas import (
    MAIL_ID_PATTERN,
    MailRead,
    MailsCleared,
    MailSummary,
    ResetRead,
    SandboxEventCreate,
    SandboxEventRead,
)
from shop.web.dependencies import DatabaseDep, SettingsDep


async def _test_mode_only(settings: SettingsDep) -> None:
    if not settings.is_test:
        # The same answer as for a path that does not exist.
        raise HTTPException(status_code=status.HTTP_404_NOT_FOUND)


router = APIRouter(prefix="/test", tags=["test-mode"], dependencies=[Depends(_test_mode_only)])


def _summary(mail: StoredMail) -> MailSummary:
    return MailSummary(
        id=mail.id,
        to=str(mail.message.get("To", "")),
        subject=str(mail.message.get("Subject", "")),
        sent_at=mail.sent_at,
    )


def _content(mail: StoredMail, subtype: str) -> str | None:
    part = mail.message.get_body(preferencelist=(subtype,))
    if part is None or part.get_content_subtype() != subtype:
        return None
    content: str = part.get_content()
    return content


@router.get("/mail", summary="Sent mails, newest first")
async def list_mails(
    settings: SettingsDep,
    to: Annotated[
        str | None, Query(max_length=254, description="Only mails to this address")
    ] = None,
) -> list[MailSummary]:
    return [_summary(mail) for mail in await service.list_mails(settings.mail_dir, to=to)]


@router.get("/mail/{mail_id}", summary="One sent mail with its text, HTML and headers")
async def read_mail(
    settings: SettingsDep,
    mail_id: Annotated[str, Path(pattern=MAIL_ID_PATTERN, max_length=240)],
) -> MailRead:
    mail = await service.read_mail(settings.mail_dir, mail_id)
    headers: dict[str, str] = {}
    for name, value in mail.message.items():
        headers.setdefault(name, str(value))
    return MailRead(
        id=mail.id,
        to=str(mail.message.get("To", "")),
        from_=str(mail.message.get("From", "")),
        subject=str(mail.message.get("Subject", "")),
        text=_content(mail, "plain"),
        html=_content(mail, "html"),
        headers=headers,
    )


@router.delete("/mail", summary="Delete every sent mail")
async def clear_mails(settings: SettingsDep) -> MailsCleared:
    return MailsCleared(deleted=await service.clear_mails(settings.mail_dir))


@router.post("/reset", summary="Delete all data, then load the demo data")
async def reset(settings: SettingsDep, database: DatabaseDep) -> ResetRead:
    async with database.transaction() as session:
        deleted = await service.wipe(session)
    # The demo seed opens its own transaction, after the wipe has committed.
    report = await seed_demo(database, media_dir=settings.media_dir)
    mails_deleted = await service.clear_mails(settings.mail_dir)
    return ResetRead(
        deleted=deleted, mails_deleted=mails_deleted, seeded=service.seeded_counts(report)
    )


@router.post(
    "/payments/sandbox/events",
    status_code=status.HTTP_202_ACCEPTED,
    summary="Make the sandbox provider send a signed webhook for a payment now",
)
async def trigger_sandbox_event(
    body: SandboxEventCreate, settings: SettingsDep, request: Request
) -> SandboxEventRead:
    if "sandbox" not in settings.providers:
        raise NotFound(
            "the sandbox payment provider is not enabled here (SHOP_PAYMENT_PROVIDERS)",
            code="sandbox_disabled",
        )
    if settings.sandbox_url:
        client = httpx.AsyncClient(base_url=settings.sandbox_url.rstrip("/"))
    else:
        # Mounted in this app: call it in-process, since public_url need not reach this process.
        transport = httpx.ASGITransport(app=request.app)
        client = httpx.AsyncClient(
            transport=transport, base_url=f"{settings.public_url.rstrip('/')}{SANDBOX_MOUNT_PATH}"
        )
    async with client:
        answer = await service.request_sandbox_event(
            client, payment_reference=body.payment_reference, event_type=body.type
        )
    return SandboxEventRead(
        payment_reference=body.payment_reference, type=body.type, sandbox=answer
    )
