"""An MCP session as an assistant would hold it, over HTTP with a key: generate a test for a
story, run it against the live shop in test mode (watching progress), read the report."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from testhub.config import HubSettings
from testhub.mcp.keys.store import KeyStore
from testhub.mcp.scopes import parse_scopes
from testhub.store.database import HubDatabase
from testhub.web.app import create_hub_app
from tests.testhub.mcp.conftest import make_hub_settings
from tests.testhub.mcp.http_server import http_client, serve

STORY = "search-finds-products"


@pytest.fixture
def hub(tmp_path: Path, shop_url: str) -> Iterator[tuple[str, HubSettings]]:
    """`testhub serve`'s app: the dashboard with /mcp mounted."""
    settings = make_hub_settings(tmp_path, shop_url)
    with serve(create_hub_app(settings)) as url:
        yield url, settings


async def test_generate_run_and_read_the_report(hub: tuple[str, HubSettings]) -> None:
    url, settings = hub
    database = HubDatabase(settings.database_url)
    key = (
        await KeyStore(database).create(name="e2e", scopes=parse_scopes("run"), expires_in=None)
    ).token
    await database.dispose()
    progress: list[tuple[float, float | None, str | None]] = []

    async def on_progress(done: float, total: float | None, message: str | None) -> None:
        progress.append((done, total, message))

    async with http_client(url, key, mode="legacy") as client:
        health = await client.call_tool("shop_health", {})
        generated = await client.call_tool("tests_generate", {"story": STORY})
        assert generated.structured_content is not None
        path = generated.structured_content["path"]
        run = await client.call_tool("tests_run", {"path": path}, progress_callback=on_progress)
        assert run.structured_content is not None, run.content
        report = await client.call_tool("run_report", {"run_id": run.structured_content["run_id"]})
        latest = await client.read_resource("testhub://runs/latest")

    assert health.structured_content is not None
    assert health.structured_content["test_mode"] is True
    assert Path(path).is_file()
    assert Path(path).parent == settings.generated_dir
    result = run.structured_content
    assert result["exit_code"] == 0, result
    assert (result["passed"], result["failed"], result["errors"]) == (1, 0, 0)
    assert progress[0][0] == 0
    assert progress[-1][:2] == (1, 1)
    assert report.structured_content is not None
    tests = report.structured_content["tests"]
    assert [test["outcome"] for test in tests] == ["passed"]
    assert STORY.replace("-", "_") in tests[0]["nodeid"]
    assert f'"run_id": {result["run_id"]}' in latest.contents[0].text  # type: ignore[union-attr]
    async with httpx.AsyncClient(base_url=url) as http:
        usage = await http.get("/usage")
        dashboard = await http.get("/")
    assert usage.status_code == 200
    assert "<td>tests_run</td>" in usage.text
    assert dashboard.status_code == 200
