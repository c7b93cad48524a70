"""Request dependencies of the order and checkout routes that run their own transactions
(the payment provider is called between them): the database and the payment gateways."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from shop.db.session import Database
from shop.integrations.payments.base import PaymentGateway
from shop.integrations.payments.registry import gateways_from_state
from shop.web.dependencies import get_database


def get_gateways(request: Request) -> dict[str, PaymentGateway]:
    """The gateways the lifespan built (`app.state.gateways`)."""
    return gateways_from_state(request.app.state)


DatabaseDep = Annotated[Database, Depends(get_database)]
GatewaysDep = Annotated[dict[str, PaymentGateway], Depends(get_gateways)]
