"""Money in integer minor units with an ISO 4217 currency. Never floats."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints


@dataclass(frozen=True, slots=True)
class Money:
    amount: int
    currency: str

    def __post_init__(self) -> None:
        if not isinstance(self.amount, int) or isinstance(self.amount, bool):
            raise TypeError("Money.amount must be an int of minor units")
        if len(self.currency) != 3 or not self.currency.isupper():
            raise ValueError(f"not an ISO 4217 currency code: {self.currency!r}")

    def _same(self, other: Money) -> None:
        if other.currency != self.currency:
            raise ValueError(f"currency mismatch: {self.currency} vs {other.currency}")

    def __add__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount - other.amount, self.currency)

    def times(self, quantity: int) -> Money:
        return Money(self.amount * quantity, self.currency)

    def format(self) -> str:
        sign = "-" if self.amount < 0 else ""
        units, cents = divmod(abs(self.amount), 100)
        symbol = "$" if self.currency == "USD" else f"{self.currency} "
        return f"{sign}{symbol}{units:,}.{cents:02d}"


def round_half_even(value: Decimal) -> int:
    """Round a Decimal amount of minor units to an int, banker's rounding."""
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_EVEN))


def parse_major(text: str) -> int:
    """'19.99' -> 1999. Raises ValueError on more than two decimals or garbage."""
    value = Decimal(text.strip())
    minor = value * 100
    if minor != minor.to_integral_value():
        raise ValueError(f"{text!r} has more than two decimals")
    return int(minor)


# The JSON shape of money, shared by every API: {"amount": <minor units>, "currency": "USD"}.
MAX_AMOUNT = 1_000_000_000  # $10,000,000.00: far above any real price, far below int32 limits
Amount = Annotated[int, Field(strict=True, ge=0, le=MAX_AMOUNT)]
Currency = Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]


class MoneyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    amount: Amount
    currency: Currency


class MoneyRead(BaseModel):
    amount: int = Field(description="Integer minor units (cents).")
    currency: str = Field(description="ISO 4217 code.")
