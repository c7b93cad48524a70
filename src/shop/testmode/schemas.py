"""Shapes of the test-mode endpoints."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from shop.integrations.mail.files import MESSAGE_FILE_ID


class MailSummary(BaseModel):
    id: str
    to: str
    subject: str
    sent_at: datetime


class MailRead(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    id: str
    to: str
    from_: str = Field(alias="from")
    subject: str
    text: str | None
    html: str | None
    headers: dict[str, str] = Field(description="First value of each header, by name")


class MailsCleared(BaseModel):
    deleted: int


class ResetRead(BaseModel):
    deleted: dict[str, int] = Field(description="Rows each non-empty table had")
    mails_deleted: int
    seeded: dict[str, int]


class SandboxEventCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    payment_reference: str = Field(
        min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_.-]+$", examples=["sbx_pay_123"]
    )
    type: str = Field(
        min_length=1,
        max_length=60,
        pattern=r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$",
        examples=["payment.captured"],
    )


class SandboxEventRead(BaseModel):
    payment_reference: str
    type: str
    sandbox: dict[str, Any] | None = Field(description="The sandbox provider's answer")


MAIL_ID_PATTERN = MESSAGE_FILE_ID
