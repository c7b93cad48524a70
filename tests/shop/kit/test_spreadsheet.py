import pytest

from shop.kit.spreadsheet import plain_text_cell


@pytest.mark.parametrize(
    "text",
    ["=1+1@example.com", "+cmd@example.com", "-2+3", "@SUM(A1)", "\t=1", "\r=1"],
)
def test_formula_like_text_is_made_plain(text: str) -> None:
    assert plain_text_cell(text) == f"'{text}"


@pytest.mark.parametrize("text", ["ann@example.com", "", "SW-7KQ2M9XA", "a=b", "free-shipping"])
def test_other_text_is_unchanged(text: str) -> None:
    assert plain_text_cell(text) == text
