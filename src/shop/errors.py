"""Domain errors. Each carries a stable `code`; the web layer renders them once as problem+json."""

from __future__ import annotations

from typing import Any


class ShopError(Exception):
    """Base of every error a user may see. `extra` members are added to the problem document."""

    code = "error"
    status = 400
    title = "Bad request"

    def __init__(
        self, message: str, *, code: str | None = None, status: int | None = None, **extra: Any
    ) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        if status is not None:
            self.status = status
        self.extra = extra


class NotFound(ShopError):
    code = "not_found"
    status = 404
    title = "Not found"


class Conflict(ShopError):
    code = "conflict"
    status = 409
    title = "Conflict"


class InvalidInput(ShopError):
    code = "invalid_input"
    status = 422
    title = "Invalid input"


class Unauthorized(ShopError):
    code = "not_authenticated"
    status = 401
    title = "Not authenticated"


class Forbidden(ShopError):
    code = "forbidden"
    status = 403
    title = "Forbidden"


class TooManyRequests(ShopError):
    code = "too_many_requests"
    status = 429
    title = "Too many requests"

    def __init__(self, message: str, *, retry_after: int, **extra: Any) -> None:
        super().__init__(message, **extra)
        self.retry_after = retry_after
