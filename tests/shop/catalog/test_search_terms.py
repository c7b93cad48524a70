from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shop.catalog.search_terms import MAX_TERMS, SearchTerms, parse_search


class TestParseSearch:
    @pytest.mark.parametrize("text", ["", "   ", "\t\n"])
    def test_blank_is_no_search(self, text: str) -> None:
        assert parse_search(text) is None

    def test_words_are_lowercased_runs_of_letters_and_digits(self) -> None:
        terms = parse_search("  Oak-Desk TSH_001 Café ")
        assert terms == SearchTerms(
            text="Oak-Desk TSH_001 Café", words=("oak", "desk", "tsh", "001", "café")
        )

    def test_stop_words_and_operators_are_dropped(self) -> None:
        terms = parse_search("the shirt AND NOT pants OR")
        assert terms is not None
        assert terms.words == ("shirt", "pants")

    @pytest.mark.parametrize("text", ['"', "*", "(", ")", "-", "'", '" * ( AND NOT -', "and or"])
    def test_nothing_searchable_matches_nothing(self, text: str) -> None:
        terms = parse_search(text)
        assert terms is not None
        assert terms.matches_nothing

    def test_at_most_max_terms(self) -> None:
        terms = parse_search(" ".join(f"w{i}" for i in range(MAX_TERMS + 5)))
        assert terms is not None
        assert len(terms.words) == MAX_TERMS


class TestFts5Query:
    def test_quoted_words_with_prefix_on_the_last(self) -> None:
        assert SearchTerms("", ("oak", "des")).fts5_query() == '"oak" "des"*'

    @given(st.text(max_size=60))
    def test_never_contains_a_quote_inside_a_word(self, text: str) -> None:
        terms = parse_search(text)
        if terms is not None and not terms.matches_nothing:
            query = terms.fts5_query()
            assert query.count('"') == 2 * len(terms.words)


class TestTsquery:
    def test_and_of_quoted_words_with_prefix_on_the_last(self) -> None:
        assert SearchTerms("", ("oak", "des")).tsquery() == "'oak' & 'des':*"

    @given(st.text(max_size=60))
    def test_words_hold_no_tsquery_syntax(self, text: str) -> None:
        terms = parse_search(text)
        for word in terms.words if terms else ():
            assert not set(word) & set("'\\&|!():*<> \"")
