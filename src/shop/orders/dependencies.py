"""The payment gateways as a request dependency, for the order and checkout routes that run
their own transactions (the provider is called between them)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from shop.integrations.payments.base import PaymentGateway
from shop.integrations.payments.registry import gateways_from_state


async def get_gateways(request: Request) -> dict[str, PaymentGateway]:
    """The gateways the lifespan built (`app.state.gateways`)."""
    return gateways_from_state(request.app.state)


GatewaysDep = Annotated[dict[str, PaymentGateway], Depends(get_gateways)]
