"""OpenAPI `responses` entries for the error statuses a route can answer, each a problem+json
document (the shared `Problem` component that every API router declares)."""

from __future__ import annotations

from typing import Any

from shop.web.problems import PROBLEM_CONTENT_TYPE

_PROBLEM = {PROBLEM_CONTENT_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}}
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


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    responses: dict[int | str, dict[str, Any]] = {}
    for status in statuses:
        entry: dict[str, Any] = {"description": _DESCRIPTIONS[status], "content": _PROBLEM}
        if status == 429:
            entry["headers"] = _RETRY_AFTER
        responses[status] = entry
    return responses
