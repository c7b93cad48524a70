from __future__ import annotations

import pytest

from testhub.analytics.flakiness import Suggestion, assess, rank

P, F, E, S = "passed", "failed", "error", "skipped"


class TestAssess:
    def test_alternating_test_is_quarantined(self) -> None:
        test = assess("t::alt", [P, F] * 5)

        assert (test.results, test.flips, test.flip_rate) == (10, 9, 1.0)
        assert round(test.interval[0], 4) == 0.7009
        assert test.suggestion is Suggestion.QUARANTINE
        assert test.reason == "flip rate is at least 70% with 95% confidence over 10 results"

    def test_a_test_that_broke_is_to_fix_not_quarantine(self) -> None:
        test = assess("t::broke", [P] * 10 + [E] * 5)

        assert (test.flips, test.trailing_failures, test.failures) == (1, 5, 5)
        assert test.suggestion is Suggestion.FIX
        assert test.reason == "failed in each of its last 5 runs: broken, not flaky"

    def test_one_isolated_failure_in_eight_is_watched(self) -> None:
        test = assess("t::once", [P, P, P, F, P, P, P, P])

        assert (test.flips, test.results) == (2, 8)
        assert test.interval[0] < 0.10
        assert test.suggestion is Suggestion.WATCH
        assert "may be under 10%" in test.reason

    def test_two_isolated_failures_in_eight_are_quarantined(self) -> None:
        test = assess("t::twice", [P, F, P, P, P, F, P, P])

        assert test.flips == 4
        assert test.interval[0] >= 0.10
        assert test.suggestion is Suggestion.QUARANTINE

    def test_alternating_but_too_few_results_is_watched(self) -> None:
        test = assess("t::new", [P, F, P, F, P, F, P])

        assert test.suggestion is Suggestion.WATCH
        assert test.reason == "6 flip(s) in only 7 results: needs more runs"

    def test_skips_are_left_out_of_flips(self) -> None:
        test = assess("t::skips", [P, S, P, S, P])

        assert (test.results, test.flips, test.outcomes) == (3, 0, (P, S, P, S, P))
        assert test.suggestion is Suggestion.STABLE

    def test_errors_count_as_failures(self) -> None:
        test = assess("t::err", [F, E, F])

        assert (test.flips, test.failures, test.trailing_failures) == (0, 3, 3)

    @pytest.mark.parametrize("outcomes", [[], [P], [S, S]])
    def test_too_little_history_is_stable(self, outcomes: list[str]) -> None:
        test = assess("t::new", outcomes)

        assert (test.flips, test.flip_rate, test.interval) == (0, 0.0, (0.0, 1.0))
        assert test.suggestion is Suggestion.STABLE


def test_rank_puts_quarantine_first_and_drops_stable_tests() -> None:
    ranked = rank(
        [
            ("t::stable", [P] * 10),
            ("t::watch", [P, P, P, F, P, P, P, P]),
            ("t::broken", [P] * 5 + [F] * 6),
            ("t::mild", [P, F, P, P, P, F, P, P, P, P]),
            ("t::wild", [P, F] * 6),
        ]
    )

    assert [(t.nodeid, t.suggestion) for t in ranked] == [
        ("t::wild", Suggestion.QUARANTINE),
        ("t::mild", Suggestion.QUARANTINE),
        ("t::broken", Suggestion.FIX),
        ("t::watch", Suggestion.WATCH),
    ]
