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


class StorageBackend(StrEnum):
    LOCAL = "local"
    S3 = "s3"


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
    # Public catalog responses cached per process (0 turns it off); without Redis an entry lives
    # this long, the bound on how stale another worker's copy can be (see shop.catalog.read_cache).
    catalog_cache_entries: int = Field(default=4096, ge=0, le=1_000_000)
    catalog_cache_ttl_seconds: float = Field(default=2.0, gt=0, le=3600)
    secret_key: SecretStr = SecretStr(DEFAULT_SECRET_KEY)
    public_url: str = "http://127.0.0.1:8000"
    access_token_minutes: int = Field(default=15, ge=1, le=60)
    refresh_token_days: int = Field(default=14, ge=1, le=90)
    cors_origins: Annotated[list[str], NoDecode] = Field(default_factory=list)
    log_format: LogFormat = LogFormat.CONSOLE
    log_level: str = "INFO"
    # Observability: /metrics (token or separate port in production) and OTLP traces (off when
    # no endpoint is set).
    metrics_enabled: bool = True
    metrics_token: SecretStr | None = None
    metrics_port: int | None = Field(default=None, ge=1, le=65535)
    otlp_endpoint: str | None = None
    trace_sample_ratio: float = Field(default=1.0, ge=0.0, le=1.0)
    currency: str = Field(default="USD", pattern=r"^[A-Z]{3}$")
    api_docs_enabled: bool | None = None
    login_max_failures: int = Field(default=5, ge=1)
    login_window_seconds: int = Field(default=15 * 60, ge=1)

    # Payments. The sandbox provider is an in-repo stand-in that speaks HTTP like a real one;
    # refused in production. Without SHOP_SANDBOX_URL it is mounted inside the shop at /_sandbox.
    payment_providers: Annotated[list[str] | None, NoDecode] = None  # default: sandbox outside prod
    sandbox_url: str | None = None
    sandbox_webhook_secret: SecretStr = SecretStr("whsec_sandbox_development_only")
    sandbox_webhook_url: str | None = None  # where the sandbox delivers; default: the shop itself
    stripe_api_key: SecretStr | None = None
    stripe_webhook_secret: SecretStr | None = None
    stripe_api_base: str = "https://api.stripe.com"
    stripe_publishable_key: str | None = None

    # Mail: SMTP when set (smtp://user:pass@host:587?starttls=true), else .eml files in var/mail.
    smtp_url: SecretStr | None = None
    mail_from: str = "Shopwright <shop@example.com>"

    # Product images: "local" files under var/media (served at /media) or "s3" (any S3-compatible
    # store; public_url is where browsers fetch the objects, e.g. a CDN or the bucket's URL).
    storage_backend: StorageBackend = StorageBackend.LOCAL
    storage_bucket: str | None = None
    storage_endpoint_url: str | None = None
    storage_region: str = "us-east-1"
    storage_access_key_id: str | None = None
    storage_secret_access_key: SecretStr | None = None
    storage_public_url: str | None = None
    storage_max_upload_bytes: int = Field(default=5 * 1024 * 1024, ge=1024, le=100 * 1024 * 1024)

    # Background work: `shop run --role all` runs the worker in-process unless this is false.
    worker_in_process: bool = True
    worker_poll_seconds: float = Field(default=1.0, gt=0, le=60)
    cart_idle_days: int = Field(default=7, ge=1, le=365)

    @model_validator(mode="before")
    @classmethod
    def _split_lists(cls, data: dict[str, object]) -> dict[str, object]:
        for name in ("cors_origins", "payment_providers"):
            value = data.get(name) if isinstance(data, dict) else None
            if isinstance(value, str):
                data[name] = [item.strip() for item in value.split(",") if item.strip()]
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
        if self.payment_providers is None:
            object.__setattr__(self, "payment_providers", [] if self.is_production else ["sandbox"])
        if self.is_production and "sandbox" in self.providers:
            raise ValueError("the sandbox payment provider is refused when SHOP_ENV=production")
        unknown = set(self.providers) - {"sandbox", "stripe"}
        if unknown:
            raise ValueError(f"unknown payment providers: {sorted(unknown)}")
        if "stripe" in self.providers and not (self.stripe_api_key and self.stripe_webhook_secret):
            raise ValueError("stripe needs SHOP_STRIPE_API_KEY and SHOP_STRIPE_WEBHOOK_SECRET")
        if self.storage_backend is StorageBackend.S3 and not self.storage_bucket:
            raise ValueError("SHOP_STORAGE_BACKEND=s3 needs SHOP_STORAGE_BUCKET")
        return self

    @property
    def providers(self) -> list[str]:
        """The payment providers offered at checkout."""
        return list(self.payment_providers or [])

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

    @property
    def mail_dir(self) -> Path:
        return self.var_dir / "mail"


@lru_cache
def get_settings() -> Settings:
    return Settings()
