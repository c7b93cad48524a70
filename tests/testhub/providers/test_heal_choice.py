"""An LLM only breaks ties: when the scorer finds several candidates above the threshold and
within the margin of each other, the configured provider picks one of them (or none). Runs go
through `testhub run` against the contract shop with its markup rewritten, like the mutation
suite, with the OpenAI fake answering as a careful model would."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from testhub.config import HubSettings
from testhub.heal.fingerprint import Fingerprint
from testhub.heal.healer import Healer
from testhub.heal.scoring import Decision, Scored, decide
from testhub.providers.prompts import parse_choice
from testhub.run.runner import run_suite
from testhub.store.database import HubDatabase
from testhub.store.models import LlmCall
from tests.testhub.fakes.llm_servers import FakeLlm, Reply
from tests.testhub.providers.conftest import OPENAI_KEY

SUITE_CONFTEST = """
import json
import os


import pytest


@pytest.fixture(autouse=True)
def mutate(page):
    rules = json.loads(os.environ.get("MUTATION", "[]"))

    def rewrite(route):
        response = route.fetch()
        body = response.text()
        for old, new in rules:
            body = body.replace(old, new)
        route.fulfill(response=response, body=body)

    if rules:
        page.route("**/products/*", rewrite)
"""

SUITE_TEST = """
import re


def test_add_to_cart(page, healer):
    page.request.post("/__reset")
    page.goto("/products/trail-parka")
    healer.find(page.get_by_test_id("add-to-cart"), key="add-to-cart").click()
    page.wait_for_url(re.compile("/cart$"))
"""

BUTTON = (
    '<button type="submit" data-testid="add-to-cart" id="add-button" '
    'class="btn btn-primary">Add to cart</button>'
)
# Two buttons the scorer cannot tell apart (test id gone, ids and classes renamed alike); only
# the wording differs a little. `data-truth` marks the right one for the test, unseen by both.
TWIN_BUTTONS = (
    '<button type="submit" id="b-1" class="btn" data-truth="add-to-cart">Add to cart</button>'
    '<button type="submit" id="b-2" class="btn" data-truth="decoy">Add to cart now</button>'
)


def careful_model(request: dict[str, Any]) -> str:
    """Chooses the candidate whose accessible name is the recorded one's, else none."""
    prompt = request["messages"][-1]["content"]
    recorded = json.loads(re.search(r"Recorded element: (\{.*\})", prompt).group(1))  # type: ignore[union-attr]
    for number, facts in re.findall(r"^(\d+)\. score [\d.]+: (\{.*\})$", prompt, re.MULTILINE):
        if json.loads(facts).get("accessible_name") == recorded.get("accessible_name"):
            return json.dumps({"choice": int(number), "reason": "same name"})
    return '{"choice": null, "reason": "none is clearly the same"}'


@pytest.fixture(scope="module")
def suite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("llm_heal_suite")
    (directory / "conftest.py").write_text(SUITE_CONFTEST)
    (directory / "test_add.py").write_text(SUITE_TEST)
    return directory


@pytest.fixture(scope="module")
def hub_settings_module(tmp_path_factory: pytest.TempPathFactory) -> HubSettings:
    var = tmp_path_factory.mktemp("llm_heal_var")
    return HubSettings(
        database_url=f"sqlite+aiosqlite:///{var / 'hub.db'}",
        var_dir=var,
        browser_executable="/usr/bin/chromium",
        _env_file=None,  # type: ignore[call-arg]
    )


def _env(settings: HubSettings, fake: FakeLlm) -> dict[str, str]:
    values = {
        "LLM_PROVIDER": "openai",
        "OPENAI_BASE_URL": f"{fake.url}/v1",
        "OPENAI_API_KEY": OPENAI_KEY,
        "LLM_BACKOFF_SECONDS": "0.01",
        "DATABASE_URL": settings.database_url,
        "VAR_DIR": str(settings.var_dir),
        "HEAL_PROBE_MS": "600",
    }
    return {f"TESTHUB_{name}": value for name, value in values.items()}


@pytest.fixture(scope="module")
async def baseline(
    suite: Path,
    hub_settings_module: HubSettings,
    llm_servers: dict[str, FakeLlm],
    contract_shop: str,
) -> None:
    """A passing run on the unchanged shop records the fingerprints, once for the module."""
    with pytest.MonkeyPatch.context() as patch:
        for name, value in _env(hub_settings_module, llm_servers["openai"]).items():
            patch.setenv(name, value)
        patch.delenv("MUTATION", raising=False)
        outcome = await run_suite(suite, base_url=contract_shop, settings=hub_settings_module)
    assert outcome.exit_code == 0, outcome.problem or outcome.results


@pytest.fixture
def llm_env(
    baseline: None,
    hub_settings_module: HubSettings,
    fakes: dict[str, FakeLlm],
    monkeypatch: pytest.MonkeyPatch,
) -> HubSettings:
    for name, value in _env(hub_settings_module, fakes["openai"]).items():
        monkeypatch.setenv(name, value)
    return hub_settings_module


