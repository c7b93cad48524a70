"""Mail port and adapters: SMTP when `SHOP_SMTP_URL` is set, else .eml files in var/mail."""

from __future__ import annotations

from shop.config import Settings
from shop.integrations.mail.base import MailSender
from shop.integrations.mail.files import FileMailSender
from shop.integrations.mail.smtp import SmtpConfig, SmtpMailSender


def build_mail_sender(settings: Settings) -> MailSender:
    if settings.smtp_url is not None:
        return SmtpMailSender(SmtpConfig.from_url(settings.smtp_url.get_secret_value()))
    return FileMailSender(settings.mail_dir)


__all__ = ["MailSender", "build_mail_sender"]
