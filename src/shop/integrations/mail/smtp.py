"""SMTP adapter (aiosmtplib), configured by one URL: smtp[s]://user:pass@host:port?starttls=true."""

from __future__ import annotations

from dataclasses import dataclass, field
from email.message import EmailMessage
from urllib.parse import parse_qs, unquote, urlsplit

import aiosmtplib

DEFAULT_PORTS = {"smtp": 25, "smtps": 465}
_BOOLEANS = {"true": True, "1": True, "yes": True, "false": False, "0": False, "no": False}


@dataclass(frozen=True, slots=True)
class SmtpConfig:
    hostname: str
    port: int
    username: str | None
    password: str | None = field(repr=False)
    use_tls: bool  # implicit TLS from the first byte (smtps)
    start_tls: bool | None  # None: upgrade when the server offers STARTTLS
    timeout: float

    @classmethod
    def from_url(cls, url: str, *, timeout: float = 30.0) -> SmtpConfig:
        """Parse the URL. ValueError names what is wrong, never the password."""
        parts = urlsplit(url)
        if parts.scheme not in DEFAULT_PORTS:
            raise ValueError("the SMTP URL must start with smtp:// or smtps://")
        if not parts.hostname:
            raise ValueError("the SMTP URL has no host")
        try:
            port = parts.port or DEFAULT_PORTS[parts.scheme]
        except ValueError as exc:
            raise ValueError("the SMTP URL has an invalid port") from exc
        query = {key: values[-1] for key, values in parse_qs(parts.query).items()}
        start_tls: bool | None = None
        if "starttls" in query:
            if query["starttls"].lower() not in _BOOLEANS:
                raise ValueError("starttls in the SMTP URL must be true or false")
            start_tls = _BOOLEANS[query["starttls"].lower()]
        use_tls = parts.scheme == "smtps"
        if use_tls and start_tls:
            raise ValueError("smtps:// already uses TLS; drop starttls=true or use smtp://")
        return cls(
            hostname=parts.hostname,
            port=port,
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
            use_tls=use_tls,
            start_tls=False if use_tls else start_tls,
            timeout=timeout,
        )


class SmtpMailSender:
    """One connection per message: mail volume is low and jobs run concurrently."""

    def __init__(self, config: SmtpConfig) -> None:
        self.config = config

    async def send(self, message: EmailMessage) -> None:
        config = self.config
        await aiosmtplib.send(
            message,
            hostname=config.hostname,
            port=config.port,
            username=config.username,
            password=config.password,
            use_tls=config.use_tls,
            start_tls=config.start_tls,
            timeout=config.timeout,
        )