async def _heal_of(suite: Path, settings: HubSettings, contract_shop: str) -> dict[str, Any]:
    outcome = await run_suite(suite, base_url=contract_shop, settings=settings)
    [result] = outcome.results
    [heal] = result["heals"]
    return {"outcome": result["outcome"], **heal}


async def _llm_calls(settings: HubSettings) -> list[LlmCall]:
    database = HubDatabase(settings.database_url)
    try:
        async with database.session() as session:
            return list((await session.scalars(select(LlmCall))).all())
    finally:
        await database.dispose()


async def test_the_llm_breaks_a_tie_the_scorer_refuses(
    suite: Path,
    llm_env: HubSettings,
    fakes: dict[str, FakeLlm],
    contract_shop: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fakes["openai"].responder = careful_model
    monkeypatch.setenv("MUTATION", json.dumps([[BUTTON, TWIN_BUTTONS]]))

    heal = await _heal_of(suite, llm_env, contract_shop)

    assert heal["status"] == "healed", heal
    assert heal["outcome"] == "passed"
    assert heal["healed_truth"] == "add-to-cart"  # the right twin, not the decoy
    assert re.fullmatch(r"openai chose among 2 candidates scoring 0\.\d+, 0\.\d+", heal["reason"])
    assert heal["score"] >= llm_env.heal_threshold
    assert heal["score"] - heal["runner_up_score"] < llm_env.heal_margin  # a real tie
    [request] = fakes["openai"].received
    assert b"data-truth" not in request.body
    assert b"decoy" not in request.body
    call = (await _llm_calls(llm_env))[-1]
    assert (call.provider, call.purpose, call.ok) == ("openai", "heal", True)
    assert call.input_tokens > 0


async def test_when_the_llm_chooses_none_the_heal_is_refused(
    suite: Path,
    llm_env: HubSettings,
    fakes: dict[str, FakeLlm],
    contract_shop: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fakes["openai"].script(Reply('{"choice": null, "reason": "unsure"}'))
    monkeypatch.setenv("MUTATION", json.dumps([[BUTTON, TWIN_BUTTONS]]))

    heal = await _heal_of(suite, llm_env, contract_shop)

    assert heal["status"] == "refused"
    assert heal["outcome"] == "failed"
    assert heal["reason"].startswith("ambiguous: ")
    assert heal["reason"].endswith("; openai chose none")


class TestTieBreak:
    """The healer's rules around the chooser, without a browser (it only ranks and decides)."""

    class Chooser:
        name = "fake"

        def __init__(self, answer: int | None) -> None:
            self.answer = answer
            self.offered: list[list[float]] = []

        def __call__(self, key: str, recorded: Fingerprint, candidates: list[Scored]) -> int | None:
            self.offered.append([s.score for s in candidates])
            return self.answer

    def _decide(self, chooser: Chooser, *scores: float) -> Decision:
        healer = Healer(None, "t", None, Path("heals.jsonl"), chooser=chooser)  # type: ignore[arg-type]
        ranked = [Scored(Fingerprint(tag="button", name=f"b{i}"), s) for i, s in enumerate(scores)]
        refused = decide(ranked, threshold=healer.threshold, margin=healer.margin)
        return healer._choose("add-to-cart", Fingerprint(tag="button"), ranked, refused)

    def test_only_the_tied_candidates_are_offered(self) -> None:
        chooser = self.Chooser(1)

        decision = self._decide(chooser, 0.80, 0.78, 0.70, 0.50)

        assert chooser.offered == [[0.80, 0.78]]  # 0.70 is beyond the 0.08 margin of 0.80
        assert decision.winner is not None
        assert decision.winner.score == 0.78
        assert decision.reason == "fake chose among 2 candidates scoring 0.80, 0.78"

    def test_nothing_above_the_threshold_never_reaches_the_chooser(self) -> None:
        chooser = self.Chooser(0)

        decision = self._decide(chooser, 0.60, 0.59)

        assert chooser.offered == []
        assert decision.winner is None

    def test_a_pick_below_the_threshold_is_refused(self) -> None:
        decision = self._decide(self.Chooser(1), 0.70, 0.63)

        assert decision.winner is None
        assert decision.reason.endswith("; fake chose none")

    def test_an_index_outside_the_offer_is_refused(self) -> None:
        assert self._decide(self.Chooser(5), 0.80, 0.79).winner is None


class TestParseChoice:
    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ('{"choice": 2, "reason": "same"}', 1),
            ('Sure! {"choice": "1"}', 0),
            ('{"choice": null}', None),
            ('{"choice": 3}', None),  # out of range: only the offered candidates
            ('{"choice": 0}', None),
            ('{"choice": true}', None),
            ("the second one", None),
        ],
    )
    def test_only_an_offered_candidate_counts(self, text: str, expected: int | None) -> None:
        assert parse_choice(text, count=2) == expected

    def test_the_prompt_never_shows_the_ground_truth_marker(self) -> None:
        from testhub.providers.prompts import heal_messages

        element = Fingerprint(tag="button", name="Add", truth="add-to-cart", css="html > body")
        [_, user] = heal_messages("add-to-cart", element, [(element, 0.9)])

        assert "truth" not in user.content
        assert "html > body" not in user.content
