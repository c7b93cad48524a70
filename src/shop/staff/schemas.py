"""Request and response bodies of the staff admin API."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from shop.auth.schemas import Email, Name, NewPassword
from shop.models.accounts import Role


class StaffRole(StrEnum):
    """The roles a staff member can have (a customer is not staff)."""

    SUPPORT = Role.SUPPORT.value
    MANAGER = Role.MANAGER.value
    ADMIN = Role.ADMIN.value


class StaffRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    email: str
    first_name: str
    last_name: str
    role: Role
    is_active: bool
    created_at: datetime
    last_login_at: datetime | None


class StaffCreatedRead(StaffRead):
    initial_password: str | None = Field(
        description="The generated password when none was given; shown only this once"
    )


class StaffCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: Email
    role: StaffRole
    first_name: Name = ""
    last_name: Name = ""
    password: NewPassword | None = Field(
        default=None, description="Omit to have a random password generated and returned once"
    )


class StaffUpdate(BaseModel):
    """Only the fields given change."""

    model_config = ConfigDict(extra="forbid")

    role: StaffRole | None = None
    is_active: bool | None = None
    first_name: Name | None = None
    last_name: Name | None = None
