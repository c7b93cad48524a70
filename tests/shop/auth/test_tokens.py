from __future__ import annotations

from datetime import UTC, datetime, timedelta

import jwt
import pytest

from shop.auth.tokens import (
    AccessClaims,
    decode_access_token,
    hash_refresh_token,
    issue_access_token,
    new_refresh_token,
)
from shop.errors import Unauthorized

SECRET = "a-test-secret-that-is-long-enough-0123456789"


class TestAccessToken:
    def test_round_trip(self) -> None:
        issued = datetime.now(UTC).replace(microsecond=0)
        token = issue_access_token(
            user_id=7, role="manager", secret=SECRET, lifetime=timedelta(minutes=15), now=issued
        )
        assert decode_access_token(token, secret=SECRET) == AccessClaims(
            user_id=7, role="manager", expires_at=issued + timedelta(minutes=15)
        )

    def test_expired(self) -> None:
        token = issue_access_token(
            user_id=7,
            role="customer",
            secret=SECRET,
            lifetime=timedelta(minutes=15),
            now=datetime.now(UTC) - timedelta(minutes=16),
        )
        with pytest.raises(Unauthorized) as caught:
            decode_access_token(token, secret=SECRET)
        assert caught.value.code == "token_expired"

    def test_other_secret(self) -> None:
        token = issue_access_token(
            user_id=7, role="admin", secret=SECRET, lifetime=timedelta(minutes=15)
        )
        with pytest.raises(Unauthorized) as caught:
            decode_access_token(token, secret=SECRET + "x")
        assert caught.value.code == "invalid_token"

    def test_not_an_access_token(self) -> None:
        now = datetime.now(UTC)
        token = jwt.encode(
            {"sub": "7", "iss": "shopwright", "exp": int((now + timedelta(minutes=5)).timestamp())},
            SECRET,
            algorithm="HS256",
        )
        with pytest.raises(Unauthorized) as caught:
            decode_access_token(token, secret=SECRET)
        assert caught.value.code == "invalid_token"

    def test_unsigned_token_is_refused(self) -> None:
        token = jwt.encode({"sub": "7", "role": "admin"}, key=None, algorithm="none")
        with pytest.raises(Unauthorized) as caught:
            decode_access_token(token, secret=SECRET)
        assert caught.value.code == "invalid_token"


class TestRefreshToken:
    def test_random_and_stored_as_sha256(self) -> None:
        first, second = new_refresh_token(), new_refresh_token()
        assert first != second
        assert len(first) >= 43
        assert hash_refresh_token(first) == hash_refresh_token(first)
        assert len(hash_refresh_token(first)) == 64
        assert first not in hash_refresh_token(first)
