"""Structured logs: JSON lines with request id, user id and trace id; nothing secret in them."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import structlog
from fastapi import FastAPI

from shop.config import Environment, LogFormat, Settings
from shop.observability.logs import configure_logging, log_format
from shop.observability.redaction import CARD, REDACTED, mask_email, scrub_text, scrub_value
from tests.builders.accounts import bearer, create_user
from tests.conftest import TEST_SECRET


class TestScrubText:
    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("Authorization: Bearer abc.def-123", f"Authorization: Bearer {REDACTED}"),
            ("login password=hunter2 ok", f"login password={REDACTED} ok"),
            ('{"password": "hunter2"}', f'{{"password": "{REDACTED}"}}'),
            ("key sk_live_4eC39HqLyjWDarjtT1zdp7dc", f"key {REDACTED}"),
            ("secret whsec_abcdef123456", f"secret {REDACTED}"),
            ("smtp://mailer:s3cret@mail.example.com:587", "smtp://***@mail.example.com:587"),
            ("card 4242 4242 4242 4242 declined", f"card {CARD} declined"),
            ("card 4242-4242-4242-4242", f"card {CARD}"),
            ("ada.lovelace@example.com signed in", "a***@example.com signed in"),
        ],
    )
    def test_sensitive_values_are_removed(self, text: str, expected: str) -> None:
        assert scrub_text(text) == expected

    def test_a_jwt_is_removed(self) -> None:
        token = bearer_token()
        assert scrub_text(f"token was {token}") == f"token was {REDACTED}"

    @pytest.mark.parametrize(
        "text",
        [
            "order SW-2026-000123 paid",
            "1234 5678 9012 3456 is no card (Luhn fails)",
            "12 items in 3 carts",
            "GET /api/v1/products/{reference} 200",
        ],
    )
    def test_ordinary_text_is_kept(self, text: str) -> None:
        assert scrub_text(text) == text

    def test_email_mask_keeps_the_domain(self) -> None:
        assert mask_email("x@shop.example") == "x***@shop.example"


class TestScrubValue:
    def test_sensitive_names_lose_their_values_at_any_depth(self) -> None:
        event = {
            "user": {"email": "bob@example.com", "password": "pw", "api_key": "k"},
            "headers": [{"Authorization": "Basic abc"}, {"cookie": "session=1"}],
            "card_number": "4000056655665556",
            "cvc": "123",
            "count": 3,
        }

        assert scrub_value(event) == {
            "user": {"email": "b***@example.com", "password": REDACTED, "api_key": REDACTED},
            "headers": [{"Authorization": REDACTED}, {"cookie": REDACTED}],
            "card_number": REDACTED,
            "cvc": REDACTED,
            "count": 3,
        }


def bearer_token() -> str:
    import jwt

    return jwt.encode({"sub": "1", "role": "customer"}, "k" * 32, algorithm="HS256")


@pytest.fixture
def captured_logs(app_settings: Settings) -> Iterator[io.StringIO]:
    """Logging reconfigured as JSON into a buffer (the app under test already configured it;
    this replaces the shop's handler), restored afterwards."""
    stream = io.StringIO()
    # DEBUG: the HTTP middleware's per-request line is written inside the request.
    json_settings = app_settings.model_copy(
        update={"log_format": LogFormat.JSON, "log_level": "DEBUG"}
    )
    configure_logging(json_settings, stream=stream)
    yield stream
    configure_logging(app_settings)


def lines(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]


class TestJsonLines:
    def test_stdlib_and_structlog_lines_are_json_and_redacted(
        self, captured_logs: io.StringIO
    ) -> None:
        logging.getLogger("shop.test").warning(
            "sign-in failed for %s with password=%s", "eve@example.com", "letmein"
        )
        structlog.get_logger("shop.test").warning(
            "payment", card="4242424242424242", token="tok_visa", amount=1999
        )

        first, second = lines(captured_logs)
        assert first["event"] == f"sign-in failed for e***@example.com with password={REDACTED}"
        assert first["level"] == "warning"
        assert first["logger"] == "shop.test"
        assert first["timestamp"].endswith("Z")
        assert second["card"] == REDACTED
        assert second["token"] == REDACTED
        assert second["amount"] == 1999

    def test_exceptions_are_formatted_and_scrubbed(self, captured_logs: io.StringIO) -> None:
        try:
            raise ValueError("could not connect to postgresql://shop:pa55@db/shop")
        except ValueError:
            logging.getLogger("shop.test").exception("database failed")

        (line,) = lines(captured_logs)
        assert "ValueError" in line["exception"]
        assert "pa55" not in line["exception"]
        assert "postgresql://***@db/shop" in line["exception"]

    async def test_request_lines_carry_request_and_user_ids(
        self, app: FastAPI, client: httpx.AsyncClient, captured_logs: io.StringIO
    ) -> None:
        async with app.state.database.transaction() as session:
            user = await create_user(session)
        headers = {**bearer(user, secret=TEST_SECRET), "X-Request-Id": "req-observability-1"}

        response = await client.get("/api/v1/auth/me", headers=headers)

        assert response.status_code == 200
        assert response.headers["x-request-id"] == "req-observability-1"
        access_lines = [line for line in lines(captured_logs) if line["logger"] == "shop.http"]
        assert len(access_lines) == 1
        assert access_lines[0]["event"].startswith("GET /api/v1/auth/me 200 ")
        assert access_lines[0]["request_id"] == "req-observability-1"
        assert access_lines[0]["user_id"] == user.id

    async def test_credentials_of_a_request_never_reach_the_log(
        self, client: httpx.AsyncClient, captured_logs: io.StringIO
    ) -> None:
        response = await client.post(
            "/api/v1/auth/login",
            json={"email": "nobody@example.com", "password": "Wrong-password-123"},
        )

        assert response.status_code == 401
        text = captured_logs.getvalue()
        assert "POST /api/v1/auth/login 401" in text
        assert "Wrong-password-123" not in text
        assert "nobody@example.com" not in text


class TestFormat:
    def test_json_in_production_console_elsewhere(self, tmp_path: Path) -> None:
        production = Settings(env=Environment.PRODUCTION, secret_key="x" * 40, var_dir=tmp_path)
        development = Settings(var_dir=tmp_path)
        explicit = Settings(
            env=Environment.PRODUCTION, secret_key="x" * 40, var_dir=tmp_path, log_format="console"
        )

        assert log_format(production) is LogFormat.JSON
        assert log_format(development) is LogFormat.CONSOLE
        assert log_format(explicit) is LogFormat.CONSOLE

    def test_console_lines_are_readable(self, tmp_path: Path) -> None:
        stream = io.StringIO()
        settings = Settings(var_dir=tmp_path)
        configure_logging(settings, stream=stream)
        try:
            logging.getLogger("shop.test").warning("stock low for %s", "SKU-1")
        finally:
            configure_logging(settings)

        text = stream.getvalue()
        assert "stock low for SKU-1" in text
        assert "warning" in text
        assert not text.lstrip().startswith("{")
