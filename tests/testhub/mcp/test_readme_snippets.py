"""The README's MCP client snippets parse and point at the real command and endpoint."""

from __future__ import annotations

import json
import re

from testhub.config import PROJECT_ROOT
from testhub.mcp.http import MCP_PATH


def _section() -> str:
    text = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    return text.split("## Connecting an AI assistant (MCP)", 1)[1]


def test_json_snippets_are_valid_and_name_the_stdio_command_and_the_http_endpoint() -> None:
    blocks = re.findall(r"```json\n(.*?)```", _section(), flags=re.S)
    desktop, vscode = (json.loads(block) for block in blocks)

    stdio = desktop["mcpServers"]["shopwright"]
    assert stdio["args"][-2:] == ["testhub", "mcp"]
    assert f"http://127.0.0.1:8001{MCP_PATH}" in desktop["mcpServers"]["shopwright-hub"]["args"]
    assert vscode["servers"]["shopwright"]["args"][-2:] == ["testhub", "mcp"]
    http = vscode["servers"]["shopwright-hub"]
    assert http["type"] == "http"
    assert http["url"].endswith(MCP_PATH)
    assert http["headers"]["Authorization"].startswith("Bearer ")


def test_shell_snippets_use_existing_commands() -> None:
    shell = "\n".join(re.findall(r"```sh\n(.*?)```", _section(), flags=re.S))

    for command in ("keys create", "keys list", "keys rotate", "keys revoke", "testhub mcp"):
        assert command in shell
    assert "--transport http" in shell
