"""Public pricing routes: the shipping methods a customer can choose from."""

from __future__ import annotations

from fastapi import APIRouter

from shop.pricing import service
from shop.pricing.schemas import ShippingMethodPublicRead
from shop.web.dependencies import ReadSession, SettingsDep

router = APIRouter(tags=["shipping"])


@router.get(
    "/shipping-methods",
    response_model=list[ShippingMethodPublicRead],
    summary="List the shipping methods offered",
    description=(
        "The active methods in display order, with their price and, where set, the discounted "
        "subtotal from which the method is free."
    ),
)
async def list_shipping_methods(
    session: ReadSession, settings: SettingsDep
) -> list[ShippingMethodPublicRead]:
    methods = await service.list_shipping_methods(session, active_only=True)
    return [ShippingMethodPublicRead.of(method, settings.currency) for method in methods]
