"""The embedded mail adapter (src/shop/integrations/mail/files.py) and its outbox reader."""

from __future__ import annotations

import asyncio
import re
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

from pydantic import SecretStr

from shop.config import Settings
from shop.integrations.mail import build_mail_sender
from shop.integrations.mail.files import (
    FileMailSender,
    clear_mails,
    list_mails,
    read_mail,
)
from shop.integrations.mail.smtp import SmtpMailSender


def message(
    *,
    to: str = "jane@example.com",
    message_id: str | None = "<m-1@example.com>",
    subject: str = "Hello",
) -> EmailMessage:
    mail = EmailMessage()
    mail["From"] = "Shop <shop@example.com>"
    mail["To"] = to
    mail["Subject"] = subject
    if message_id:
        mail["Message-ID"] = message_id
    mail.set_content("plain body")
    mail.add_alternative("<p>html body</p>", subtype="html")
    return mail


class TestFileMailSender:
    async def test_writes_a_parseable_eml_named_by_time_and_message_id(
        self, tmp_path: Path
    ) -> None:
        await FileMailSender(tmp_path).send(message())

        [path] = list(tmp_path.glob("*.eml"))
        assert re.fullmatch(r"\d{8}T\d{6}\.\d{6}Z-m-1@example\.com\.eml", path.name)
        with path.open("rb") as file:
            parsed = BytesParser(policy=policy.default).parse(file)
        assert (parsed["To"], parsed["Subject"], parsed["Message-ID"]) == (
            "jane@example.com",
            "Hello",
            "<m-1@example.com>",
        )
        assert isinstance(parsed, EmailMessage)
        plain = parsed.get_body(preferencelist=("plain",))
        assert plain is not None
        assert plain.get_content() == "plain body\n"

    async def test_same_message_id_is_written_once(self, tmp_path: Path) -> None:
        sender = FileMailSender(tmp_path)

        await sender.send(message())
        await sender.send(message(subject="Hello again"))

        assert len(list(tmp_path.glob("*.eml"))) == 1

    async def test_an_id_ending_like_another_is_a_different_message(self, tmp_path: Path) -> None:
        sender = FileMailSender(tmp_path)

        await sender.send(message(message_id="<order-SW-1-shipped@example.com>"))
        await sender.send(message(message_id="<SW-1-shipped@example.com>"))

        assert len(list(tmp_path.glob("*.eml"))) == 2

    async def test_messages_without_id_are_all_written(self, tmp_path: Path) -> None:
        sender = FileMailSender(tmp_path)

        await sender.send(message(message_id=None))
        await sender.send(message(message_id=None))

        assert len(list(tmp_path.glob("*.eml"))) == 2

    async def test_unsafe_characters_never_leave_the_folder(self, tmp_path: Path) -> None:
        await FileMailSender(tmp_path / "mail").send(message(message_id="<../../etc/passwd>"))

        [path] = list((tmp_path / "mail").glob("*.eml"))
        assert sorted(p.name for p in tmp_path.iterdir()) == ["mail"]
        assert path.name.endswith("-.._.._etc_passwd.eml")


class TestOutboxReader:
    async def test_lists_newest_first_reads_and_clears(self, tmp_path: Path) -> None:
        sender = FileMailSender(tmp_path)
        await sender.send(message(message_id="<first@example.com>", subject="First"))
        await sender.send(message(message_id="<second@example.com>", subject="Second"))

        listed = list_mails(tmp_path)
        assert [str(mail.message["Subject"]) for mail in listed] == ["Second", "First"]
        assert listed[0].sent_at >= listed[1].sent_at

        full = read_mail(tmp_path, listed[0].id)
        assert full is not None
        html = full.message.get_body(preferencelist=("html",))
        assert html is not None
        assert html.get_content() == "<p>html body</p>\n"

        assert clear_mails(tmp_path) == 2
        assert list_mails(tmp_path) == []

    def test_missing_folder_is_an_empty_outbox(self, tmp_path: Path) -> None:
        assert list_mails(tmp_path / "none") == []
        assert clear_mails(tmp_path / "none") == 0

    def test_read_refuses_ids_that_are_not_file_ids(self, tmp_path: Path) -> None:
        (tmp_path / "secret.eml").write_text("Subject: no\n\n")

        assert read_mail(tmp_path, "secret") is None
        assert read_mail(tmp_path, "../secret") is None
        assert read_mail(tmp_path, "20260101T000000.000000Z-missing") is None


class TestBuildMailSender:
    def test_files_by_default(self, mail_settings: Settings) -> None:
        sender = build_mail_sender(mail_settings)

        assert isinstance(sender, FileMailSender)
        assert sender.directory == mail_settings.mail_dir

    def test_smtp_when_configured(self, mail_settings: Settings) -> None:
        settings = mail_settings.model_copy(
            update={"smtp_url": SecretStr("smtp://u:p@mail.test:2525")}
        )

        sender = build_mail_sender(settings)

        assert isinstance(sender, SmtpMailSender)
        assert (sender.config.hostname, sender.config.port) == ("mail.test", 2525)


class TestConcurrentSends:
    async def test_racing_runs_of_one_message_write_one_file(self, tmp_path: Path) -> None:
        sender = FileMailSender(tmp_path)
        await asyncio.gather(*(sender.send(message()) for _ in range(10)))
        assert len(list(tmp_path.glob("*.eml"))) == 1
