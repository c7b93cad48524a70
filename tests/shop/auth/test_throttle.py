from __future__ import annotations

from datetime import UTC, datetime, timedelta

from shop.auth.throttle import Refusal, login_refusal

NOW = datetime(2026, 11, 26, 12, 0, 0, tzinfo=UTC)
WINDOW = timedelta(minutes=15)


def ago(seconds: float) -> datetime:
    return NOW - timedelta(seconds=seconds)


def refusal(*failures: datetime) -> Refusal | None:
    return login_refusal(failures, now=NOW, max_failures=5, window=WINDOW)


class TestLoginRefusal:
    def test_no_failures(self) -> None:
        assert refusal() is None

    def test_one_failure_is_free(self) -> None:
        assert refusal(ago(0)) is None

    def test_second_failure_delays_one_second(self) -> None:
        assert refusal(ago(10), ago(0)) == Refusal(retry_after=1, locked=False)

    def test_delay_over(self) -> None:
        assert refusal(ago(10), ago(1)) is None

    def test_third_failure_delays_two_seconds(self) -> None:
        assert refusal(ago(10), ago(5), ago(0.5)) == Refusal(retry_after=2, locked=False)

    def test_fourth_failure_delays_four_seconds(self) -> None:
        assert refusal(ago(10), ago(8), ago(5), ago(1)) == Refusal(retry_after=3, locked=False)

    def test_fifth_failure_locks_until_the_oldest_leaves_the_window(self) -> None:
        result = refusal(ago(100), ago(80), ago(60), ago(40), ago(20))
        assert result == Refusal(retry_after=15 * 60 - 100, locked=True)

    def test_lock_rounds_up_to_whole_seconds(self) -> None:
        result = refusal(ago(100.5), ago(80), ago(60), ago(40), ago(20))
        assert result == Refusal(retry_after=15 * 60 - 100, locked=True)

    def test_more_failures_than_the_limit_wait_for_enough_to_leave(self) -> None:
        result = refusal(ago(200), ago(100), ago(80), ago(60), ago(40), ago(20))
        assert result == Refusal(retry_after=15 * 60 - 100, locked=True)

    def test_failures_outside_the_window_do_not_count(self) -> None:
        old = [ago(15 * 60 + s) for s in range(1, 6)]
        assert refusal(*old) is None

    def test_failure_exactly_at_the_window_edge_has_left(self) -> None:
        assert refusal(ago(15 * 60), ago(30), ago(20), ago(10), ago(9)) is None

    def test_order_of_the_failures_does_not_matter(self) -> None:
        assert refusal(ago(0), ago(10)) == Refusal(retry_after=1, locked=False)

    def test_a_lower_limit_locks_sooner(self) -> None:
        result = login_refusal([ago(30), ago(20)], now=NOW, max_failures=2, window=WINDOW)
        assert result == Refusal(retry_after=15 * 60 - 30, locked=True)
