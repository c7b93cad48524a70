"""Request and response bodies of customer accounts (the owner's and the staff's views)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from shop.auth.schemas import Email, Name, NewPassword, Password
from shop.kit.money import MoneyRead
from shop.kit.text import NO_CONTROL_CHARACTERS, ONE_LINE
from shop.orders.schemas import (
    Country,
    OptionalText100,
    OptionalText200,
    PostalCode,
    Text100,
    Text200,
)

OptionalText50 = Annotated[
    str,
    StringConstraints(strip_whitespace=True, max_length=50, pattern=NO_CONTROL_CHARACTERS),
]
Phone = Annotated[
    str,
    StringConstraints(strip_whitespace=True, max_length=40, pattern=r"^[0-9+()./ -]*$"),
]


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ProfileRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    email: str
    first_name: str
    last_name: str
    created_at: datetime


class ProfileUpdate(_Input):
    first_name: Name
    last_name: Name


class EmailChange(_Input):
    email: Email
    password: Password = Field(description="The current password, to confirm")


class PasswordChange(_Input):
    current_password: Password
    new_password: NewPassword = Field(
        description="8 to 128 characters, not a common password, not the email address"
    )


class AccountDeletionCreate(_Input):
    password: Password = Field(description="The current password, to confirm")


class PasswordResetRequestCreate(_Input):
    # Not validated as an address: the answer must not tell which addresses are well-formed.
    email: Annotated[str, StringConstraints(min_length=1, max_length=254), ONE_LINE]


class PasswordResetCreate(_Input):
    token: Annotated[str, StringConstraints(min_length=1, max_length=200), ONE_LINE]
    password: NewPassword


class AddressIn(_Input):
    """A saved address: the fields of a checkout address plus a label, phone and default."""

    label: OptionalText50 = Field(default="", description='e.g. "Home", "Office"')
    name: Text200
    line1: Text200
    line2: OptionalText200 | None = None
    city: Text100
    region: OptionalText100 | None = None
    postal_code: PostalCode
    country: Country
    phone: Phone | None = None
    is_default: bool = False

    def stored(self) -> dict[str, Any]:
        """Column values: empty optional parts are null."""
        data = self.model_dump(exclude={"is_default"})
        for name in ("line2", "region", "phone"):
            data[name] = data[name] or None
        return data


class AddressRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    label: str
    name: str
    line1: str
    line2: str | None
    city: str
    region: str | None
    postal_code: str
    country: str
    phone: str | None
    is_default: bool


class CustomerSummaryRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    email: str
    first_name: str
    last_name: str
    is_active: bool
    created_at: datetime
    last_login_at: datetime | None
    order_count: int
    total_spent: MoneyRead = Field(description="Captured minus refunded, over all orders")
    deleted_at: datetime | None = Field(description="Set once the customer deleted the account")


class CustomerPageRead(BaseModel):
    items: list[CustomerSummaryRead]
    total: int
    page: int
    page_size: int


class CustomerOrderRead(BaseModel):
    number: str
    status: str
    total: MoneyRead
    created_at: datetime


class CustomerDetailRead(CustomerSummaryRead):
    addresses: list[AddressRead]
    recent_orders: list[CustomerOrderRead]
