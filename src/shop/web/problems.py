"""RFC 9457 problem+json: the one place where errors become HTTP responses."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict
from sqlalchemy.exc import IntegrityError
from starlette.exceptions import HTTPException as StarletteHTTPException

from shop.errors import ShopError, TooManyRequests

PROBLEM_CONTENT_TYPE = "application/problem+json"
log = logging.getLogger(__name__)


class FieldError(BaseModel):
    field: str
    message: str


class Problem(BaseModel):
    """RFC 9457 problem details. Some codes add members (`errors`, `lines`, `allowed` ...)."""

    model_config = ConfigDict(extra="allow")

    type: str
    title: str
    status: int
    detail: str
    code: str
    errors: list[FieldError] | None = None


_PROBLEM_CONTENT = {PROBLEM_CONTENT_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}}
# Declared on every API router: all 4xx and 5xx answers are problem+json.
PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    "4XX": {"model": Problem, "description": "Client error", "content": _PROBLEM_CONTENT},
    "5XX": {"model": Problem, "description": "Server error", "content": _PROBLEM_CONTENT},
}


_DESCRIPTIONS = {
    401: "Not signed in, or the token or credentials are not valid",
    403: "Signed in, but the role lacks the permission",
    404: "No such resource",
    409: "Conflicts with existing data",
    422: "Invalid input: `errors` names each field",
    429: "Too many attempts: wait `Retry-After` seconds",
}
_RETRY_AFTER = {
    "Retry-After": {
        "description": "Seconds to wait before the next attempt",
        "schema": {"type": "integer", "minimum": 1},
    }
}


def problem_doc(description: str) -> dict[str, Any]:
    """An OpenAPI `responses` entry for a problem+json answer with its own description."""
    return {"description": description, "content": _PROBLEM_CONTENT}


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    responses: dict[int | str, dict[str, Any]] = {}
    for status in statuses:
        entry = problem_doc(_DESCRIPTIONS[status])
        if status == 429:
            entry["headers"] = _RETRY_AFTER
        responses[status] = entry
    return responses


def problem_response(
    status: int,
    code: str,
    title: str,
    detail: str,
    *,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    body = {
        "type": f"https://shopwright.dev/problems/{code.replace('_', '-')}",
        "title": title,
        "status": status,
        "detail": detail,
        "code": code,
        **extra,
    }
    return JSONResponse(body, status_code=status, media_type=PROBLEM_CONTENT_TYPE, headers=headers)


def _field_name(location: tuple[int | str, ...]) -> str:
    parts = [str(p) for p in location if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or str(location[-1] if location else "")


def _validation_problem(_: Request, exc: Exception) -> JSONResponse:
    if not isinstance(exc, RequestValidationError):  # registered for this type only
        raise exc
    errors = [
        {"field": _field_name(tuple(e.get("loc", ()))), "message": e.get("msg", "invalid")}
        for e in exc.errors()
    ]
    summary = "; ".join(f"{e['field']}: {e['message']}" for e in errors[:3])
    return problem_response(
        422, "validation_error", "Invalid input", summary or "invalid input", errors=errors
    )


def _shop_problem(_: Request, exc: Exception) -> JSONResponse:
    if not isinstance(exc, ShopError):  # registered for this type only
        raise exc
    headers = {"Retry-After": str(exc.retry_after)} if isinstance(exc, TooManyRequests) else None
    if exc.status == 401:
        headers = {"WWW-Authenticate": 'Bearer realm="shopwright"'}  # RFC 6750
    return problem_response(
        exc.status, exc.code, exc.title, exc.message, headers=headers, **exc.extra
    )


_HTTP_CODES = {
    400: ("bad_request", "Bad request"),
    401: ("not_authenticated", "Not authenticated"),
    403: ("forbidden", "Forbidden"),
    404: ("not_found", "Not found"),
    405: ("method_not_allowed", "Method not allowed"),
    413: ("payload_too_large", "Payload too large"),
    415: ("unsupported_media_type", "Unsupported media type"),
}


def _http_problem(_: Request, exc: Exception) -> JSONResponse:
    if not isinstance(exc, StarletteHTTPException):  # registered for this type only
        raise exc
    code, title = _HTTP_CODES.get(exc.status_code, ("http_error", "HTTP error"))
    detail = exc.detail if isinstance(exc.detail, str) else title
    return problem_response(
        exc.status_code, code, title, detail, headers=getattr(exc, "headers", None)
    )


def _integrity_problem(_: Request, exc: Exception) -> JSONResponse:
    # Services check uniqueness first; this is the safety net for a concurrent duplicate.
    log.warning("integrity error turned into 409: %s", type(exc).__name__)
    return problem_response(
        409, "conflict", "Conflict", "the change conflicts with existing data; reload and retry"
    )


def _unexpected_problem(_: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error", exc_info=exc)
    return problem_response(
        500, "internal_error", "Internal server error", "something went wrong on our side"
    )


def install_problem_handlers(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, _validation_problem)
    app.add_exception_handler(ShopError, _shop_problem)
    app.add_exception_handler(StarletteHTTPException, _http_problem)
    app.add_exception_handler(IntegrityError, _integrity_problem)
    app.add_exception_handler(Exception, _unexpected_problem)
