"""Wishlist routes: the signed-in customer's saved products."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response, status

from shop.auth.dependencies import CurrentClaims
from shop.kit.pagination import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, PageRequest
from shop.web.dependencies import ReadSession, SettingsDep, WriteSession
from shop.web.problems import problem_responses
from shop.wishlists import service as wishlists_service
from shop.wishlists.repository import MAX_ID
from shop.wishlists.schemas import WishlistItemCreate, WishlistItemRead, WishlistRead

router = APIRouter(prefix="/wishlist", tags=["wishlist"])


@router.get(
    "",
    response_model=WishlistRead,
    summary="The signed-in customer's wishlist, most recently added first",
    responses=problem_responses(401, 422),
)
async def list_wishlist(
    claims: CurrentClaims,
    session: ReadSession,
    settings: SettingsDep,
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = DEFAULT_PAGE_SIZE,
) -> WishlistRead:
    items = await wishlists_service.list_items(
        session, user_id=claims.user_id, page=PageRequest(page=page, page_size=page_size)
    )
    return WishlistRead.of(items, settings.currency)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=WishlistItemRead,
    summary="Save a product (idempotent)",
    description="201 when added, 200 when it was already on the wishlist. Active products only.",
    responses={
        200: {"model": WishlistItemRead, "description": "Already on the wishlist"},
        **problem_responses(401, 422),
    },
)
async def add_to_wishlist(
    data: WishlistItemCreate,
    claims: CurrentClaims,
    session: WriteSession,
    settings: SettingsDep,
    response: Response,
) -> WishlistItemRead:
    added = await wishlists_service.add_item(
        session, user_id=claims.user_id, product_id=data.product_id
    )
    if not added.created:
        response.status_code = status.HTTP_200_OK
    return WishlistItemRead.of(added.row, settings.currency)


@router.delete(
    "/{product_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    summary="Remove a product (idempotent: 204 also when it was not there)",
    responses=problem_responses(401, 422),
)
async def remove_from_wishlist(
    product_id: Annotated[int, Path(ge=1, le=MAX_ID)], claims: CurrentClaims, session: WriteSession
) -> None:
    await wishlists_service.remove_item(session, user_id=claims.user_id, product_id=product_id)
