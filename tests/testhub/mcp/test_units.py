"""Scopes, redaction and the production check: the rules every tool call goes through."""

from __future__ import annotations

from pathlib import Path

import pytest

from testhub.mcp.http import transport_security
from testhub.mcp.production import ProductionRefused, is_production, refuse_production
from testhub.mcp.redaction import MASK, redact, redact_text
from testhub.mcp.runtime import McpRuntime
from testhub.mcp.scopes import Scope, UnknownScope, format_scopes, grants, parse_scopes
from tests.testhub.mcp.conftest import make_hub_settings


class TestParseScopes:
    def test_comma_separated(self) -> None:
        assert parse_scopes("read, run") == frozenset({Scope.READ, Scope.RUN})

    def test_unknown_scope_is_refused(self) -> None:
        with pytest.raises(UnknownScope, match="unknown scope 'write'"):
            parse_scopes("read,write")

    def test_empty_is_refused(self) -> None:
        with pytest.raises(UnknownScope, match="at least one scope"):
            parse_scopes(" , ")

    def test_format_orders_by_width(self) -> None:
        assert format_scopes({"admin", "read"}) == "read,admin"


class TestGrants:
    @pytest.mark.parametrize(
        ("granted", "required", "allowed"),
        [
            ({"read"}, Scope.READ, True),
            ({"read"}, Scope.RUN, False),
            ({"run"}, Scope.READ, True),
            ({"run"}, Scope.ADMIN, False),
            ({"admin"}, Scope.RUN, True),
            (set(), Scope.READ, False),
            ({"bogus"}, Scope.READ, False),
        ],
    )
    def test_wider_scope_includes_narrower(
        self, granted: set[str], required: Scope, allowed: bool
    ) -> None:
        assert grants(granted, required) is allowed


class TestRedaction:
    def test_api_key_in_text(self) -> None:
        key = "thk_AbCd1234_" + "x" * 43
        assert redact_text(f"use {key} now") == f"use {MASK} now"

    def test_jwt_and_bearer(self) -> None:
        jwt = (
            "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0."
            "dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"
        )
        assert jwt not in redact_text(f"Authorization: Bearer {jwt}")
        assert redact_text("curl -H 'Authorization: Bearer abcdefghijklmnopqrstu'") == (
            f"curl -H 'Authorization: Bearer {MASK}'"
        )

    def test_provider_keys(self) -> None:
        text = (
            "sk-ant-api03-abcdefghijklmnopqrstuv sk_live_abcdefghijklmnop1234 "
            "whsec_abcdefghijklmnop1234"
        )
        assert redact_text(text) == f"{MASK} {MASK} {MASK}"

    def test_card_number_only_when_luhn_valid(self) -> None:
        assert redact_text("card 4242 4242 4242 4242 ok") == f"card {MASK} ok"
        assert redact_text("order 1234567890123") == "order 1234567890123"

    def test_password_in_url(self) -> None:
        assert redact_text("postgresql://shop:hunter22@db/shop") == f"postgresql://{MASK}@db/shop"

    def test_secret_named_fields_and_nesting(self) -> None:
        value = {
            "email": "a@example.com",
            "password": "hunter22",
            "nested": [{"access_token": "abc", "note": "thk_AbCd1234_" + "y" * 43}],
            "token": None,
        }
        assert redact(value) == {
            "email": "a@example.com",
            "password": MASK,
            "nested": [{"access_token": MASK, "note": MASK}],
            "token": None,
        }


class TestProduction:
    @pytest.mark.parametrize(
        "url",
        [
            "http://127.0.0.1:8000",
            "http://localhost:8000",
            "http://10.0.0.5",
            "http://shop.test",
            "http://web.svc.internal:8080",
        ],
    )
    def test_test_hosts(self, url: str) -> None:
        assert not is_production(url)

    @pytest.mark.parametrize("url", ["https://shop.example.com", "http://8.8.8.8"])
    def test_unknown_public_hosts_count_as_production(self, url: str) -> None:
        assert is_production(url)

    def test_listed_hosts_win(self) -> None:
        assert not is_production("https://staging.example.com", test_hosts=["staging.example.com"])
        assert is_production("http://127.0.0.1:8000", production_hosts=["127.0.0.1"])

    def test_refusal_names_the_tool_and_the_switch(self) -> None:
        with pytest.raises(ProductionRefused, match="data_reset.*TESTHUB_MCP_ALLOW_PRODUCTION"):
            refuse_production("https://shop.example.com", tool="data_reset", allow_production=False)
        refuse_production("https://shop.example.com", tool="data_reset", allow_production=True)


class TestTransportSecurity:
    def test_loopback_and_configured_hosts_and_origins(self, tmp_path: Path) -> None:
        runtime = McpRuntime.from_settings(
            make_hub_settings(
                tmp_path,
                "http://127.0.0.1:8000",
                mcp_allowed_hosts="hub.example.com",
                mcp_cors_origins="https://inspector.example.com",
            )
        )

        security = transport_security(runtime)

        assert security.enable_dns_rebinding_protection
        assert {"127.0.0.1:*", "localhost:*", "hub.example.com", "hub.example.com:*"} <= set(
            security.allowed_hosts
        )
        assert "evil.example" not in security.allowed_hosts
        assert {
            "http://localhost:*",
            "https://hub.example.com",
            "https://inspector.example.com",
        } <= (set(security.allowed_origins))

    def test_known_shops_for_remote_callers(self, tmp_path: Path) -> None:
        runtime = McpRuntime.from_settings(
            make_hub_settings(tmp_path, "http://127.0.0.1:8000", mcp_test_hosts="staging.test")
        )

        assert runtime.is_known_shop("http://127.0.0.1:8000/products")
        assert runtime.is_known_shop("https://staging.test:8443")
        assert not runtime.is_known_shop("http://127.0.0.1:9000")
        assert not runtime.is_known_shop("http://169.254.169.254/latest")
