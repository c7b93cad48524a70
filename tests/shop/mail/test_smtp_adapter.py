"""The SMTP adapter (src/shop/integrations/mail/smtp.py) against a real SMTP server on loopback."""

from __future__ import annotations

from collections.abc import Iterator
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, Envelope, LoginPassword, Session

from shop.integrations.mail.base import mask_address, mask_addresses
from shop.integrations.mail.smtp import SmtpConfig, SmtpMailSender
from tests.live import free_port


class Inbox:
    def __init__(self) -> None:
        self.envelopes: list[Envelope] = []

    async def handle_DATA(self, server: Any, session: Session, envelope: Envelope) -> str:  # noqa: N802
        self.envelopes.append(envelope)
        return "250 OK"


def authenticate(
    server: Any, session: Session, envelope: Envelope, mechanism: str, auth_data: Any
) -> AuthResult:
    ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (
        b"mailer",
        b"p@ss:word",
    )
    # handled=False: the server answers 535 itself on failure.
    return AuthResult(success=ok, handled=False)


@pytest.fixture
def smtp_server() -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox()
    port = free_port()
    controller = Controller(
        inbox,
        hostname="127.0.0.1",
        port=port,
        authenticator=authenticate,
        auth_require_tls=False,
    )
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


def message() -> EmailMessage:
    mail = EmailMessage()
    mail["From"] = "Shop <shop@example.com>"
    mail["To"] = "jane@example.com"
    mail["Subject"] = "Order SW-1001 confirmed"
    mail["Message-ID"] = "<order-SW-1001-confirmation@example.com>"
    mail.set_content("thank you")
    return mail


class TestSmtpMailSender:
    async def test_delivers_to_a_real_server(self, smtp_server: tuple[Inbox, int]) -> None:
        inbox, port = smtp_server
        sender = SmtpMailSender(SmtpConfig.from_url(f"smtp://127.0.0.1:{port}"))

        await sender.send(message())

        [envelope] = inbox.envelopes
        assert envelope.mail_from == "shop@example.com"
        assert envelope.rcpt_tos == ["jane@example.com"]
        received = message_from_bytes(envelope.original_content or b"", policy=policy.default)
        assert received["Subject"] == "Order SW-1001 confirmed"
        assert received["Message-ID"] == "<order-SW-1001-confirmation@example.com>"

    async def test_logs_in_with_the_url_credentials(self, smtp_server: tuple[Inbox, int]) -> None:
        inbox, port = smtp_server
        url = f"smtp://mailer:p%40ss%3Aword@127.0.0.1:{port}?starttls=false"

        await SmtpMailSender(SmtpConfig.from_url(url)).send(message())

        assert len(inbox.envelopes) == 1

    async def test_wrong_password_raises_and_delivers_nothing(
        self, smtp_server: tuple[Inbox, int]
    ) -> None:
        inbox, port = smtp_server
        url = f"smtp://mailer:wrong@127.0.0.1:{port}?starttls=false"

        with pytest.raises(Exception, match="(?i)auth"):
            await SmtpMailSender(SmtpConfig.from_url(url, timeout=5)).send(message())
        assert inbox.envelopes == []

    async def test_unreachable_server_raises(self) -> None:
        sender = SmtpMailSender(SmtpConfig.from_url(f"smtp://127.0.0.1:{free_port()}"))

        with pytest.raises(OSError):  # noqa: PT011 (connection refused, any flavour)
            await sender.send(message())


class TestSmtpConfig:
    def test_defaults(self) -> None:
        config = SmtpConfig.from_url("smtp://mail.example.com")

        assert (config.hostname, config.port, config.username, config.password) == (
            "mail.example.com",
            25,
            None,
            None,
        )
        assert (config.use_tls, config.start_tls) == (False, None)

    def test_starttls_and_credentials(self) -> None:
        config = SmtpConfig.from_url("smtp://user%40x:s%2Fcret@mail.example.com:587?starttls=true")

        assert (config.port, config.username, config.password) == (587, "user@x", "s/cret")
        assert (config.use_tls, config.start_tls) == (False, True)

    def test_smtps_is_implicit_tls(self) -> None:
        config = SmtpConfig.from_url("smtps://mail.example.com")

        assert (config.port, config.use_tls, config.start_tls) == (465, True, False)

    def test_password_is_not_in_the_repr(self) -> None:
        assert "hunter2" not in repr(SmtpConfig.from_url("smtp://u:hunter2@mail.example.com"))

    @pytest.mark.parametrize(
        ("url", "message"),
        [
            ("http://mail.example.com", "must start with smtp://"),
            ("smtp://", "no host"),
            ("smtp://mail.example.com:notaport", "invalid port"),
            ("smtp://mail.example.com?starttls=maybe", "true or false"),
            ("smtps://mail.example.com?starttls=true", "already uses TLS"),
        ],
    )
    def test_rejects(self, url: str, message: str) -> None:
        with pytest.raises(ValueError, match=message):
            SmtpConfig.from_url(url)

    def test_error_never_shows_the_password(self) -> None:
        with pytest.raises(ValueError, match="invalid port") as caught:
            SmtpConfig.from_url("smtp://u:hunter2@mail.example.com:bad")
        assert "hunter2" not in str(caught.value)


class TestMasking:
    @pytest.mark.parametrize(
        ("address", "masked"),
        [
            ("jane@example.com", "j***@example.com"),
            ("j@example.com", "j***@example.com"),
            ("no-at-sign", "***"),
        ],
    )
    def test_mask_address(self, address: str, masked: str) -> None:
        assert mask_address(address) == masked

    def test_mask_addresses_in_text(self) -> None:
        text = "550 <jane.doe@example.com>: mailbox unavailable for bob@example.org"

        assert mask_addresses(text) == (
            "550 <j***@example.com>: mailbox unavailable for b***@example.org"
        )
