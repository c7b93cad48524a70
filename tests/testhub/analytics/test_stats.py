from __future__ import annotations

import pytest

from testhub.analytics.stats import percentile, ratio, wilson_interval


class TestWilsonInterval:
    @pytest.mark.parametrize(
        ("successes", "trials", "expected"),
        [
            (0, 10, (0.0, 0.2775)),
            (5, 10, (0.2366, 0.7634)),
            (10, 10, (0.7225, 1.0)),
            (1, 3, (0.0615, 0.7923)),
            (19, 19, (0.8318, 1.0)),
        ],
    )
    def test_known_values(self, successes: int, trials: int, expected: tuple[float, float]) -> None:
        low, high = wilson_interval(successes, trials)

        assert (round(low, 4), round(high, 4)) == expected

    def test_no_trials_says_nothing(self) -> None:
        assert wilson_interval(0, 0) == (0.0, 1.0)

    def test_more_successes_than_trials_is_refused(self) -> None:
        with pytest.raises(ValueError, match="3 successes out of 2 trials"):
            wilson_interval(3, 2)


class TestPercentile:
    def test_interpolates_between_ranks(self) -> None:
        values = [float(v) for v in range(10, 22)]

        assert percentile(values, 0.5) == pytest.approx(15.5)
        assert percentile(values, 0.95) == pytest.approx(20.45)
        assert percentile(values, 0) == 10
        assert percentile(values, 1) == 21

    def test_empty_is_none(self) -> None:
        assert percentile([], 0.5) is None

    def test_fraction_outside_unit_interval_is_refused(self) -> None:
        with pytest.raises(ValueError, match="outside"):
            percentile([1.0], 1.5)


def test_ratio_of_nothing_is_none() -> None:
    assert ratio(1, 4) == 0.25
    assert ratio(0, 0) is None
