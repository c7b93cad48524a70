"""The checkout form: its fields (names from docs/page-contract.md), turned into the checkout
request the API takes, with one message per field when something is wrong."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError
from starlette.datastructures import FormData

from shop.checkout.schemas import CheckoutCreate
from shop.web.pages.forms import field_errors, text_field

ADDRESS_PARTS = ("name", "line1", "line2", "city", "region", "postal_code", "country")
SANDBOX_TOKENS = (
    ("tok_visa", "Visa, succeeds (tok_visa)"),
    ("tok_chargeDeclined", "Card declined (tok_chargeDeclined)"),
    ("tok_insufficientFunds", "Insufficient funds (tok_insufficientFunds)"),
)
_RENAMES = {
    **{f"shipping_address.{part}": f"ship_{part}" for part in ADDRESS_PARTS},
    **{f"billing_address.{part}": f"bill_{part}" for part in ADDRESS_PARTS},
    "payment.token": "card_token",
    "payment.provider": "card_token",
    "payment": "card_token",
    "shipping_address": "ship_name",
    "billing_address": "bill_name",
}
_LENGTHS = {"email": 254, "card_token": 255, "shipping_method": 40, "idempotency_key": 255}


@dataclass(slots=True)
class CheckoutValues:
    """What the shopper typed, to show again."""

    values: dict[str, str] = field(default_factory=dict)
    billing_same: bool = True

    def get(self, name: str, default: str = "") -> str:
        return self.values.get(name, default)


def read_checkout_form(form: FormData) -> CheckoutValues:
    names = [
        "email",
        "shipping_method",
        "card_token",
        "idempotency_key",
        "action",
        *(f"ship_{part}" for part in ADDRESS_PARTS),
        *(f"bill_{part}" for part in ADDRESS_PARTS),
    ]
    values = {name: text_field(form, name, max_length=_LENGTHS.get(name, 200)) for name in names}
    for prefix in ("ship_", "bill_"):
        values[f"{prefix}country"] = values[f"{prefix}country"].upper()
    return CheckoutValues(values=values, billing_same=form.get("billing_same") is not None)


def _address(values: CheckoutValues, prefix: str) -> dict[str, Any]:
    return {part: values.get(f"{prefix}{part}") for part in ADDRESS_PARTS}


def checkout_request(
    values: CheckoutValues, *, cart_id: int, provider: str
) -> tuple[CheckoutCreate | None, dict[str, str]]:
    """The validated request, or None and {form field: message}."""
    payload = {
        "cart_id": cart_id,
        "email": values.get("email"),
        "shipping_address": _address(values, "ship_"),
        "billing_address": None if values.billing_same else _address(values, "bill_"),
        "shipping_method": values.get("shipping_method"),
        "payment": {"provider": provider, "token": values.get("card_token")},
    }
    try:
        return CheckoutCreate.model_validate(payload), {}
    except ValidationError as error:
        return None, field_errors(error, prefix=_RENAMES)
