"""The healer generated tests call for every element they act on (sync Playwright)."""

from __future__ import annotations

import inspect
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Protocol

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Locator, Page

from testhub.heal.fingerprint import ALL_JS, ONE_JS, Fingerprint
from testhub.heal.ledger import FingerprintStore, HealEvent, append_event
from testhub.heal.patch import locator_code, propose_patch
from testhub.heal.scoring import Decision, Scored, decide, rank


class LocatorDriftError(AssertionError):
    """A locator matched nothing and no heal was accepted."""


class CandidateChooser(Protocol):
    """An LLM that picks among candidates the scorer could not separate (index, or None)."""

    name: str

    def __call__(
        self, step_key: str, recorded: Fingerprint, candidates: list[Scored]
    ) -> int | None: ...


@dataclass
class Healer:
    page: Page
    nodeid: str
    fingerprints: FingerprintStore
    ledger_path: Path
    threshold: float = 0.65
    margin: float = 0.08
    probe_timeout_ms: float = 2000
    chooser: CandidateChooser | None = None
    events: list[HealEvent] = field(default_factory=list)

    def find(self, locator: Locator, *, key: str) -> Locator:
        """The locator if it matches; otherwise the unique healed candidate, or a drift error."""
        return self._resolve(locator, key=key, assertion=False)

    def read(self, locator: Locator, *, key: str) -> Locator:
        """An assertion's target: fingerprinted when found, never healed."""
        return self._resolve(locator, key=key, assertion=True)

    def _resolve(self, locator: Locator, *, key: str, assertion: bool) -> Locator:
        if self._present(locator):
            try:
                data = locator.first.evaluate(ONE_JS)
                self.fingerprints.put(key, data)
            except PlaywrightError:
                pass  # navigated away meanwhile; the fingerprint waits for the next pass
            return locator
        test_file, line = _caller()
        original = str(locator)
        if assertion:
            self._record(
                HealEvent(
                    self.nodeid,
                    test_file,
                    line,
                    key,
                    original,
                    "refused",
                    "an assertion's target is never healed",
                ),
            )
            raise LocatorDriftError(
                f"locator drift: assertion target {key!r} not found ({original})"
            )
        recorded = self.fingerprints.get(key)
        if recorded is None:
            self._record(
                HealEvent(
                    self.nodeid,
                    test_file,
                    line,
                    key,
                    original,
                    "refused",
                    "no fingerprint recorded for this step yet",
                ),
            )
            raise LocatorDriftError(f"locator drift: {key!r} not found and never fingerprinted")
        candidates = [Fingerprint.from_dict(item) for item in self.page.evaluate(ALL_JS)]
        ranked = rank(Fingerprint.from_dict(recorded), candidates)
        decision = decide(ranked, threshold=self.threshold, margin=self.margin)
        if decision.winner is None and self.chooser is not None:
            decision = self._choose(key, Fingerprint.from_dict(recorded), ranked, decision)
        top = [
            {"element": s.candidate.describe(), "css": s.candidate.css, "score": s.score}
            for s in ranked[:3]
        ]
        runner_up = decision.runner_up.score if decision.runner_up else None
        if decision.winner is None:
            self._record(
                HealEvent(
                    self.nodeid,
                    test_file,
                    line,
                    key,
                    original,
                    "refused",
                    decision.reason,
                    score=ranked[0].score if ranked else None,
                    runner_up_score=runner_up,
                    candidates=top,
                ),
            )
            raise LocatorDriftError(
                f"locator drift: {key!r} not found; heal refused: {decision.reason}"
            )
        chosen = decision.winner.candidate
        new_code = locator_code(chosen)
        self._record(
            HealEvent(
                self.nodeid,
                test_file,
                line,
                key,
                original,
                "healed",
                decision.reason,
                healed_locator=new_code,
                score=decision.winner.score,
                runner_up_score=runner_up,
                candidates=top,
                patch=propose_patch(Path(test_file), line, key, new_code),
                healed_truth=chosen.truth,
            ),
        )
        return self.page.locator(chosen.css)

    def _choose(
        self, key: str, recorded: Fingerprint, ranked: list[Scored], refused: Decision
    ) -> Decision:
        """Only an ambiguity goes to the LLM: candidates within the margin of a best one above
        the threshold. It may pick one of those (itself above the threshold) or none."""
        if not ranked or ranked[0].score < self.threshold or self.chooser is None:
            return refused
        tied = [s for s in ranked[:5] if s.score >= ranked[0].score - self.margin]
        index = self.chooser(key, recorded, tied)
        if index is None or not 0 <= index < len(tied) or tied[index].score < self.threshold:
            return replace(refused, reason=f"{refused.reason}; {self.chooser.name} chose none")
        others = [s for s in tied if s is not tied[index]]
        return Decision(
            tied[index],
            others[0] if others else refused.runner_up,
            f"{self.chooser.name} chose among {len(tied)} candidates scoring "
            + ", ".join(f"{s.score:.2f}" for s in tied),
        )

    def _present(self, locator: Locator) -> bool:
        try:
            locator.first.wait_for(state="attached", timeout=self.probe_timeout_ms)
        except PlaywrightError:
            return False
        return True

    def _record(self, event: HealEvent) -> None:
        self.events.append(event)
        append_event(self.ledger_path, event)


def _caller() -> tuple[str, int | None]:
    """The test file and line that asked for the element (outside this package)."""
    for frame in inspect.stack()[2:]:
        if "testhub/heal" not in frame.filename.replace("\\", "/"):
            return frame.filename, frame.lineno
    return "", None
