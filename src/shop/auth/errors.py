"""Errors of accounts and authentication, each with a stable code."""

from __future__ import annotations

from shop.errors import Conflict, InvalidInput, ShopError, TooManyRequests, Unauthorized


class KeepsWrites(ShopError):
    """Marks a failure whose bookkeeping (a recorded failed login, a revoked token family) must be
    committed although the request fails; the auth routes' session commits before re-raising."""


class WeakPassword(InvalidInput):
    code = "weak_password"


class InvalidEmail(InvalidInput):
    code = "invalid_email"


class EmailTaken(Conflict):
    code = "email_taken"

    def __init__(self, email: str) -> None:
        super().__init__(f"an account with the email {email} already exists; sign in instead")


class InvalidCredentials(KeepsWrites, Unauthorized):
    code = "invalid_credentials"

    def __init__(self) -> None:
        # One message for an unknown email and a wrong password: existence must not leak.
        super().__init__("the email or password is incorrect")


class AccountDisabled(KeepsWrites, Unauthorized):
    code = "account_disabled"

    def __init__(self) -> None:
        super().__init__("this account is disabled; contact support")


class InvalidRefreshToken(Unauthorized):
    code = "invalid_refresh_token"

    def __init__(self) -> None:
        super().__init__("the refresh token is unknown, expired or revoked; sign in again")


class RefreshTokenReused(KeepsWrites, Unauthorized):
    code = "refresh_token_reused"

    def __init__(self) -> None:
        super().__init__(
            "this refresh token was already used; every session of this sign-in has been "
            "revoked as a precaution; sign in again"
        )


class TooManyLoginAttempts(TooManyRequests):
    code = "too_many_login_attempts"
