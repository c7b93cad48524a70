"""Errors as a person reads them: an HTML page for the dashboard, problem+json for machines
(/metrics, probes, anything that does not ask for HTML). Bad query values are a 400, never a 500."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from testhub.web.pages import templates

HEADINGS = {400: "Bad request", 403: "Not allowed", 404: "Not found", 405: "Method not allowed"}


def _wants_html(request: Request) -> bool:
    return "text/html" in request.headers.get("accept", "")


def _respond(request: Request, status: int, message: str, problems: list[str]) -> Response:
    heading = HEADINGS.get(status, "Error")
    if _wants_html(request):
        return templates.TemplateResponse(
            request,
            "error.html",
            {
                "title": heading,
                "active": None,
                "heading": heading,
                "message": message,
                "problems": problems,
            },
            status_code=status,
        )
    body: dict[str, object] = {"type": "about:blank", "title": heading, "status": status}
    body["detail"] = message
    if problems:
        body["errors"] = problems
    return JSONResponse(body, status_code=status, media_type="application/problem+json")


def _describe(error: Mapping[str, Any]) -> str:
    location = [str(part) for part in error.get("loc", ()) if part not in ("query", "path")]
    return f"{'.'.join(location) or 'request'}: {error.get('msg', 'invalid value')}"


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)  # noqa: S101 (registered for this type)
    message = exc.detail if isinstance(exc.detail, str) else HEADINGS.get(exc.status_code, "")
    response = _respond(request, exc.status_code, message, [])
    response.headers.update(exc.headers or {})
    return response


async def _validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)  # noqa: S101
    problems = [_describe(error) for error in exc.errors()]
    return _respond(request, 400, "Some values in the address are not valid.", problems)


def install_error_pages(app: FastAPI) -> None:
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
