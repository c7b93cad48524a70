"""What the hub asks an LLM, and how it reads the answers. The answers are data (JSON), checked
by the hub before anything acts on them: a plan by `plan_from_json` and a dry run, a heal
choice only as an index into the candidates the scorer already accepted as plausible."""

from __future__ import annotations

import json
import re
from typing import Any

from testhub.generate.arguments import ARGUMENT_PATTERNS, INTENT_ARGUMENTS
from testhub.generate.grammar import INTENTS
from testhub.heal.fingerprint import Fingerprint
from testhub.providers.base import ChatMessage
from testhub.stories.schema import Story

PLAN_SYSTEM = """You turn a user story for the Shopwright web shop into a test plan.
Answer with one JSON object and nothing else:
{"steps": [{"intent": "<intent>", "args": {"<name>": "<string>"}, "sentence": "<criterion>"}]}
Rules:
- Use only the intents listed below, with only their listed arguments.
- Keep the order of the acceptance criteria; a criterion may need several steps.
- A check (assert_*) comes after the action it checks (checkout before assert_totals).
- Take products, variants, queries and coupons from the story's data; never invent them.
- Leave out what no intent can express rather than guessing."""

HEAL_SYSTEM = """A browser test step lost its element: the page changed. You see the element as it
was recorded and candidates from the current page, each with a similarity score.
Pick the candidate that is the same control (same purpose for the user), or none.
Answer with one JSON object and nothing else:
{"choice": <candidate number or null>, "reason": "<short>"}
Choose null when no candidate is clearly the same control or when two are equally likely."""


def intent_catalogue() -> str:
    lines = []
    for intent, description in INTENTS.items():
        required, optional = INTENT_ARGUMENTS.get(intent, (frozenset(), frozenset()))
        names = [f"{name} (required)" for name in sorted(required)] + sorted(optional)
        lines.append(f"- {intent}: {description} (args: {', '.join(names) or 'none'})")
    shapes = "\n".join(f"- {name}: {pattern}" for name, pattern in ARGUMENT_PATTERNS.items())
    return "\n".join(lines) + f"\nArgument values must match:\n{shapes}"


def plan_messages(
    story: Story, *, understood: list[tuple[str, str]], unmatched: list[str], feedback: str | None
) -> list[ChatMessage]:
    # The story's password never goes out; e-mails and the like are masked by the client anyway.
    data = story.data.model_dump(exclude_none=True, exclude={"password"})
    story_text = "\n".join(
        [
            f"id: {story.id}",
            f"title: {story.title}",
            f"as a {story.as_a}, I want {story.i_want}, so that {story.so_that}",
            "acceptance criteria:",
            *(f"  {index}. {sentence}" for index, sentence in enumerate(story.acceptance, 1)),
            f"data: {json.dumps(data, sort_keys=True)}",
        ]
    )
    parts = [f"Intents:\n{intent_catalogue()}", f"Story:\n{story_text}"]
    if understood:
        parts.append(
            "Criteria the grammar already understands (keep these intents):\n"
            + "\n".join(f"- {sentence!r} -> {intent}" for sentence, intent in understood)
        )
    parts.append("Criteria outside the grammar:\n" + "\n".join(f"- {s!r}" for s in unmatched))
    if feedback:
        parts.append(f"Your previous plan was refused; fix this:\n{feedback}")
    return [ChatMessage("system", PLAN_SYSTEM), ChatMessage("user", "\n\n".join(parts))]


def describe_element(fingerprint: Fingerprint) -> dict[str, Any]:
    """The facts a model may weigh; never the mutation suite's ground-truth marker or CSS path."""
    facts: dict[str, Any] = {
        "tag": fingerprint.tag,
        "role": fingerprint.role,
        "accessible_name": fingerprint.name[:80],
        "text": fingerprint.text[:80],
        "test_id": fingerprint.testid,
        "id": fingerprint.element_id,
        "classes": fingerprint.classes[:8],
        "attributes": {k: v[:60] for k, v in list(fingerprint.attributes.items())[:8]},
        "form_action": fingerprint.form,
        "neighbours": [n[:60] for n in fingerprint.neighbours],
    }
    return {key: value for key, value in facts.items() if value}


def heal_messages(
    step_key: str, recorded: Fingerprint, candidates: list[tuple[Fingerprint, float]]
) -> list[ChatMessage]:
    listed = "\n".join(
        f"{index}. score {score:.2f}: {json.dumps(describe_element(fp), sort_keys=True)}"
        for index, (fp, score) in enumerate(candidates, 1)
    )
    user = (
        f"Step: {step_key}\n"
        f"Recorded element: {json.dumps(describe_element(recorded), sort_keys=True)}\n"
        f"Candidates:\n{listed}"
    )
    return [ChatMessage("system", HEAL_SYSTEM), ChatMessage("user", user)]


_CHOICE = re.compile(r"\{.*\}", re.DOTALL)


def parse_choice(text: str, *, count: int) -> int | None:
    """The 0-based index the model chose, or None (no choice, not JSON, out of range)."""
    found = _CHOICE.search(text)
    if found is None:
        return None
    try:
        data = json.loads(found.group(0))
    except json.JSONDecodeError:
        return None
    choice = data.get("choice") if isinstance(data, dict) else None
    if isinstance(choice, bool) or not isinstance(choice, int | str):
        return None
    try:
        number = int(choice)
    except ValueError:
        return None
    return number - 1 if 1 <= number <= count else None
