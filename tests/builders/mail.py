"""Builders for mail template contexts. Keyword-only, safe defaults."""

from __future__ import annotations

from typing import Any


def money(amount: int, currency: str = "USD") -> dict[str, Any]:
    return {"amount": amount, "currency": currency}


def address(**overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "name": "Jane Doe",
        "line1": "1 Main Street",
        "line2": None,
        "city": "Springfield",
        "region": "IL",
        "postal_code": "62701",
        "country": "US",
    }
    values.update(overrides)
    return values


def order_confirmation_context(
    *,
    order_number: str = "SW-1001",
    product_name: str = "Linen Shirt",
    quantity: int = 2,
    unit_price: int = 1999,
    **overrides: Any,
) -> dict[str, Any]:
    subtotal = unit_price * quantity
    tax = subtotal * 8 // 100
    values: dict[str, Any] = {
        "order_number": order_number,
        "customer_name": "Jane",
        "lines": [
            {
                "name": product_name,
                "variant": "Size M",
                "sku": "LIN-001-M",
                "quantity": quantity,
                "unit_price": money(unit_price),
                "total": money(subtotal),
            }
        ],
        "totals": {
            "subtotal": money(subtotal),
            "discount": money(0),
            "shipping": money(999),
            "tax": money(tax),
            "total": money(subtotal + 999 + tax),
        },
        "shipping_method": "Standard (3-5 days)",
        "shipping_address": address(),
        "order_url": f"https://shop.example.com/orders/{order_number}",
    }
    values.update(overrides)
    return values


def order_shipped_context(*, order_number: str = "SW-1001", **overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "order_number": order_number,
        "customer_name": "Jane",
        "carrier": "UPS",
        "tracking_number": "1Z999AA10123456784",
        "tracking_url": None,
        "shipping_address": address(),
        "order_url": f"https://shop.example.com/orders/{order_number}",
    }
    values.update(overrides)
    return values
