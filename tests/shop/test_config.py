from __future__ import annotations

import re
from pathlib import Path

import pytest
from pydantic import ValidationError

from shop.config import DEFAULT_SECRET_KEY, PROJECT_ROOT, Environment, Settings


class TestSettings:
    def test_defaults_to_sqlite_under_var(self, tmp_path: Path) -> None:
        settings = Settings(var_dir=tmp_path)
        assert settings.env is Environment.DEVELOPMENT
        assert settings.database_url == f"sqlite+aiosqlite:///{tmp_path / 'shop.db'}"

    def test_production_refuses_default_secret(self) -> None:
        with pytest.raises(ValidationError, match="SHOP_SECRET_KEY"):
            Settings(env=Environment.PRODUCTION, secret_key=DEFAULT_SECRET_KEY)

    def test_production_refuses_short_secret(self) -> None:
        with pytest.raises(ValidationError, match="at least 32"):
            Settings(env=Environment.PRODUCTION, secret_key="short")

    def test_production_accepts_random_secret_and_hides_docs(self) -> None:
        settings = Settings(env=Environment.PRODUCTION, secret_key="x" * 40)
        assert settings.docs_enabled is False

    def test_reads_environment_with_prefix(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("SHOP_CORS_ORIGINS", "https://a.example, https://b.example")
        monkeypatch.setenv("SHOP_ACCESS_TOKEN_MINUTES", "10")
        monkeypatch.setenv("SHOP_REDIS_URL", "")
        settings = Settings()
        assert settings.cors_origins == ["https://a.example", "https://b.example"]
        assert settings.access_token_minutes == 10
        assert settings.redis_url is None

    def test_refuses_unknown_environment(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("SHOP_ENV", "staging")
        with pytest.raises(ValidationError, match="env"):
            Settings()


class TestEnvExample:
    def test_documents_exactly_the_settings(self) -> None:
        text = (PROJECT_ROOT / ".env.example").read_text()
        documented = set(re.findall(r"^#?\s*SHOP_([A-Z_]+)=", text, flags=re.MULTILINE))
        fields = {name.upper() for name in Settings.model_fields}
        assert documented == fields


class TestPaymentSettings:
    def test_sandbox_by_default_outside_production(self) -> None:
        assert Settings().providers == ["sandbox"]

    def test_production_offers_nothing_by_default(self) -> None:
        settings = Settings(env=Environment.PRODUCTION, secret_key="x" * 40)
        assert settings.providers == []

    def test_production_refuses_sandbox(self) -> None:
        with pytest.raises(ValidationError, match="sandbox payment provider is refused"):
            Settings(env=Environment.PRODUCTION, secret_key="x" * 40, payment_providers="sandbox")

    def test_stripe_needs_keys(self) -> None:
        with pytest.raises(ValidationError, match="SHOP_STRIPE_API_KEY"):
            Settings(payment_providers="sandbox,stripe")

    def test_unknown_provider(self) -> None:
        with pytest.raises(ValidationError, match="unknown payment providers"):
            Settings(payment_providers="paypal")
