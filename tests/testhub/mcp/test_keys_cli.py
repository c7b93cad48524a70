"""`testhub keys create | list | rotate | revoke` against a hub database file."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from testhub.cli import app
from testhub.mcp.keys import tokens


@pytest.fixture
def runner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("TESTHUB_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'hub.db'}")
    return CliRunner()


def test_create_list_rotate_revoke(runner: CliRunner) -> None:
    created = runner.invoke(app, ["keys", "create", "--name", "claude", "--scopes", "read,run"])
    token = created.stdout.strip()
    listed = runner.invoke(app, ["keys", "list"])
    rotated = runner.invoke(app, ["keys", "rotate", "1", "--grace", "1h"])
    revoked = runner.invoke(app, ["keys", "revoke", rotated.stdout.strip().split("_")[1]])
    after = runner.invoke(app, ["keys", "list"])

    assert created.exit_code == 0, created.output
    assert tokens.looks_like_key(token)
    assert "not shown again" in created.stderr
    assert listed.exit_code == 0
    assert "claude" in listed.stdout
    assert "read,run" in listed.stdout
    assert "active" in listed.stdout
    assert token not in listed.stdout
    assert rotated.exit_code == 0, rotated.output
    assert tokens.looks_like_key(rotated.stdout.strip())
    assert "replaces key 1" in rotated.stderr
    assert revoked.exit_code == 0
    lines = after.stdout.strip().splitlines()
    assert len(lines) == 2
    assert "revoked" in lines[1]


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["keys", "create", "--name", "x", "--scopes", "write"], "unknown scope 'write'"),
        (["keys", "create", "--name", "x", "--expires-in", "soon"], "use a number"),
        (["keys", "revoke", "42"], "no key '42'"),
    ],
)
def test_bad_input_exits_2_with_a_message(
    runner: CliRunner, arguments: list[str], message: str
) -> None:
    result = runner.invoke(app, arguments)

    assert result.exit_code == 2
    assert message in result.output
    assert runner.invoke(app, ["keys", "list"]).stdout.strip() == ""
