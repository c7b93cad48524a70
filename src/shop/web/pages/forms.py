"""Reading page forms: values as text, and pydantic validation errors as one message per field,
so that a bad input re-renders the form with the messages (never a 500, never a JSON error)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError
from starlette.datastructures import FormData

MAX_FIELD_LENGTH = 10_000


def text_field(form: FormData, name: str, *, max_length: int = MAX_FIELD_LENGTH) -> str:
    """The field's text, stripped; '' when absent or a file. Over-long input is cut, and the
    schema that validates it afterwards reports the length."""
    value = form.get(name)
    if not isinstance(value, str):
        return ""
    return value.strip()[: max_length + 1]


def field_errors(error: ValidationError, *, prefix: dict[str, str] | None = None) -> dict[str, str]:
    """{field name: message} from a pydantic error. Nested locations are joined with '.', then
    renamed through `prefix` (e.g. {"shipping_address.city": "ship_city"}) to the form's names."""
    messages: dict[str, str] = {}
    for item in error.errors():
        location = ".".join(str(part) for part in item.get("loc", ()))
        name = (prefix or {}).get(location, location) or "form"
        messages.setdefault(name, _message(item))
    return messages


def _message(item: Mapping[str, Any]) -> str:
    kind = item.get("type")
    context = item.get("ctx") or {}
    if kind == "missing" or (kind == "string_too_short" and context.get("min_length") == 1):
        return "Please fill in this field."
    return as_sentence(str(item.get("msg", "is not valid")).removeprefix("Value error, "))


def as_sentence(text: str) -> str:
    """'the coupon has expired' -> 'The coupon has expired.' (service messages are phrased for
    API clients in lower case)."""
    text = text.strip()
    if not text:
        return text
    text = text[0].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) else text + "."


def parse_int(text: str, *, minimum: int, maximum: int) -> int | None:
    """A whole number within [minimum, maximum], or None."""
    stripped = text.strip()
    if not stripped or len(stripped) > 12 or not stripped.lstrip("-").isdigit():
        return None
    value = int(stripped)
    return value if minimum <= value <= maximum else None
