"""The provider port: what the hub asks of an AI, whichever one is configured.

`offline` is the deterministic grammar engine and never guesses: it plans only stories inside
the grammar and leaves ambiguous heals refused. The LLM providers propose plans for stories
outside the grammar and choose among heal candidates the scorer could not separate.
"""

from __future__ import annotations

from typing import Protocol

from testhub.generate.grammar import parse_sentence
from testhub.generate.plan import Plan, plan_from_json, plan_offline
from testhub.heal.fingerprint import Fingerprint
from testhub.providers.calls import LlmClient
from testhub.providers.prompts import heal_messages, parse_choice, plan_messages
from testhub.stories.schema import Story


class Provider(Protocol):
    name: str

    async def propose_plan(
        self, story: Story, *, unmatched: list[str], feedback: str | None = None
    ) -> Plan:
        """A validated plan (PlanError when the proposal is unusable)."""
        ...

    async def choose_candidate(
        self, step_key: str, recorded: Fingerprint, candidates: list[tuple[Fingerprint, float]]
    ) -> int | None:
        """The index of the candidate that is the recorded element, or None."""
        ...


class OfflineProvider:
    name = "offline"

    async def propose_plan(
        self, story: Story, *, unmatched: list[str], feedback: str | None = None
    ) -> Plan:
        return plan_offline(story)  # PlanError names the sentences outside the grammar

    async def choose_candidate(
        self, step_key: str, recorded: Fingerprint, candidates: list[tuple[Fingerprint, float]]
    ) -> int | None:
        return None


class LlmProvider:
    def __init__(self, client: LlmClient) -> None:
        self.client = client
        self.name = client.provider

    async def propose_plan(
        self, story: Story, *, unmatched: list[str], feedback: str | None = None
    ) -> Plan:
        understood = [
            (sentence, match.intent)
            for sentence in story.acceptance
            if (match := parse_sentence(sentence)) is not None
        ]
        messages = plan_messages(
            story, understood=understood, unmatched=unmatched, feedback=feedback
        )
        completion = await self.client.chat(messages, purpose="plan")
        return plan_from_json(story, completion.text, engine=self.name)

    async def choose_candidate(
        self, step_key: str, recorded: Fingerprint, candidates: list[tuple[Fingerprint, float]]
    ) -> int | None:
        if not candidates:
            return None
        completion = await self.client.chat(
            heal_messages(step_key, recorded, candidates), purpose="heal"
        )
        return parse_choice(completion.text, count=len(candidates))
