"""All settings of the shop, read once from `SHOP_*` environment variables (and `.env`)."""

from __future__ import annotations

from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Annotated

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_SECRET_KEY = "dev-insecure-secret-key-change-me"  # noqa: S105 (a known default, refused in production)


class Environment(StrEnum):
    DEVELOPMENT = "development"
    TEST = "test"
    PRODUCTION = "production"


class LogFormat(StrEnum):
    CONSOLE = "console"
    JSON = "json"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="SHOP_", env_file=".env", env_ignore_empty=True, extra="ignore", frozen=True
    )

    env: Environment = Environment.DEVELOPMENT
    var_dir: Path = PROJECT_ROOT / "var"
    database_url: str = ""
    database_read_url: str | None = None
    database_pool_size: int = Field(default=10, ge=1, le=200)
    # PgBouncer in transaction mode cannot keep prepared statements per connection.
    database_statement_cache_size: int = Field(default=100, ge=0)
    database_echo: bool = False
    redis_url: str | None = None
    secret_key: SecretStr = SecretStr(DEFAULT_SECRET_KEY)
    public_url: str = "http://127.0.0.1:8000"
    access_token_minutes: int = Field(default=15, ge=1, le=60)
    refresh_token_days: int = Field(default=14, ge=1, le=90)
    cors_origins: Annotated[list[str], NoDecode] = Field(default_factory=list)
    log_format: LogFormat = LogFormat.CONSOLE
    log_level: str = "INFO"
    currency: str = Field(default="USD", pattern=r"^[A-Z]{3}$")
    api_docs_enabled: bool | None = None
    login_max_failures: int = Field(default=5, ge=1)
    login_window_seconds: int = Field(default=15 * 60, ge=1)

    @model_validator(mode="before")
    @classmethod
    def _split_origins(cls, data: dict[str, object]) -> dict[str, object]:
        origins = data.get("cors_origins") if isinstance(data, dict) else None
        if isinstance(origins, str):
            data["cors_origins"] = [o.strip() for o in origins.split(",") if o.strip()]
        return data

    @model_validator(mode="after")
    def _check(self) -> Settings:
        if not self.database_url:
            object.__setattr__(
                self, "database_url", f"sqlite+aiosqlite:///{self.var_dir / 'shop.db'}"
            )
        if self.is_production and self.secret_key.get_secret_value() in {"", DEFAULT_SECRET_KEY}:
            raise ValueError(
                "SHOP_SECRET_KEY must be set to a random value when SHOP_ENV=production"
            )
        if self.is_production and len(self.secret_key.get_secret_value()) < 32:
            raise ValueError("SHOP_SECRET_KEY must be at least 32 characters in production")
        return self

    @property
    def is_production(self) -> bool:
        return self.env is Environment.PRODUCTION

    @property
    def is_test(self) -> bool:
        return self.env is Environment.TEST

    @property
    def docs_enabled(self) -> bool:
        return (
            self.api_docs_enabled if self.api_docs_enabled is not None else not self.is_production
        )

    @property
    def media_dir(self) -> Path:
        return self.var_dir / "media"


@lru_cache
def get_settings() -> Settings:
    return Settings()
