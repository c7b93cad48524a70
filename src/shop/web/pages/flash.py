"""Flash messages: a short message for the next page after a redirect (post/redirect/get),
carried in a signed cookie and shown once in the layout's `flash` region."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from itsdangerous import BadSignature, URLSafeSerializer
from starlette.requests import Request
from starlette.responses import Response

from shop.web.pages.cookies import FLASH_COOKIE, delete_cookie, set_cookie

FlashKind = Literal["success", "info", "error"]
MAX_MESSAGES = 5
MAX_LENGTH = 500


@dataclass(frozen=True, slots=True)
class Flash:
    text: str
    kind: FlashKind = "success"

    @property
    def role(self) -> str:
        """Errors are announced at once (alert); the rest politely (status)."""
        return "alert" if self.kind == "error" else "status"


def _serializer(request: Request) -> URLSafeSerializer:
    secret: str = request.app.state.settings.secret_key.get_secret_value()
    return URLSafeSerializer(secret, salt="shopwright-flash")


def flash(response: Response, request: Request, text: str, *, kind: FlashKind = "success") -> None:
    """Show `text` on the next page this browser renders (messages already queued are kept)."""
    queued = [*pending_messages(request), Flash(text[:MAX_LENGTH], kind)][-MAX_MESSAGES:]
    value = _serializer(request).dumps([[m.kind, m.text] for m in queued])
    set_cookie(response, request, FLASH_COOKIE, value)


def pending_messages(request: Request) -> list[Flash]:
    raw = request.cookies.get(FLASH_COOKIE)
    if not raw:
        return []
    try:
        data = _serializer(request).loads(raw)
    except BadSignature:
        return []
    messages: list[Flash] = []
    if isinstance(data, list):
        for item in data[:MAX_MESSAGES]:
            if (
                isinstance(item, list)
                and len(item) == 2
                and item[0] in ("success", "info", "error")
                and isinstance(item[1], str)
            ):
                messages.append(Flash(item[1][:MAX_LENGTH], item[0]))
    return messages


def clear_messages(response: Response, request: Request) -> None:
    if FLASH_COOKIE in request.cookies:
        delete_cookie(response, request, FLASH_COOKIE)
