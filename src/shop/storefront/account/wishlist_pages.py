"""The wishlist: saved products with a remove button. Products are added from the product
page, whose form posts here."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse, Response

from shop.auth.browser_session import OptionalShopper, SignedInShopper
from shop.errors import ShopError
from shop.kit.pagination import MAX_PAGE_SIZE, PageRequest
from shop.storefront.account.common import render_account
from shop.web.dependencies import ReadSession, WriteSession
from shop.web.pages.csrf import CsrfProtected
from shop.web.pages.errors import login_url
from shop.web.pages.forms import parse_int, text_field
from shop.web.pages.responses import redirect_with_flash, safe_next
from shop.wishlists import service as wishlists_service
from shop.wishlists.repository import MAX_ID

router = APIRouter(default_response_class=HTMLResponse)

ProductId = Annotated[int, Path(ge=1, le=MAX_ID)]
PageNumber = Annotated[int, Query(ge=1, le=10_000)]
WISHLIST_PATH = "/account/wishlist"


@router.get(WISHLIST_PATH)
async def wishlist(
    request: Request, shopper: SignedInShopper, session: ReadSession, page: PageNumber = 1
) -> Response:
    items = await wishlists_service.list_items(
        session, user_id=shopper.user_id, page=PageRequest(page, MAX_PAGE_SIZE)
    )
    return await render_account(
        request,
        "wishlist.html",
        {"items": items, "page": page, "has_next": page * MAX_PAGE_SIZE < items.total},
    )


@router.post(WISHLIST_PATH)
async def add_to_wishlist(
    request: Request, _: CsrfProtected, shopper: OptionalShopper, session: WriteSession
) -> Response:
    form = await request.form()
    back = safe_next(text_field(form, "next"), default=WISHLIST_PATH)
    if shopper is None:
        # A POST cannot be replayed after signing in: come back to the page it was sent from.
        return redirect_with_flash(
            request, login_url(back), "Sign in to save products to your wishlist.", kind="info"
        )
    product_id = parse_int(text_field(form, "product_id"), minimum=1, maximum=MAX_ID)
    if product_id is None:
        return redirect_with_flash(request, back, "That product could not be saved.", kind="error")
    try:
        added = await wishlists_service.add_item(
            session, user_id=shopper.user_id, product_id=product_id
        )
    except ShopError:
        return redirect_with_flash(
            request, back, "That product is not for sale, so it cannot be saved.", kind="error"
        )
    name = added.row.name
    return redirect_with_flash(
        request,
        back,
        f"{name} saved to your wishlist."
        if added.created
        else f"{name} is already on your wishlist.",
    )


@router.post(WISHLIST_PATH + "/{product_id}/remove")
async def remove_from_wishlist(
    request: Request,
    product_id: ProductId,
    _: CsrfProtected,
    shopper: SignedInShopper,
    session: WriteSession,
) -> Response:
    await wishlists_service.remove_item(session, user_id=shopper.user_id, product_id=product_id)
    return redirect_with_flash(request, WISHLIST_PATH, "Removed from your wishlist.")
