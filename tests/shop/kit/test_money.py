from __future__ import annotations

from decimal import Decimal

import pytest

from shop.kit.money import Money, parse_major, round_half_even


class TestMoney:
    def test_adds_same_currency(self) -> None:
        assert Money(1999, "USD") + Money(1, "USD") == Money(2000, "USD")

    def test_refuses_mixed_currencies(self) -> None:
        with pytest.raises(ValueError, match="currency mismatch"):
            Money(1, "USD") + Money(1, "EUR")

    def test_refuses_float_amount(self) -> None:
        with pytest.raises(TypeError):
            Money(19.99, "USD")  # type: ignore[arg-type]

    def test_refuses_bad_currency(self) -> None:
        with pytest.raises(ValueError, match="ISO 4217"):
            Money(1, "usd")

    @pytest.mark.parametrize(
        ("amount", "text"),
        [(0, "$0.00"), (1999, "$19.99"), (123456789, "$1,234,567.89"), (-5, "-$0.05")],
    )
    def test_formats_dollars(self, amount: int, text: str) -> None:
        assert Money(amount, "USD").format() == text

    def test_times_quantity(self) -> None:
        assert Money(250, "USD").times(3) == Money(750, "USD")


class TestRoundHalfEven:
    @pytest.mark.parametrize(
        ("value", "expected"), [("0.5", 0), ("1.5", 2), ("2.5", 2), ("2.51", 3), ("-1.5", -2)]
    )
    def test_banker_rounding(self, value: str, expected: int) -> None:
        assert round_half_even(Decimal(value)) == expected


class TestParseMajor:
    def test_parses_dollars(self) -> None:
        assert parse_major("19.99") == 1999
        assert parse_major(" 5 ") == 500

    def test_refuses_fractions_of_cents(self) -> None:
        with pytest.raises(ValueError, match="more than two decimals"):
            parse_major("1.999")
