"""When a login attempt from one (email, client IP) must wait, given its recent failures.

Keyed by both so that nobody can lock someone else's account from another address. Pure: the
caller reads the failures and supplies the time.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

# Failures tolerated before delays start; each further failure doubles the delay (1 s, 2 s, 4 s...).
FREE_FAILURES = 2


@dataclass(frozen=True, slots=True)
class Refusal:
    retry_after: int  # whole seconds, at least 1
    locked: bool  # True: too many failures in the window; False: a growing delay


def login_refusal(
    failures: Sequence[datetime], *, now: datetime, max_failures: int, window: timedelta
) -> Refusal | None:
    """None when an attempt may go ahead, else how long to wait.

    `failures` are the failure times of this (email, IP); only those within `window` count.
    """
    recent = sorted(moment for moment in failures if moment > now - window)
    if len(recent) >= max_failures:
        # Wait until enough failures leave the window to fall below the limit.
        frees_at = recent[len(recent) - max_failures] + window
        return Refusal(retry_after=_seconds_until(frees_at, now), locked=True)
    if len(recent) >= FREE_FAILURES:
        delay = timedelta(seconds=2 ** (len(recent) - FREE_FAILURES))
        allowed_at = recent[-1] + delay
        if allowed_at > now:
            return Refusal(retry_after=_seconds_until(allowed_at, now), locked=False)
    return None


def _seconds_until(moment: datetime, now: datetime) -> int:
    return max(1, math.ceil((moment - now).total_seconds()))
