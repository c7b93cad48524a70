"""Request dependencies of the order and checkout routes that run their own transactions
(the payment provider is called between them): the database and the payment gateways."""

from __future__ import annotations

from typing import Annotated

import httpx
from fastapi import Depends, Request

from shop.db.session import Database
from shop.integrations.payments.base import PaymentGateway
from shop.integrations.payments.registry import STATE_ATTRIBUTE, build_gateways
from shop.web.dependencies import get_database


def get_gateways(request: Request) -> dict[str, PaymentGateway]:
    """The gateways the lifespan put on `app.state`. Until main.py builds them there, they are
    built once per process on first use (their HTTP client lives as long as the process)."""
    state = request.app.state
    gateways: dict[str, PaymentGateway] | None = getattr(state, STATE_ATTRIBUTE, None)
    if gateways is None:
        gateways = build_gateways(state.settings, httpx.AsyncClient())
        setattr(state, STATE_ATTRIBUTE, gateways)
    return gateways


DatabaseDep = Annotated[Database, Depends(get_database)]
GatewaysDep = Annotated[dict[str, PaymentGateway], Depends(get_gateways)]
