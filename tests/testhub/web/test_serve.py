"""`testhub serve` as a process: listens where told, serves the dashboard and /mcp, stops on
Ctrl-C."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def test_serve_starts_the_dashboard_and_stops_on_interrupt(tmp_path: Path) -> None:
    port = _free_port()
    env = {
        **os.environ,
        "TESTHUB_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'hub.db'}",
        "TESTHUB_VAR_DIR": str(tmp_path / "var"),
        "TESTHUB_ENV": "development",
        "TESTHUB_HOST": "127.0.0.1",
    }
    command = [str(Path(sys.executable).parent / "testhub"), "serve", "--port", str(port)]
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                health = httpx.get(f"{url}/healthz", timeout=1)
                break
            except httpx.TransportError:
                assert process.poll() is None, process.communicate()[0]
                assert time.monotonic() < deadline, "testhub serve did not start"
                time.sleep(0.2)
        page = httpx.get(url, headers={"accept": "text/html"})
        mcp = httpx.post(f"{url}/mcp", json={"jsonrpc": "2.0", "id": 1, "method": "ping"})
    finally:
        process.send_signal(signal.SIGINT)
        output, _ = process.communicate(timeout=30)

    assert health.json() == {"status": "ok"}
    assert page.status_code == 200
    assert "<h1>Overview</h1>" in page.text
    assert mcp.status_code == 401
    assert process.returncode == 0, output
    assert f"Testing hub: http://127.0.0.1:{port}" in output


def test_serve_refuses_a_bad_port() -> None:
    result = subprocess.run(
        [str(Path(sys.executable).parent / "testhub"), "serve", "--port", "70000"],
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode == 2
    assert "less than or equal to 65535" in result.stderr


def test_serve_refuses_bad_settings() -> None:
    env = {**os.environ, "TESTHUB_ENV": "staging"}
    result = subprocess.run(
        [str(Path(sys.executable).parent / "testhub"), "serve"],
        capture_output=True,
        text=True,
        check=False,
        env=env,
    )

    assert result.returncode == 2
    assert result.stderr.startswith("error: 1 validation error for HubSettings\nenv")
