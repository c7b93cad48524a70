"""Text that can be stored: no control characters. PostgreSQL refuses NUL in text outright (a 500
if it reached SQL), and the other control characters are never meant as text. Names and codes
are one line; descriptions and reasons may have line breaks and tabs."""

from __future__ import annotations

import re

from pydantic import AfterValidator

# For JSON Schema `pattern`s (the validators below give the readable message).
NO_CONTROL_CHARACTERS = r"^[^\x00-\x1f\x7f]*$"

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_CONTROL_BUT_BREAKS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def reject_control_characters(text: str) -> str:
    if _CONTROL.search(text):
        raise ValueError("must be one line without control characters (line breaks, tabs, NUL ...)")
    return text


def reject_control_characters_but_breaks(text: str) -> str:
    if _CONTROL_BUT_BREAKS.search(text):
        raise ValueError("must not contain control characters other than line breaks and tabs")
    return text


# Metadata for `Annotated[str, ..., ONE_LINE]`.
ONE_LINE = AfterValidator(reject_control_characters)
MULTILINE = AfterValidator(reject_control_characters_but_breaks)
