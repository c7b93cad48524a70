"""Fixtures of the test-mode tests: an HTTP server on loopback that stands in for the sandbox
provider's API (or receives its webhooks)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from shop.config import Settings
from tests.builders.accounts import use_fast_password_hashing
from tests.conftest import make_settings


@pytest.fixture
def app_settings(database_url: str, tmp_path: Path) -> Settings:
    # No background worker: the tests decide when mails are sent.
    return make_settings(database_url, tmp_path / "var", worker_in_process=False)


@pytest.fixture(autouse=True)
def fast_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    # The demo seed hashes the demo accounts' passwords.
    use_fast_password_hashing(monkeypatch)


@dataclass
class FakeSandbox:
    """Speaks the sandbox's webhook-trigger call, `POST /v1/payments/{id}/webhooks {type}`, on
    loopback; answers with `status` and `body`, and records what it was asked."""

    url: str = ""
    status: int = 202
    body: dict[str, Any] = field(
        default_factory=lambda: {"event_id": "evt_sbx_1", "delivered": True}
    )
    requests: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    headers: list[dict[str, str]] = field(default_factory=list)
    received: threading.Event = field(default_factory=threading.Event)


@pytest.fixture
def fake_sandbox() -> Iterator[FakeSandbox]:
    sandbox = FakeSandbox()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
            length = int(self.headers.get("Content-Length", "0"))
            sandbox.requests.append((self.path, json.loads(self.rfile.read(length) or b"{}")))
            sandbox.headers.append({k.lower(): v for k, v in self.headers.items()})
            sandbox.received.set()
            payload = json.dumps(sandbox.body).encode()
            self.send_response(sandbox.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    sandbox.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield sandbox
    finally:
        server.shutdown()
        server.server_close()
