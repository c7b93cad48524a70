"""An LLM's plan can carry only arguments of the right name and shape: nothing reaches the code
writer that could break out of a literal, a comment or the shop's URL space."""

from __future__ import annotations

import json

import pytest

from testhub.config import PROJECT_ROOT
from testhub.generate.arguments import argument_problem
from testhub.generate.engine import render
from testhub.generate.plan import PlanError, plan_from_json, plan_offline
from testhub.stories import load_stories

LIBRARY = load_stories(PROJECT_ROOT / "stories")
STORY = LIBRARY[0][1]


def _proposal(*steps: dict[str, object]) -> str:
    return json.dumps({"steps": list(steps)})


@pytest.mark.parametrize(("path", "story"), LIBRARY, ids=[s.id for _, s in LIBRARY])
def test_the_grammar_only_produces_arguments_the_table_accepts(path: object, story: object) -> None:
    for step in plan_offline(story).steps:  # type: ignore[arg-type]
        assert argument_problem(step.intent, step.args) is None, step


class TestPlanFromJson:
    @pytest.mark.parametrize(
        ("step", "problem"),
        [
            ({"intent": "update_quantity", "args": {"quantity": '1"); import os; ("'}},
             "quantity="),
            ({"intent": "sort", "args": {"order": 'newest")\nimport os\n("'}}, "order="),
            ({"intent": "assert_cart_count", "args": {"count": "1\" or \"1"}}, "count="),
            ({"intent": "navigate", "args": {"path": "https://evil.example/"}}, "path="),
            ({"intent": "navigate", "args": {"path": "//evil.example/"}}, "path="),
            ({"intent": "open_product", "args": {"product": "../admin"}}, "product="),
            ({"intent": "search", "args": {"query": "x'''\nimport os"}}, "query="),
            ({"intent": "sort", "args": {}}, "sort needs order"),
            ({"intent": "ship_order", "args": {}}, "ship_order needs tracking"),
            ({"intent": "open_cart", "args": {"path": "/"}}, "open_cart takes no arguments"),
            ({"intent": "add_to_cart", "args": {"quantity": "0"}}, "quantity="),
        ],
    )  # fmt: skip
    def test_arguments_of_the_wrong_name_or_shape_are_refused(
        self, step: dict[str, object], problem: str
    ) -> None:
        with pytest.raises(PlanError, match="step 1: ") as raised:
            plan_from_json(STORY, _proposal(step), engine="openai")

        assert problem in str(raised.value)

    def test_a_sentence_stays_one_comment_line(self) -> None:
        raw = _proposal(
            {"intent": "navigate", "args": {"path": "/"}, "sentence": "home\nimport os  # x"}
        )

        plan = plan_from_json(STORY, raw, engine="openai")
        _, source = render(STORY, plan)

        assert plan.steps[0].sentence == "home import os # x"
        assert "\nimport os" not in source

    def test_well_shaped_arguments_pass(self) -> None:
        raw = _proposal(
            {"intent": "navigate", "args": {"path": "/search?q=lamp&sort=newest"}},
            {"intent": "update_quantity", "args": {"quantity": 3}},
            {"intent": "assert_sorted", "args": {"direction": "descending"}},
        )

        plan = plan_from_json(STORY, raw, engine="openai")

        assert [s.args for s in plan.steps] == [
            {"path": "/search?q=lamp&sort=newest"},
            {"quantity": "3"},
            {"direction": "descending"},
        ]
