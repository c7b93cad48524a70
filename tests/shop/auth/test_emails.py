from __future__ import annotations

import pytest

from shop.auth.emails import canonical_login, normalize_email


class TestNormalizeEmail:
    def test_lowercases_the_whole_address(self) -> None:
        assert normalize_email("  Jane.Doe+Shop@Example.COM ") == "jane.doe+shop@example.com"

    def test_accepts_the_reserved_test_domain(self) -> None:
        assert normalize_email("qa@shop.test") == "qa@shop.test"

    @pytest.mark.parametrize(
        "text",
        ["", "jane", "jane@", "@example.com", "jane@@example.com", "jane@example", "a b@c.com"],
    )
    def test_rejects_what_is_not_an_address(self, text: str) -> None:
        with pytest.raises(ValueError, match="not a valid email address"):
            normalize_email(text)

    def test_rejects_an_overlong_address(self) -> None:
        with pytest.raises(ValueError, match="not a valid email address"):
            normalize_email(f"{'a' * 64}@{'b' * 63}.{'c' * 63}.{'d' * 63}.com")


class TestCanonicalLogin:
    def test_valid_address_is_normalised(self) -> None:
        assert canonical_login(" Jane@Example.com") == "jane@example.com"

    def test_anything_else_is_trimmed_and_lowercased(self) -> None:
        assert canonical_login("  Not An Address ") == "not an address"

    def test_cut_to_the_column_size(self) -> None:
        assert canonical_login("İ" * 254) == ("i̇" * 254)[:254]
