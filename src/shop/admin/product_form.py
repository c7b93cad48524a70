"""Reading the product and variant forms of the back office into the catalog's schemas.
Amounts are typed in dollars ("12.34"); every problem becomes a message on its field."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import InvalidOperation
from typing import Any

from pydantic import ValidationError
from starlette.datastructures import FormData

from shop.admin.params import MAX_ID
from shop.catalog.schemas import ProductCreate, ProductUpdate, VariantCreate, VariantUpdate
from shop.kit.money import MAX_AMOUNT, MoneyIn, parse_major
from shop.web.pages.forms import field_errors, parse_int, text_field

MAX_STOCK = 1_000_000_000
PRODUCT_FIELDS = ("name", "slug", "description", "status", "category_id", "brand_id")
VARIANT_FIELDS = ("sku", "price", "stock", "options")
_VARIANT_ERRORS = {
    "variants.0.sku": "sku",
    "variants.0.price": "price",
    "variants.0.options": "options",
    "variants.0.stock_quantity": "stock",
    "price.amount": "price",
    "stock_quantity": "stock",
}


@dataclass(slots=True)
class Parsed:
    values: dict[str, str]  # what was typed, to show the form again
    errors: dict[str, str] = field(default_factory=dict)
    data: dict[str, Any] = field(default_factory=dict)


def dollars(text: str, errors: dict[str, str], name: str, *, required: bool) -> int | None:
    cleaned = text.strip().lstrip("$").replace(",", "")
    if not cleaned:
        if required:
            errors[name] = "Enter a price such as 12.34"
        return None
    try:
        value = parse_major(cleaned)
    except (ValueError, InvalidOperation):
        errors[name] = "Enter a price such as 12.34 (at most two decimals)"
        return None
    if not 0 <= value <= MAX_AMOUNT:
        errors[name] = f"Enter a price from 0.00 to {MAX_AMOUNT // 100}"
        return None
    return value


def _optional_id(text: str, errors: dict[str, str], name: str) -> int | None:
    if not text:
        return None
    value = parse_int(text, minimum=1, maximum=MAX_ID)
    if value is None:
        errors[name] = "Choose one from the list"
    return value


def options_of(text: str, errors: dict[str, str]) -> dict[str, str]:
    """'Size=M, Colour=Blue' -> {'Size': 'M', 'Colour': 'Blue'}."""
    options: dict[str, str] = {}
    for part in (p.strip() for p in text.replace("|", ",").split(",")):
        if not part:
            continue
        name, equals, value = (x.strip() for x in part.partition("="))
        if not equals or not name or not value:
            errors["options"] = "Write options as Name=Value, separated by commas"
            return {}
        options[name] = value
    return options


def _variant_values(form: FormData, parsed: Parsed, *, stock_required: bool) -> None:
    for name in VARIANT_FIELDS:
        parsed.values[name] = text_field(form, name, max_length=500)
    parsed.data["price"] = dollars(parsed.values["price"], parsed.errors, "price", required=True)
    stock_text = parsed.values["stock"]
    stock = parse_int(
        stock_text or ("0" if not stock_required else ""), minimum=0, maximum=MAX_STOCK
    )
    if stock is None:
        parsed.errors["stock"] = f"Enter a whole number from 0 to {MAX_STOCK}"
    parsed.data["stock"] = stock
    parsed.data["options"] = options_of(parsed.values["options"], parsed.errors)


def read_product(form: FormData, *, with_variant: bool) -> Parsed:
    parsed = Parsed({name: text_field(form, name) for name in PRODUCT_FIELDS})
    parsed.values["featured"] = "on" if form.get("featured") else ""
    parsed.data["category_id"] = _optional_id(
        parsed.values["category_id"], parsed.errors, "category_id"
    )
    parsed.data["brand_id"] = _optional_id(parsed.values["brand_id"], parsed.errors, "brand_id")
    if with_variant:
        _variant_values(form, parsed, stock_required=False)
    return parsed


def _collect(error: ValidationError, parsed: Parsed) -> None:
    for name, message in field_errors(error, prefix=_VARIANT_ERRORS).items():
        parsed.errors.setdefault(name, message)


def product_create(parsed: Parsed, currency: str) -> ProductCreate | None:
    if parsed.errors:
        return None
    values = parsed.values
    try:
        return ProductCreate(
            name=values["name"],
            slug=values["slug"] or None,
            description=values["description"],
            status=values["status"] or "draft",
            featured=bool(values["featured"]),
            category_id=parsed.data["category_id"],
            brand_id=parsed.data["brand_id"],
            variants=[_new_variant(parsed, currency)],
        )
    except ValidationError as error:
        _collect(error, parsed)
        return None


def product_update(parsed: Parsed) -> ProductUpdate | None:
    if parsed.errors:
        return None
    values = parsed.values
    changes: dict[str, Any] = {
        "name": values["name"],
        "description": values["description"],
        "featured": bool(values["featured"]),
        "category_id": parsed.data["category_id"],
        "brand_id": parsed.data["brand_id"],
    }
    if values["slug"]:
        changes["slug"] = values["slug"]
    if values["status"]:
        changes["status"] = values["status"]
    try:
        return ProductUpdate.model_validate(changes)
    except ValidationError as error:
        _collect(error, parsed)
        return None


def read_variant(form: FormData) -> Parsed:
    parsed = Parsed({})
    _variant_values(form, parsed, stock_required=False)
    parsed.values["active"] = "on" if form.get("active") else ""
    return parsed


def variant_create(parsed: Parsed, currency: str) -> VariantCreate | None:
    if parsed.errors:
        return None
    try:
        return _new_variant(parsed, currency)
    except ValidationError as error:
        _collect(error, parsed)
        return None


def _new_variant(parsed: Parsed, currency: str) -> VariantCreate:
    """Raises ValidationError; the callers collect it into `parsed.errors`."""
    return VariantCreate(
        sku=parsed.values["sku"],
        options=parsed.data["options"],
        price=MoneyIn(amount=parsed.data["price"], currency=currency),
        stock_quantity=parsed.data["stock"],
    )


def variant_update(parsed: Parsed, currency: str, *, with_active: bool) -> VariantUpdate | None:
    if parsed.errors:
        return None
    changes: dict[str, Any] = {
        "sku": parsed.values["sku"],
        "price": MoneyIn(amount=parsed.data["price"], currency=currency),
        "stock_quantity": parsed.data["stock"],
    }
    if parsed.values["options"]:
        changes["options"] = parsed.data["options"]
    if with_active:
        changes["is_active"] = bool(parsed.values["active"])
    try:
        return VariantUpdate.model_validate(changes)
    except ValidationError as error:
        _collect(error, parsed)
        return None


def format_dollars(amount: int | None) -> str:
    """1234 -> '12.34' (the value of a price input)."""
    if amount is None:
        return ""
    units, cents = divmod(amount, 100)
    return f"{units}.{cents:02d}"
