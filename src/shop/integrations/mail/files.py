"""The embedded default: every message becomes `<mail_dir>/<timestamp>-<message-id>.eml`.

The folder doubles as the test-mode outbox, so this module also lists, reads and clears it."""

from __future__ import annotations

import asyncio
import os
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

from shop.kit.clock import utcnow

_UNSAFE = re.compile(r"[^A-Za-z0-9._@+-]")
_TIMESTAMP = "%Y%m%dT%H%M%S.%fZ"
# A stored message id: the file name without ".eml"; nothing that could leave the folder.
MESSAGE_FILE_ID = r"^[0-9]{8}T[0-9]{6}\.[0-9]{6}Z-[A-Za-z0-9._@+-]{1,200}$"
_ID = re.compile(MESSAGE_FILE_ID)


def _file_part(message_id: str) -> str:
    return _UNSAFE.sub("_", message_id.strip().strip("<>"))[:200] or "message"


class FileMailSender:
    """Writes .eml files. Idempotent by Message-ID: a message already written is not written
    again, so a job that is run twice (at-least-once) leaves one file."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    async def send(self, message: EmailMessage) -> None:
        await asyncio.to_thread(self._write, message)

    def _write(self, message: EmailMessage) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        part = _file_part(str(message.get("Message-ID") or "message"))
        if message.get("Message-ID") and not self._claim(part):
            return
        name = f"{utcnow().strftime(_TIMESTAMP)}-{part}"
        # Write then rename, so that a reader never sees half a message.
        temporary = self.directory / f".{name}.tmp"
        temporary.write_bytes(message.as_bytes(policy=policy.SMTP))
        os.replace(temporary, self.directory / f"{name}.eml")

    def _claim(self, part: str) -> bool:
        """Atomically take this Message-ID (O_EXCL), also against another worker process, so
        that two runs of one job racing each other still write one file."""
        marker = self.directory / ".sent" / part
        marker.parent.mkdir(exist_ok=True)
        try:
            marker.touch(exist_ok=False)
        except FileExistsError:
            return False
        return True


@dataclass(frozen=True, slots=True)
class StoredMail:
    id: str
    sent_at: datetime
    message: EmailMessage


def _parse(path: Path, *, headers_only: bool) -> EmailMessage:
    with path.open("rb") as file:
        parsed = BytesParser(policy=policy.default).parse(file, headersonly=headers_only)
    assert isinstance(parsed, EmailMessage)  # noqa: S101 (policy.default always makes these)
    return parsed


def _stored(path: Path, *, headers_only: bool) -> StoredMail:
    stamp = path.stem.split("-", 1)[0]
    sent_at = datetime.strptime(stamp, _TIMESTAMP).replace(tzinfo=UTC)
    return StoredMail(path.stem, sent_at, _parse(path, headers_only=headers_only))


def list_mails(directory: Path) -> list[StoredMail]:
    """Newest first; headers only."""
    if not directory.is_dir():
        return []
    paths = sorted(
        (p for p in directory.glob("*.eml") if _ID.match(p.stem)),
        key=lambda p: p.name,
        reverse=True,
    )
    return [_stored(path, headers_only=True) for path in paths]


def read_mail(directory: Path, mail_id: str) -> StoredMail | None:
    if not _ID.match(mail_id):
        return None
    path = directory / f"{mail_id}.eml"
    if not path.is_file():
        return None
    return _stored(path, headers_only=False)


def clear_mails(directory: Path) -> int:
    if not directory.is_dir():
        return 0
    removed = 0
    for path in directory.glob("*.eml"):
        path.unlink(missing_ok=True)
        removed += 1
    return removed
