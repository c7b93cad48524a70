"""A real shop process on 127.0.0.1 for black-box tests (fuzzing, concurrency, browsers)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from shop.config import PROJECT_ROOT

SHOP_COMMAND = [sys.executable, "-m", "shop.cli"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class LiveShop:
    base_url: str
    database_url: str
    var_dir: Path
    process: subprocess.Popen[bytes]
    env: dict[str, str] = field(default_factory=dict)

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def shop_env(database_url: str, var_dir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHOP_")}
    env.update(
        {
            "SHOP_ENV": "test",
            "SHOP_DATABASE_URL": database_url,
            "SHOP_VAR_DIR": str(var_dir),
            "SHOP_SECRET_KEY": "live-test-secret-key-0123456789abcdef",
            "SHOP_LOG_LEVEL": "WARNING",
        }
    )
    env.update(extra)
    return env


def run_shop_command(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        [*SHOP_COMMAND, *args],
        env=env,
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"shop {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


def start_shop(
    database_url: str,
    var_dir: Path,
    *,
    workers: int = 1,
    seed_demo: bool = True,
    ready_within: float = 90.0,
    **extra: str,
) -> LiveShop:
    """Start `shop run` on a free port and wait for /readyz. `ready_within` is generous: several
    workers on a busy 2-core machine take tens of seconds to import and start."""
    env = shop_env(database_url, var_dir, **extra)
    if seed_demo:
        run_shop_command(env, "seed", "--demo", "--if-empty")
    port = free_port()
    # The mounted sandbox provider addresses the shop (webhooks) through its public URL.
    env.setdefault("SHOP_PUBLIC_URL", f"http://127.0.0.1:{port}")
    var_dir.mkdir(parents=True, exist_ok=True)
    log_path = var_dir / "shop.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(  # noqa: S603 (our own command)
            [*SHOP_COMMAND, "run", "--port", str(port), "--workers", str(workers)],
            env=env,
            cwd=PROJECT_ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    shop = LiveShop(f"http://127.0.0.1:{port}", database_url, var_dir, process, env)
    deadline = time.monotonic() + ready_within
    while time.monotonic() < deadline:
        if process.poll() is not None:
            output = log_path.read_text(errors="replace")
            raise RuntimeError(f"the shop exited with {process.returncode}:\n{output}")
        try:
            if httpx.get(f"{shop.base_url}/readyz", timeout=1).status_code == 200:
                return shop
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    shop.stop()
    raise RuntimeError(f"the shop did not become ready within {ready_within:.0f} s")
