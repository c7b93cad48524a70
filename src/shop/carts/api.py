"""Cart routes. An anonymous cart is opened by its secret token in `X-Cart-Token`; a customer's
cart also by the customer's bearer token. Every other caller gets 404 `cart_not_found`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Path, Response, status

from shop.auth.dependencies import OPTIONAL_BEARER, OptionalClaims
from shop.carts import service as carts_service
from shop.carts.repository import MAX_ID
from shop.carts.schemas import (
    CartCouponSet,
    CartCreatedRead,
    CartItemCreate,
    CartItemUpdate,
    CartRead,
)
from shop.observability import metrics
from shop.web.dependencies import ReadSession, SettingsDep, WriteSession
from shop.web.problems import problem_responses

router = APIRouter(prefix="/carts", tags=["carts"])


CartId = Annotated[int, Path(ge=1, le=MAX_ID)]
ItemId = Annotated[int, Path(ge=1, le=MAX_ID)]
CartToken = Annotated[
    str | None,
    Header(
        alias="X-Cart-Token",
        max_length=256,
        description="The token returned when the cart was created (anonymous carts need it)",
    ),
]


@router.post(
    "",
    openapi_extra=OPTIONAL_BEARER,
    status_code=status.HTTP_201_CREATED,
    response_model=CartCreatedRead,
    summary="Create a cart",
    description=(
        "Anonymous: a new cart and its secret `token` (shown only here). Signed in: the "
        "customer's cart; when they already have an open one it is returned with 200 and "
        "`token: null` (one open cart per customer)."
    ),
    responses={
        200: {"model": CartCreatedRead, "description": "The customer's existing open cart"},
        **problem_responses(401),
    },
)
async def create_cart(
    session: WriteSession, settings: SettingsDep, claims: OptionalClaims, response: Response
) -> CartCreatedRead:
    created = await carts_service.create_cart(
        session, user_id=claims.user_id if claims else None, currency=settings.currency
    )
    if not created.created:
        response.status_code = status.HTTP_200_OK
    return CartCreatedRead.of_created(created)


@router.get(
    "/{cart_id}",
    openapi_extra=OPTIONAL_BEARER,
    response_model=CartRead,
    summary="A cart at current prices, unavailable or short lines flagged",
    responses=problem_responses(401, 404, 422),
)
async def get_cart(
    cart_id: CartId, session: ReadSession, claims: OptionalClaims, x_cart_token: CartToken = None
) -> CartRead:
    cart = await carts_service.get_cart(
        session, cart_id=cart_id, claims=claims, cart_token=x_cart_token
    )
    return CartRead.of(cart)


@router.delete(
    "/{cart_id}",
    openapi_extra=OPTIONAL_BEARER,
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    summary="Delete a cart",
    responses=problem_responses(401, 404, 409, 422),
)
async def delete_cart(
    cart_id: CartId, session: WriteSession, claims: OptionalClaims, x_cart_token: CartToken = None
) -> None:
    await carts_service.delete_cart(
        session, cart_id=cart_id, claims=claims, cart_token=x_cart_token
    )


@router.post(
    "/{cart_id}/items",
    openapi_extra=OPTIONAL_BEARER,
    response_model=CartRead,
    summary="Add a variant (to its existing line, if any)",
    description="A line holds 1 to 99; adding beyond 99 in all is refused with 422.",
    responses=problem_responses(401, 404, 409, 422),
)
async def add_item(
    cart_id: CartId,
    data: CartItemCreate,
    session: WriteSession,
    claims: OptionalClaims,
    x_cart_token: CartToken = None,
) -> CartRead:
    cart = await carts_service.add_item(
        session,
        cart_id=cart_id,
        claims=claims,
        cart_token=x_cart_token,
        variant_id=data.variant_id,
        quantity=data.quantity,
    )
    metrics.count_funnel_step("add_to_cart")
    return CartRead.of(cart)


@router.patch(
    "/{cart_id}/items/{item_id}",
    openapi_extra=OPTIONAL_BEARER,
    response_model=CartRead,
    summary="Set a line's quantity",
    responses=problem_responses(401, 404, 409, 422),
)
async def update_item(
    cart_id: CartId,
    item_id: ItemId,
    data: CartItemUpdate,
    session: WriteSession,
    claims: OptionalClaims,
    x_cart_token: CartToken = None,
) -> CartRead:
    cart = await carts_service.update_item(
        session,
        cart_id=cart_id,
        claims=claims,
        cart_token=x_cart_token,
        item_id=item_id,
        quantity=data.quantity,
    )
    return CartRead.of(cart)


@router.delete(
    "/{cart_id}/items/{item_id}",
    openapi_extra=OPTIONAL_BEARER,
    response_model=CartRead,
    summary="Remove a line",
    responses=problem_responses(401, 404, 409, 422),
)
async def remove_item(
    cart_id: CartId,
    item_id: ItemId,
    session: WriteSession,
    claims: OptionalClaims,
    x_cart_token: CartToken = None,
) -> CartRead:
    cart = await carts_service.remove_item(
        session, cart_id=cart_id, claims=claims, cart_token=x_cart_token, item_id=item_id
    )
    return CartRead.of(cart)


@router.put(
    "/{cart_id}/coupon",
    openapi_extra=OPTIONAL_BEARER,
    response_model=CartRead,
    summary="Apply a coupon (replaces the cart's coupon)",
    description=(
        "Checked now against the cart's subtotal; rejections carry the pricing codes "
        "(`coupon_not_found`, `coupon_expired`, `min_spend_not_met` ...). Checkout checks it "
        "again."
    ),
    responses=problem_responses(401, 404, 409, 422),
)
async def apply_coupon(
    cart_id: CartId,
    data: CartCouponSet,
    session: WriteSession,
    claims: OptionalClaims,
    x_cart_token: CartToken = None,
) -> CartRead:
    cart = await carts_service.apply_coupon(
        session, cart_id=cart_id, claims=claims, cart_token=x_cart_token, code=data.code
    )
    return CartRead.of(cart)


@router.delete(
    "/{cart_id}/coupon",
    openapi_extra=OPTIONAL_BEARER,
    response_model=CartRead,
    summary="Remove the cart's coupon",
    responses=problem_responses(401, 404, 409, 422),
)
async def remove_coupon(
    cart_id: CartId, session: WriteSession, claims: OptionalClaims, x_cart_token: CartToken = None
) -> CartRead:
    cart = await carts_service.remove_coupon(
        session, cart_id=cart_id, claims=claims, cart_token=x_cart_token
    )
    return CartRead.of(cart)
