"""The mutation suite: the fake shop's markup is rewritten on the fly with Playwright routing
(renamed test ids, ids and classes, changed button text, reordered and removed elements). A heal
must succeed where one element clearly matches, be refused where none or several do, never pick
the wrong element (the true one carries `data-truth`, which fingerprints ignore), and never
touch an assertion's target. Runs go through `testhub run`, so the plugin, ledger and store work
end to end."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from testhub.config import HubSettings
from testhub.run.runner import RunOutcome, run_suite
from testhub.store import repository
from testhub.store.database import HubDatabase

# Each mutation has a test file of its own (test_<index>.py), so that one `testhub run` covers
# them all: MUTATIONS maps a file's stem to its rewrite rules.
SUITE_CONFTEST = """
import json
import os

import pytest


@pytest.fixture(autouse=True)
def mutate(page, request):
    rules = json.loads(os.environ.get("MUTATIONS", "{}")).get(request.path.stem, [])
    if not rules:
        return

    def rewrite(route):
        response = route.fetch()
        body = response.text()
        for old, new in rules:
            body = body.replace(old, new)
        route.fulfill(response=response, body=body)

    page.route("**/products/*", rewrite)
    page.route("**/cart", rewrite)
"""

SUITE_TEST = """
import re

from playwright.sync_api import expect


def test_add_to_cart(page, healer):
    page.request.post("/__reset")
    page.goto("/products/trail-parka")
    healer.find(page.get_by_test_id("add-to-cart"), key="add-to-cart").click()
    page.wait_for_url(re.compile("/cart$"))
    page.goto("/cart")  # routes do not see redirected requests; this one is rewritten
    expect(healer.read(page.get_by_test_id("cart-total"), key="cart-total")).to_be_visible()
"""

BUTTON = (
    '<button type="submit" data-testid="add-to-cart" id="add-button" '
    'class="btn btn-primary">Add to cart</button>'
)
WISHLIST = (
    '<form method="post" action="/account/wishlist"><input type="hidden" name="product_id" '
    'value="1">\n<button type="submit" data-testid="add-to-wishlist" class="btn btn-secondary">'
    "Save to wishlist</button></form>"
)


def _button(
    testid: str = "",
    element_id: str = "add-button",
    classes: str = "btn btn-primary",
    text: str = "Add to cart",
) -> str:
    test_attr = f' data-testid="{testid}"' if testid else ""
    return (
        f'<button type="submit"{test_attr} id="{element_id}" class="{classes}" '
        f'data-truth="add-to-cart">{text}</button>'
    )  # fmt: skip


MUTATIONS: dict[str, tuple[list[tuple[str, str]], str]] = {
    "test id renamed": ([(BUTTON, _button("add-item"))], "healed"),
    "test id, id and classes renamed": (
        [(BUTTON, _button("buy-now", "btn-77", "b1 b2"))],
        "healed",
    ),
    "test id dropped and text changed": ([(BUTTON, _button("", text="Add to bag"))], "healed"),
    "elements reordered": (
        [(WISHLIST, ""), (BUTTON, _button("add") + "</form>\n" + WISHLIST + "<form>")],
        "healed",
    ),
    "button removed": ([(BUTTON, "")], "refused"),
    "two identical buttons": (
        [(BUTTON, _button("", "a", "btn") + _button("", "a", "btn"))],
        "refused",
    ),
    "assertion target renamed": (
        [('data-testid="cart-total"', 'data-testid="cart-sum"')],
        "refused",
    ),
}


FILES = {mutation: f"test_{index}" for index, mutation in enumerate(MUTATIONS)}


@pytest.fixture(scope="module")
def suite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("mutation_suite")
    (directory / "conftest.py").write_text(SUITE_CONFTEST)
    for stem in FILES.values():
        (directory / f"{stem}.py").write_text(SUITE_TEST)
    return directory


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> HubSettings:
    var = tmp_path_factory.mktemp("mutation_var")
    return HubSettings(
        database_url=f"sqlite+aiosqlite:///{var / 'hub.db'}",
        var_dir=var,
        browser_executable="/usr/bin/chromium",
        _env_file=None,  # type: ignore[call-arg]
    )


@pytest.fixture(scope="module")
async def mutated_run(suite: Path, settings: HubSettings, contract_shop: str) -> RunOutcome:
    """A passing run on the unchanged shop records the fingerprints; then one run with every
    file's markup mutated."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("TESTHUB_VAR_DIR", str(settings.var_dir))
        patch.setenv("TESTHUB_HEAL_PROBE_MS", "600")
        patch.delenv("MUTATIONS", raising=False)
        baseline = await run_suite(suite, base_url=contract_shop, settings=settings)
        failed = [r for r in baseline.results if r["outcome"] != "passed"]
        assert baseline.exit_code == 0, baseline.problem or failed
        fingerprints = json.loads((settings.var_dir / "fingerprints" / "test_0.json").read_text())
        assert fingerprints["add-to-cart"]["testid"] == "add-to-cart"

        rules = {FILES[mutation]: rules for mutation, (rules, _) in MUTATIONS.items()}
        patch.setenv("MUTATIONS", json.dumps(rules))
        return await run_suite(suite, base_url=contract_shop, settings=settings)


@pytest.mark.parametrize("mutation", list(MUTATIONS))
async def test_mutation(mutation: str, mutated_run: RunOutcome, settings: HubSettings) -> None:
    _, expected = MUTATIONS[mutation]
    [result] = [r for r in mutated_run.results if r["nodeid"].startswith(f"{FILES[mutation]}.py")]

    heals = result["heals"]
    assert [h["status"] for h in heals] == [expected], heals
    heal = heals[0]
    if expected == "healed":
        assert result["outcome"] == "passed"
        assert heal["healed_truth"] == "add-to-cart"  # the right element, not a neighbour
        assert heal["score"] >= settings.heal_threshold
        assert '-    healer.find(page.get_by_test_id("add-to-cart")' in heal["patch"]
    else:
        assert result["outcome"] == "failed"
        assert result["failure_class"] == "locator_drift"
        assert heal["healed_locator"] is None
    if mutation == "assertion target renamed":
        assert heal["step_key"] == "cart-total"
        assert heal["reason"] == "an assertion's target is never healed"


async def test_the_run_fails_and_every_heal_is_stored(
    mutated_run: RunOutcome, settings: HubSettings
) -> None:
    assert mutated_run.exit_code == 1  # some heals are refused, so some tests fail
    database = HubDatabase(settings.database_url)
    async with database.session() as session:
        stored = await repository.list_heals(session, limit=100)
    await database.dispose()
    mine = [h for h in stored if h.run_id == mutated_run.run_id]
    expected = sorted(status for _, status in MUTATIONS.values())
    assert sorted(h.status for h in mine) == expected
