# ruff: noqa: E501  (HTML markup reads better unwrapped)
"""A tiny shop that follows docs/page-contract.md: home, search, product, cart, a few failure pages.

The hub's own tests use it where the real storefront is not needed (shop maps, self-healing
mutations, triage of injected failures); the generated stories run against the real shop.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from html import escape

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.base import BaseHTTPMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route


@dataclass(frozen=True)
class Product:
    slug: str
    name: str
    price: int
    variants: tuple[tuple[int, str, int], ...]  # id, title, stock


PRODUCTS = (
    Product("trail-parka", "Trail Parka", 12900, ((11, "M / Blue", 5), (12, "L / Red", 0))),
    Product("desk-lamp", "Desk Lamp", 4599, ((21, "White", 12),)),
    Product("wool-socks", "Wool Socks", 1299, ((31, "S / Black", 40), (32, "M / Black", 2))),
)
BY_SLUG = {product.slug: product for product in PRODUCTS}


@dataclass
class ShopState:
    cart: dict[int, int] = field(default_factory=dict)
    flash: str | None = None


VISITOR_COOKIE = "visitor"


class Visitors:
    """A cart and flash per browser (a cookie), as in a real shop: tests sharing this server in
    one xdist worker, or a run's tests one after another, never see each other's carts."""

    def __init__(self) -> None:
        self.states: dict[str, ShopState] = {}

    def state(self, request: Request) -> ShopState:
        visitor = request.cookies.get(VISITOR_COOKIE) or request.state.new_visitor
        return self.states.setdefault(visitor, ShopState())

    async def assign(
        self, request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        new = None if VISITOR_COOKIE in request.cookies else uuid.uuid4().hex
        request.state.new_visitor = new
        response = await call_next(request)
        if new is not None:
            response.set_cookie(VISITOR_COOKIE, new, httponly=True, samesite="lax")
        return response


def money(amount: int) -> str:
    return f'<span data-testid="{{tid}}" data-amount="{amount}">${amount / 100:,.2f}</span>'


def layout(title: str, body: str, state: ShopState) -> HTMLResponse:
    count = sum(state.cart.values())
    flash = (
        f'<div data-testid="flash" role="status">{escape(state.flash)}</div>' if state.flash else ""
    )
    state.flash = None
    html = f"""<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{escape(title)}</title></head>
<body><header data-testid="site-header" class="site-header">
<a href="/" class="brand">Shopwright</a>
<form data-testid="search-form" action="/search" method="get" role="search">
<label for="q">Search products</label>
<input id="q" type="search" name="q" data-testid="search-input" class="search-input">
<button type="submit" class="btn">Search</button></form>
<a href="/cart" data-testid="cart-link" class="cart-link">Cart <span data-testid="cart-count">{count}</span></a>
<a href="/login" data-testid="login-link">Sign in</a>
</header>
<nav data-testid="main-nav" aria-label="Categories"><a href="/categories/outerwear">Outerwear</a>
<a href="/categories/lighting">Lighting</a></nav>
{flash}<main id="main">{body}</main></body></html>"""
    return HTMLResponse(html)


def card(product: Product) -> str:
    price = money(product.price).replace("{tid}", "product-price")
    return (
        f'<li data-testid="product-card" data-slug="{product.slug}" class="card">'
        f'<a href="/products/{product.slug}">{escape(product.name)}</a> {price}</li>'
    )


def build_app() -> Starlette:
    visitors = Visitors()

    async def home(request: Request) -> Response:
        state = visitors.state(request)
        cards = "".join(card(p) for p in PRODUCTS)
        body = (
            f'<h1>Welcome</h1><section data-testid="featured-products"><h2>Featured</h2>'
            f'<ul data-testid="product-grid" class="grid">{cards}</ul></section>'
        )
        return layout("Shopwright", body, state)

    async def search(request: Request) -> Response:
        state = visitors.state(request)
        query = request.query_params.get("q", "").lower()
        found = [p for p in PRODUCTS if query in p.name.lower()]
        body = (
            f"<h1>Results for “{escape(query)}”</h1>"
            f'<p data-testid="result-count" data-count="{len(found)}">{len(found)} products</p>'
            f'<ul data-testid="product-grid">{"".join(card(p) for p in found)}</ul>'
        )
        return layout("Search", body, state)

    async def product(request: Request) -> Response:
        state = visitors.state(request)
        item = BY_SLUG.get(request.path_params["slug"])
        if item is None:
            return layout("Not found", "<h1>Not found</h1>", state)
        options = "".join(
            f'<option value="{vid}">{escape(t)}</option>' for vid, t, _ in item.variants
        )
        stock = item.variants[0][2]
        stock_state = "in_stock" if stock > 3 else ("low" if stock else "out")
        price = money(item.price).replace("{tid}", "product-price")
        body = f"""<article class="product"><h1 data-testid="product-title" id="title">{escape(item.name)}</h1>
