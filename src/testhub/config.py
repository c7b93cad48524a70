"""Every setting of the testing hub, read from `TESTHUB_*` environment variables (and `.env`).

Secrets may come from a file instead (`TESTHUB_OPENAI_API_KEY_FILE=/run/secrets/openai`): the file
is read again whenever it changes, so a rotated key is used without a restart.
"""

from __future__ import annotations

import os
import shutil
from enum import StrEnum
from functools import lru_cache
from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parents[2]
BROWSER_ARGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)


class LlmProviderName(StrEnum):
    OFFLINE = "offline"
    OPENAI = "openai"
    ANTHROPIC = "anthropic"
    OLLAMA = "ollama"
    LMSTUDIO = "lmstudio"


class HubSettings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="TESTHUB_", env_file=".env", env_ignore_empty=True, extra="ignore", frozen=True
    )

    # The shop under test: its URL, and staff credentials for the admin API (stock, orders).
    base_url: str = "http://127.0.0.1:8000"
    staff_email: str = "admin@example.com"
    staff_password: SecretStr = SecretStr("admin-demo-password")
    staff_password_file: Path | None = None

    # Where runs, results and heals are stored; SQLite under var/ unless PostgreSQL is given.
    database_url: str = f"sqlite+aiosqlite:///{PROJECT_ROOT / 'var' / 'testhub.db'}"
    var_dir: Path = PROJECT_ROOT / "var" / "testhub"
    stories_dir: Path = PROJECT_ROOT / "stories"
    generated_dir: Path = PROJECT_ROOT / "tests" / "generated"

    # The dashboard (`testhub serve`).
    host: str = "127.0.0.1"
    port: int = Field(default=8001, ge=1, le=65535)

    # The MCP server (`testhub mcp`, `/mcp` on the dashboard). Lists are comma-separated.
    # Dashboard and /mcp need no key only in development on loopback; /mcp always needs one.
    env: str = Field(default="development", pattern="^(development|test|production)$")
    mcp_local_scopes: str = "read,run,admin"  # what stdio (the local user) may do
    mcp_allow_production: bool = False  # destructive tools against a production shop
    mcp_production_hosts: str = ""
    mcp_test_hosts: str = ""
    mcp_allowed_hosts: str = ""  # Host headers accepted beside loopback (DNS-rebinding check)
    mcp_cors_origins: str = ""

    # Browser and timeouts of generated tests.
    browser_executable: str | None = shutil.which("chromium") or None
    action_timeout_ms: int = Field(default=5000, ge=100, le=120_000)
    navigation_timeout_ms: int = Field(default=15_000, ge=100, le=300_000)
    run_timeout_seconds: int = Field(default=1800, ge=1)

    # Self-healing: a candidate must score at least this and beat the runner-up by the margin.
    # Calibrated on the mutation suite: the right element with every attribute but its text and
    # role renamed scores ~0.72; the nearest wrong element (another button) stays below 0.5.
    heal_threshold: float = Field(default=0.65, gt=0, le=1)
    heal_margin: float = Field(default=0.08, ge=0, le=1)

    # LLM provider (offline needs none). Keys: environment variable or a file re-read on change.
    llm_provider: LlmProviderName = LlmProviderName.OFFLINE
    llm_model: str | None = None
    llm_timeout_seconds: float = Field(default=30.0, gt=0, le=600)
    llm_retries: int = Field(default=2, ge=0, le=10)
    llm_backoff_seconds: float = Field(default=0.5, ge=0, le=60)  # doubles per retry
    llm_max_tokens: int = Field(default=1024, ge=16, le=32_000)
    openai_api_key: SecretStr | None = None
    openai_api_key_file: Path | None = None
    openai_base_url: str = "https://api.openai.com/v1"
    anthropic_api_key: SecretStr | None = None
    anthropic_api_key_file: Path | None = None
    anthropic_base_url: str = "https://api.anthropic.com"
    ollama_base_url: str = "http://127.0.0.1:11434"
    lmstudio_base_url: str = "http://127.0.0.1:1234/v1"
    lmstudio_api_key: SecretStr | None = None
    lmstudio_api_key_file: Path | None = None

    @property
    def artifacts_dir(self) -> Path:
        return self.var_dir / "artifacts"

    def secret(self, name: str) -> str | None:
        """The current value of a secret setting: its `_FILE` when set (re-read on change),
        else the environment value."""
        path: Path | None = getattr(self, f"{name}_file", None)
        if path is not None:
            return read_secret_file(path)
        value: SecretStr | None = getattr(self, name)
        return value.get_secret_value() if value is not None else None


_file_cache: dict[Path, tuple[int, int, str]] = {}


def read_secret_file(path: Path) -> str:
    """A secret file's stripped content, cached until its modification time or size changes."""
    stat = path.stat()
    cached = _file_cache.get(path)
    if cached is not None and cached[:2] == (stat.st_mtime_ns, stat.st_size):
        return cached[2]
    value = path.read_text(encoding="utf-8").strip()
    _file_cache[path] = (stat.st_mtime_ns, stat.st_size, value)
    return value


@lru_cache
def get_settings() -> HubSettings:
    return HubSettings()


def settings_from_env(**overrides: object) -> HubSettings:
    """Fresh settings (not the cached ones), for commands that take options on top."""
    return HubSettings(**overrides)  # type: ignore[arg-type]


def is_loopback_host(host: str) -> bool:
    return host in {"127.0.0.1", "::1", "localhost"} or host.startswith("127.")


def environment_summary() -> dict[str, str]:
    """TESTHUB_* variables with secrets masked, for diagnostics."""
    return {
        key: ("***" if any(s in key for s in ("KEY", "PASSWORD", "SECRET", "TOKEN")) else value)
        for key, value in sorted(os.environ.items())
        if key.startswith("TESTHUB_")
    }
