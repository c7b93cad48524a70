from __future__ import annotations

import pytest

from shop.catalog.attribute_values import AttributeMatch, canonical, match_for, typed
from shop.models.catalog import AttributeType


class TestCanonical:
    @pytest.mark.parametrize(
        ("value", "expected"),
        [
            ("  cotton ", (AttributeType.TEXT, "cotton")),
            (True, (AttributeType.BOOLEAN, "true")),
            (False, (AttributeType.BOOLEAN, "false")),
            (180, (AttributeType.NUMBER, "180")),
            (180.0, (AttributeType.NUMBER, "180")),
            (1.50, (AttributeType.NUMBER, "1.5")),
            (-0.25, (AttributeType.NUMBER, "-0.25")),
            (1e-5, (AttributeType.NUMBER, "0.00001")),
        ],
    )
    def test_forms(self, value: str | int | float | bool, expected: tuple[str, str]) -> None:
        assert canonical(value) == expected

    @pytest.mark.parametrize("value", [float("nan"), float("inf"), 10**16, 1e-300])
    def test_refuses_numbers_it_cannot_store(self, value: float) -> None:
        with pytest.raises(ValueError, match="numbers"):
            canonical(value)


class TestTyped:
    @pytest.mark.parametrize(
        ("kind", "text", "expected"),
        [
            (AttributeType.TEXT, "180", "180"),
            (AttributeType.NUMBER, "180", 180),
            (AttributeType.NUMBER, "1.5", 1.5),
            (AttributeType.BOOLEAN, "true", True),
            (AttributeType.BOOLEAN, "false", False),
        ],
    )
    def test_round_trip(self, kind: AttributeType, text: str, expected: object) -> None:
        value = typed(kind, text)
        assert value == expected
        assert type(value) is type(expected)


class TestMatchFor:
    def test_text_only(self) -> None:
        assert match_for("material", " cotton ") == AttributeMatch(
            "material", ((AttributeType.TEXT, "cotton"),)
        )

    def test_number_is_canonicalised(self) -> None:
        assert match_for("weight_g", "180.0").candidates == (
            (AttributeType.TEXT, "180.0"),
            (AttributeType.NUMBER, "180"),
        )

    def test_boolean_ignores_case(self) -> None:
        assert match_for("waterproof", "TRUE").candidates == (
            (AttributeType.TEXT, "TRUE"),
            (AttributeType.BOOLEAN, "true"),
        )

    @pytest.mark.parametrize("raw", ["NaN", "Infinity", "1e999", "sNaN"])
    def test_non_finite_numbers_match_only_text(self, raw: str) -> None:
        assert match_for("x", raw).candidates == ((AttributeType.TEXT, raw),)