<p class="price">{price}</p>
<p data-testid="stock-state" data-state="{stock_state}">{stock_state.replace("_", " ")}</p>
<form method="post" action="/cart/items" class="add-form" id="add-form">
<label for="variant">Variant</label>
<select id="variant" name="variant_id" data-testid="variant-select" class="variant">{options}</select>
<label for="quantity">Quantity</label>
<input id="quantity" name="quantity" type="number" value="1" min="1" data-testid="quantity-input" class="qty">
<button type="submit" data-testid="add-to-cart" id="add-button" class="btn btn-primary">Add to cart</button>
</form>
<form method="post" action="/account/wishlist"><input type="hidden" name="product_id" value="1">
<button type="submit" data-testid="add-to-wishlist" class="btn btn-secondary">Save to wishlist</button></form>
</article>"""
        return layout(item.name, body, state)

    async def add_item(request: Request) -> Response:
        state = visitors.state(request)
        form = await request.form()
        variant = int(str(form.get("variant_id", "0")))
        quantity = int(str(form.get("quantity", "1")))
        state.cart[variant] = state.cart.get(variant, 0) + quantity
        state.flash = "Added to your cart."
        return RedirectResponse("/cart", status_code=303)

    async def cart(request: Request) -> Response:
        state = visitors.state(request)
        lines, subtotal = [], 0
        for product_item in PRODUCTS:
            for vid, title, _ in product_item.variants:
                if vid in state.cart:
                    total = product_item.price * state.cart[vid]
                    subtotal += total
                    line_total = money(total).replace("{tid}", "line-total")
                    lines.append(
                        f'<li data-testid="cart-line" data-sku="SKU-{vid}">{escape(product_item.name)}'
                        f" ({escape(title)}) × {state.cart[vid]} {line_total}</li>"
                    )
        if not lines:
            return layout("Cart", '<h1>Your cart</h1><p data-testid="cart-empty">Empty.</p>', state)
        sub = money(subtotal).replace("{tid}", "cart-subtotal")
        tot = money(subtotal).replace("{tid}", "cart-total")
        body = (
            f"<h1>Your cart</h1><ul>{''.join(lines)}</ul><p>Subtotal {sub}</p><p>Total {tot}</p>"
            f'<a href="/checkout" data-testid="checkout-link" class="btn">Check out</a>'
        )
        return layout("Cart", body, state)

    async def reset(request: Request) -> Response:
        state = visitors.state(request)
        state.cart.clear()
        state.flash = None
        return JSONResponse({"reset": True})

    async def broken(request: Request) -> Response:
        return Response("boom", status_code=500)

    async def broken_api_page(request: Request) -> Response:
        state = visitors.state(request)
        body = '<h1>Orders</h1><img src="/broken" alt="chart"><p data-testid="flash">ok</p>'
        return layout("Orders", body, state)

    async def console_error(request: Request) -> Response:
        state = visitors.state(request)
        body = "<h1>Scripted</h1><script>console.error('TypeError: totals is undefined')</script>"
        return layout("Scripted", body, state)

    async def slow(request: Request) -> Response:
        state = visitors.state(request)
        await asyncio.sleep(float(request.query_params.get("seconds", "3")))
        return layout("Slow", '<h1 data-testid="product-title">Slow page</h1>', state)

    routes = [
        Route("/", home),
        Route("/search", search),
        Route("/products/{slug}", product),
        Route("/cart/items", add_item, methods=["POST"]),
        Route("/cart", cart),
        Route("/__reset", reset, methods=["POST"]),
        Route("/broken", broken),
        Route("/broken-page", broken_api_page),
        Route("/console-error", console_error),
        Route("/slow", slow),
        Route("/readyz", lambda request: JSONResponse({"status": "ok"})),
    ]
    return Starlette(
        routes=routes, middleware=[Middleware(BaseHTTPMiddleware, dispatch=visitors.assign)]
    )
