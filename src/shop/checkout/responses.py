"""The JSON bodies checkout stores with an Idempotency-Key and replays: the order (201) or the
problem document (4xx), built exactly as the routes would answer them."""

from __future__ import annotations

import json
from typing import Any

from shop.errors import ShopError
from shop.orders.schemas import OrderRead
from shop.orders.service import OrderView
from shop.web.problems import problem_response


def order_body(view: OrderView) -> dict[str, Any]:
    body: dict[str, Any] = OrderRead.of(view).model_dump(mode="json")
    return body


def problem_body(error: ShopError) -> dict[str, Any]:
    response = problem_response(error.status, error.code, error.title, error.message, **error.extra)
    body: dict[str, Any] = json.loads(bytes(response.body))
    return body
