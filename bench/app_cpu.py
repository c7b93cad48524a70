"""A shop app driven in-process, for instrumentation.py: CPU per request without a network.

Run as `python bench/app_cpu.py <path> [<path> ...]` with the shop's environment (metrics on or
off through SHOP_METRICS_ENABLED). It builds the app as a uvicorn worker would
(`shop.main.app_from_environment`, lifespan started), answers each path once, then for every
line `<count>` read on stdin sends that many GET requests (the paths in turn) straight to the
ASGI app and prints the process CPU seconds they took. Only the app's own work is timed: no
client, no sockets, no HTTP parsing; that work is the same with metrics on and off, so the
share measured here is an upper bound of the share on a served request.
"""

from __future__ import annotations

import asyncio
import sys
import time
from typing import Any


def _scope(path: str) -> dict[str, Any]:
    raw_path, _, query = path.partition("?")
    return {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.4"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": raw_path,
        "raw_path": raw_path.encode(),
        "query_string": query.encode(),
        "root_path": "",
        "headers": [
            (b"host", b"127.0.0.1:8000"),
            (b"user-agent", b"wrk"),
            (b"accept", b"*/*"),
        ],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
        "state": {},
    }


async def _request(app: Any, scope: dict[str, Any]) -> int:
    status = 0

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]

    await app({**scope, "state": {}}, receive, send)
    return status


async def main(paths: list[str]) -> None:
    from shop.main import app_from_environment

    app = app_from_environment()
    scopes = [_scope(path) for path in paths]
    async with app.router.lifespan_context(app):
        for scope in scopes:
            status = await _request(app, scope)
            if status != 200:
                raise SystemExit(f"{scope['path']} answered {status}")
        print("ready", flush=True)
        loop = asyncio.get_running_loop()
        while line := await loop.run_in_executor(None, sys.stdin.readline):
            count = int(line)
            started = time.process_time()
            statuses = set()
            for index in range(count):
                statuses.add(await _request(app, scopes[index % len(scopes)]))
                # As between a server's requests: timers (the metrics publisher) get their turn.
                await asyncio.sleep(0)
            spent = time.process_time() - started
            if statuses != {200}:
                raise SystemExit(f"answers other than 200: {sorted(statuses)}")
            print(f"{spent:.6f}", flush=True)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1:]))
