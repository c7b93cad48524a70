"""Secrets and personal data never leave in a prompt: unit cases, then the bytes each fake
server received."""

from __future__ import annotations

import pytest

from testhub.providers import ChatMessage, client_from_settings, redact_prompt
from tests.testhub.fakes.llm_servers import FakeLlm
from tests.testhub.providers.conftest import ANTHROPIC_KEY, OPENAI_KEY, PROVIDERS, SettingsFactory


class TestRedactPrompt:
    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("key sk-proj-abcdefghijklmnopqrstuvwx1234", "key [secret]"),
            ("key sk-ant-api03-abcdefghijklmnop_QRS", "key [secret]"),
            ("stripe sk_live_abcdefghijklmnop1234", "stripe [secret]"),
            ("hub thk_abcd1234_abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG", "hub [secret]"),
            ("Authorization: Bearer abc.def-ghi_jkl~123", "Authorization: Bearer [secret]"),
            ("jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NSJ9.c2lnbmF0dXJlMTIz", "jwt [secret]"),
            ("postgresql://shop:hunter22@db:5432/shop", "postgresql://[secret]@db:5432/shop"),
            ("login with password=hunter22&next=/", "login with password=[secret]&next=/"),
            ('{"password": "hunter22", "q": "lamp"}', '{"password": "[secret]", "q": "lamp"}'),
            ("api_key: abc123xyz", "api_key: [secret]"),
            ("AWS AKIAIOSFODNN7EXAMPLE", "AWS [secret]"),
            ("mail robin.tester+story@example.co.uk now", "mail [email] now"),
            ("card 4242 4242 4242 4242 exp", "card [card] exp"),
            ("card 4000-0000-0000-0002", "card [card]"),
            ("call +44 20 7946 0958 or (555) 123-4567", "call [phone] or [phone]"),
            ("IBAN DE89 3704 0044 0532 0130 00", "IBAN [iban]"),
        ],
    )  # fmt: skip
    def test_secrets_and_personal_data_are_masked(self, text: str, expected: str) -> None:
        assert redact_prompt(text) == expected

    @pytest.mark.parametrize(
        "text",
        [
            "pay with tok_visa or tok_chargeDeclined",  # sandbox card tokens are test data
            "order SW-100234 of 2026-11-26 totals $1,299.00 (129900 cents), 3 items",
            "product wool-socks, variant M / Black, sku SKU-31",
            "a number that fails Luhn: 4242 4242 4242 4241",
            "I open the page \"/search?q=lamp\" and sort by price",
            "the token field is empty",
        ],
    )  # fmt: skip
    def test_ordinary_test_data_passes_unchanged(self, text: str) -> None:
        assert redact_prompt(text) == text

    def test_configured_secrets_are_masked_whatever_their_shape(self) -> None:
        text = "staff password is correct-horse-battery and key is plain42word"

        redacted = redact_prompt(text, known_secrets=["correct-horse-battery", "plain42word", ""])

        assert redacted == "staff password is [secret] and key is [secret]"


LEAKY = (
    f"My key is {OPENAI_KEY}, Anthropic's {ANTHROPIC_KEY}; header Authorization: Bearer "
    "abcdefghijklmnop1234. Mail robin@example.com or call +1 415 555 0100. Card 4111 1111 1111 "
    "1111 fails; the staff password is admin-demo-password. Pay with tok_visa."
)


@pytest.mark.parametrize("provider", PROVIDERS)
async def test_nothing_secret_or_personal_reaches_the_server(
    provider: str, fakes: dict[str, FakeLlm], provider_settings: SettingsFactory
) -> None:
    client = client_from_settings(provider_settings(provider))

    await client.chat(
        [ChatMessage("system", f"Context: {LEAKY}"), ChatMessage("user", LEAKY)], purpose="test"
    )

    [request] = fakes[provider].received
    for leaked in (
        OPENAI_KEY,
        ANTHROPIC_KEY,
        "abcdefghijklmnop1234",
        "robin@example.com",
        "415 555 0100",
        "4111 1111 1111 1111",
        "admin-demo-password",
    ):
        assert leaked.encode() not in request.body, leaked
    sent = request.messages_text()
    assert sent.count("[secret]") == 8  # two keys, bearer token, staff password; twice each
    assert sent.count("[email]") == sent.count("[phone]") == sent.count("[card]") == 2
    assert sent.count("tok_visa") == 2
