from __future__ import annotations

import hashlib
import hmac

import pytest

from shop.integrations.payments.base import WebhookRejected
from shop.integrations.payments.signatures import (
    compute_signature,
    signature_header,
    verify_signature,
)

SECRET = "whsec_test"
BODY = b'{"id":"evt_1","type":"payment.captured"}'
NOW = 1_800_000_000


def verify(header: str | None, *, body: bytes = BODY, now: float = NOW) -> int:
    return verify_signature(body, header, secret=SECRET, now=now, name="Sandbox-Signature")


class TestComputeSignature:
    def test_is_hmac_sha256_of_timestamp_dot_body(self) -> None:
        expected = hmac.new(SECRET.encode(), f"{NOW}.".encode() + BODY, hashlib.sha256)
        assert compute_signature(BODY, secret=SECRET, timestamp=NOW) == expected.hexdigest()

    def test_header_format(self) -> None:
        header = signature_header(BODY, secret=SECRET, timestamp=NOW)
        assert header == f"t={NOW},v1={compute_signature(BODY, secret=SECRET, timestamp=NOW)}"


class TestVerifySignature:
    def test_valid(self) -> None:
        assert verify(signature_header(BODY, secret=SECRET, timestamp=NOW)) == NOW

    def test_valid_within_tolerance(self) -> None:
        header = signature_header(BODY, secret=SECRET, timestamp=NOW - 299)
        assert verify(header) == NOW - 299

    def test_one_of_several_signatures_matches(self) -> None:
        good = compute_signature(BODY, secret=SECRET, timestamp=NOW)
        assert verify(f"t={NOW},v1={'0' * 64},v1={good},v0=legacy") == NOW

    def test_wrong_secret(self) -> None:
        header = signature_header(BODY, secret="whsec_other", timestamp=NOW)
        with pytest.raises(WebhookRejected) as error:
            verify(header)
        assert error.value.code == "invalid_signature"
        assert error.value.status == 400

    def test_tampered_body(self) -> None:
        header = signature_header(BODY, secret=SECRET, timestamp=NOW)
        with pytest.raises(WebhookRejected) as error:
            verify(header, body=BODY.replace(b"captured", b"failed"))
        assert error.value.code == "invalid_signature"

    def test_timestamp_changed_after_signing(self) -> None:
        signature = compute_signature(BODY, secret=SECRET, timestamp=NOW - 1000)
        with pytest.raises(WebhookRejected) as error:
            verify(f"t={NOW},v1={signature}")
        assert error.value.code == "invalid_signature"

    def test_stale(self) -> None:
        header = signature_header(BODY, secret=SECRET, timestamp=NOW - 301)
        with pytest.raises(WebhookRejected) as error:
            verify(header)
        assert error.value.code == "stale_signature"
        assert "301 s old" in error.value.message

    def test_far_in_the_future(self) -> None:
        header = signature_header(BODY, secret=SECRET, timestamp=NOW + 301)
        with pytest.raises(WebhookRejected) as error:
            verify(header)
        assert error.value.code == "stale_signature"

    def test_stale_but_forged_is_invalid_not_stale(self) -> None:
        # The signature is checked first: an unauthenticated sender learns nothing about age.
        header = signature_header(BODY, secret="whsec_other", timestamp=NOW - 10_000)
        with pytest.raises(WebhookRejected) as error:
            verify(header)
        assert error.value.code == "invalid_signature"

    @pytest.mark.parametrize(
        "header",
        [
            None,
            "",
            "garbage",
            f"t={NOW}",
            "v1=abcdef",
            "t=yesterday,v1=abcdef",
            f"t={NOW},v1=",
            f"t={NOW};v1=abc",
        ],
    )
    def test_malformed_header(self, header: str | None) -> None:
        with pytest.raises(WebhookRejected) as error:
            verify(header)
        assert error.value.code == "invalid_signature"
