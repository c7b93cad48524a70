"""Typed product attributes stored as canonical text, so that equality filters work in SQL.

text    -> the string, stripped          ("cotton")
number  -> shortest decimal, no exponent ("180", "1.5", "-0.25")
boolean -> "true" / "false"
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from shop.models.catalog import AttributeType

AttributeValue = str | int | float | bool
MAX_MAGNITUDE = Decimal(10) ** 15
MAX_NUMBER_DIGITS = 40


def _canonical_number(value: Decimal) -> str:
    if value == value.to_integral_value():
        return str(int(value))
    return format(value.normalize(), "f")


def canonical(value: AttributeValue) -> tuple[AttributeType, str]:
    """(type, canonical text) of an input value. Raises ValueError for NaN, inf or huge numbers."""
    if isinstance(value, bool):
        return AttributeType.BOOLEAN, "true" if value else "false"
    if isinstance(value, int | float):
        number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
        if not number.is_finite() or abs(number) > MAX_MAGNITUDE:
            raise ValueError("numbers must be finite and at most 10^15 in size")
        text = _canonical_number(number)
        if len(text) > MAX_NUMBER_DIGITS:
            raise ValueError(f"numbers may have at most {MAX_NUMBER_DIGITS} digits")
        return AttributeType.NUMBER, text
    return AttributeType.TEXT, value.strip()


def typed(kind: AttributeType | str, text: str) -> AttributeValue:
    """The JSON value of a stored attribute: numbers as numbers, booleans as booleans."""
    if kind == AttributeType.BOOLEAN:
        return text == "true"
    if kind == AttributeType.NUMBER:
        return float(text) if "." in text else int(text)
    return text


@dataclass(frozen=True, slots=True)
class AttributeMatch:
    """`attr.<name>=<raw>`: the (type, canonical value) pairs the raw query text stands for."""

    name: str
    candidates: tuple[tuple[AttributeType, str], ...]


def match_for(name: str, raw: str) -> AttributeMatch:
    """`attr.weight_g=180.0` matches the number 180; `attr.waterproof=TRUE` the boolean true;
    any value also matches a text attribute with exactly that (stripped) text."""
    text = raw.strip()
    candidates: list[tuple[AttributeType, str]] = [(AttributeType.TEXT, text)]
    if text.lower() in ("true", "false"):
        candidates.append((AttributeType.BOOLEAN, text.lower()))
    try:
        number = Decimal(text)
    except InvalidOperation:
        number = None
    if number is not None and number.is_finite() and abs(number) <= MAX_MAGNITUDE:
        candidates.append((AttributeType.NUMBER, _canonical_number(number)))
    return AttributeMatch(name=name.strip(), candidates=tuple(candidates))
