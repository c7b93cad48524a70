"""Plans: a story's acceptance criteria as ordered steps with intents."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from testhub.generate.arguments import argument_problem
from testhub.generate.grammar import INTENTS, parse_sentence
from testhub.stories.schema import Story


class PlanError(ValueError):
    """The story cannot be planned (sentences outside the grammar, invalid LLM plan)."""

    def __init__(self, message: str, *, unmatched: list[str] | None = None) -> None:
        super().__init__(message)
        self.unmatched = unmatched or []


@dataclass(frozen=True, slots=True)
class Step:
    intent: str
    args: dict[str, str] = field(default_factory=dict)
    sentence: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"intent": self.intent, "args": dict(self.args), "sentence": self.sentence}


@dataclass(frozen=True, slots=True)
class Plan:
    story_id: str
    steps: tuple[Step, ...]
    engine: str = "offline"

    def intents(self) -> list[str]:
        return [step.intent for step in self.steps]

    def to_json(self) -> str:
        return json.dumps(
            {
                "story": self.story_id,
                "engine": self.engine,
                "steps": [s.to_dict() for s in self.steps],
            },
            indent=2,
        )


def plan_offline(story: Story) -> Plan:
    """The grammar's plan, or PlanError naming every sentence it does not understand."""
    steps, unmatched = [], []
    for sentence in story.acceptance:
        match = parse_sentence(sentence)
        if match is None:
            unmatched.append(sentence)
        else:
            steps.append(Step(match.intent, match.args, sentence))
    if unmatched:
        raise PlanError(
            f"story {story.id}: {len(unmatched)} sentence(s) outside the grammar: "
            + "; ".join(repr(s) for s in unmatched),
            unmatched=unmatched,
        )
    _check_order(story.id, steps)
    return Plan(story.id, tuple(steps))


def plan_from_json(story: Story, raw: str, *, engine: str) -> Plan:
    """A plan an LLM proposed: JSON `{"steps": [{"intent": ..., "args": {...}}]}`, validated."""
    start, end = raw.find("{"), raw.rfind("}")
    try:
        data = json.loads(raw[start : end + 1]) if start >= 0 else None
    except json.JSONDecodeError as error:
        raise PlanError(f"story {story.id}: the proposed plan is not JSON: {error}") from error
    if not isinstance(data, dict) or not isinstance(data.get("steps"), list) or not data["steps"]:
        raise PlanError(f"story {story.id}: the proposed plan has no steps")
    steps = []
    for index, item in enumerate(data["steps"], start=1):
        if not isinstance(item, dict) or item.get("intent") not in INTENTS:
            raise PlanError(f"story {story.id}: step {index} has an unknown intent: {item!r}")
        args = item.get("args") or {}
        if not isinstance(args, dict) or not all(
            isinstance(k, str) and isinstance(v, str | int) for k, v in args.items()
        ):
            raise PlanError(f"story {story.id}: step {index} arguments must be strings")
        values = {k: str(v) for k, v in args.items()}
        problem = argument_problem(item["intent"], values)
        if problem:
            raise PlanError(f"story {story.id}: step {index}: {problem}")
        # One line: the sentence becomes a comment in the generated file.
        sentence = " ".join(str(item.get("sentence", "")).split())[:300]
        steps.append(Step(item["intent"], values, sentence))
    _check_order(story.id, steps)
    return Plan(story.id, tuple(steps), engine=engine)


_NEEDS = {
    "assert_totals": {"checkout"},
    "assert_order_confirmed": {"checkout"},
    "assert_email": {"checkout"},
    "assert_stock_decreased": {"checkout"},
    "assert_order_history": {"checkout"},
    "assert_declined": {"checkout"},
    "assert_discount": {"apply_coupon"},
    "assert_review_pending": {"write_review"},
    "assert_order_shipped": {"ship_order"},
    "assert_stock_adjusted": {"adjust_stock"},
}


def _check_order(story_id: str, steps: list[Step]) -> None:
    seen: set[str] = set()
    for step in steps:
        missing = _NEEDS.get(step.intent, set()) - seen
        if missing:
            raise PlanError(
                f"story {story_id}: {step.sentence or step.intent!r} needs an earlier "
                f"{' or '.join(sorted(missing))} step"
            )
        seen.add(step.intent)
