"""Request and response bodies of the auth API."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from shop.auth import passwords
from shop.auth.emails import MAX_LENGTH as EMAIL_MAX_LENGTH
from shop.auth.emails import normalize_email
from shop.kit.text import NO_CONTROL_CHARACTERS, ONE_LINE
from shop.models.accounts import Role

PASSWORD_INPUT_MAX_LENGTH = 1024  # the rules allow 128; beyond this it is not a password


Email = Annotated[
    str,
    Field(min_length=3, max_length=EMAIL_MAX_LENGTH, json_schema_extra={"format": "email"}),
    AfterValidator(normalize_email),
]
Name = Annotated[
    str,
    Field(max_length=100, json_schema_extra={"pattern": NO_CONTROL_CHARACTERS}),
    ONE_LINE,
    AfterValidator(str.strip),
]
Password = Annotated[
    str, Field(max_length=PASSWORD_INPUT_MAX_LENGTH, json_schema_extra={"format": "password"})
]
# A password being chosen: the documented length range is enforced by the password rules, which
# answer 422 `weak_password` naming the rule (not a generic validation error).
NewPassword = Annotated[
    str,
    Field(
        max_length=PASSWORD_INPUT_MAX_LENGTH,
        json_schema_extra={
            "format": "password",
            "minLength": passwords.MIN_LENGTH,
            "maxLength": passwords.MAX_LENGTH,
        },
    ),
]


class UserCreate(BaseModel):
    """Registration of a customer account."""

    model_config = ConfigDict(extra="forbid")

    email: Email
    password: NewPassword = Field(
        description="8 to 128 characters, not a common password, not the email address"
    )
    first_name: Name = ""
    last_name: Name = ""


class LoginRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # Not validated as an address: a login never tells which addresses are well-formed accounts.
    email: Annotated[
        str,
        Field(
            min_length=1,
            max_length=EMAIL_MAX_LENGTH,
            json_schema_extra={"pattern": NO_CONTROL_CHARACTERS},
        ),
        ONE_LINE,
    ]
    password: Password


class RefreshRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    refresh_token: str = Field(min_length=1, max_length=512)


class UserRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    email: str
    first_name: str
    last_name: str
    role: Role
    created_at: datetime


class MeRead(UserRead):
    permissions: list[str] = Field(description="What the role may do, sorted")


class TokenPairRead(BaseModel):
    access_token: str
    refresh_token: str = Field(description="Opaque; single use: /auth/refresh returns a new one")
    token_type: Literal["bearer"] = "bearer"  # noqa: S105 (the OAuth 2 token type, not a secret)
    expires_in: int = Field(description="Lifetime of the access token in seconds")
