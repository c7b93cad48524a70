"""Browsing pages: home, category listings, search with suggestions, the product page and its
review form."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from shop.auth.browser_session import Shopper, SignedInShopper
from shop.catalog import service as catalog_service
from shop.catalog.listing import FacetValue, ProductFilters, ProductSort
from shop.catalog.product_view import ProductView, VariantView
from shop.catalog.search_terms import MAX_QUERY_LENGTH, parse_search
from shop.catalog.service import CategoryNode
from shop.errors import NotFound, ShopError
from shop.kit.pagination import PageRequest
from shop.observability import metrics
from shop.reviews import service as reviews_service
from shop.reviews.schemas import ReviewCreate
from shop.storefront.listing_params import SORT_CHOICES, ListingParams, read_listing_params
from shop.storefront.shared_pages import PageContent, catalog_page
from shop.web.dependencies import ReadSession, WriteSession
from shop.web.pages.csrf import CsrfProtected
from shop.web.pages.flash import Flash
from shop.web.pages.formatting import money
from shop.web.pages.forms import as_sentence, field_errors, text_field
from shop.web.pages.rendering import PersonalPart, render, render_fragment
from shop.web.pages.responses import redirect_with_flash, see_other

router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)

FEATURED_COUNT = 8
SUGGESTION_COUNT = 6
REVIEWS_SHOWN = 10
FACET_VALUES_SHOWN = 12
REVIEW_FORM_TEMPLATE = "storefront/_review_form.html"
Slug = Annotated[str, Path(min_length=1, max_length=140)]


# --- home ----------------------------------------------------------------------------------


@router.get("/")
async def home(request: Request) -> Response:
    async def build(session: AsyncSession) -> PageContent:
        tree = await catalog_service.category_tree(session)
        featured = await catalog_service.list_products(
            session,
            ProductFilters(featured=True),
            sort=ProductSort.NEWEST,
            page=PageRequest(1, FEATURED_COUNT),
        )
        return PageContent(
            "storefront/home.html", {"categories": tree.roots, "featured": featured.items}
        )

    return await catalog_page(request, "/", build)


# --- listings ------------------------------------------------------------------------------


def _find_category(
    roots: list[CategoryNode], slug: str
) -> tuple[CategoryNode, list[CategoryNode]] | None:
    """The category of `slug` and its ancestors (root first)."""
    pending: list[tuple[CategoryNode, list[CategoryNode]]] = [(node, []) for node in roots]
    while pending:
        node, path = pending.pop()
        if node.slug == slug:
            return node, path
        pending.extend((child, [*path, node]) for child in node.children)
    return None


async def _listing(
    session: AsyncSession, params: ListingParams, *, category_slug: str | None
) -> tuple[object, list[Flash]]:
    messages = [Flash(text, "error") for text in params.errors]
    try:
        page = await catalog_service.list_products(
            session,
            params.filters(category_slug=category_slug),
            sort=params.product_sort(),
            page=params.page_request(),
        )
    except ShopError as error:  # a filter the catalog refuses: show it, list without filters
        messages.append(Flash(as_sentence(error.message), "error"))
        page = await catalog_service.list_products(
            session, ProductFilters(category_slug=category_slug), page=PageRequest(1, 24)
        )
    return page, messages


def _facet(values: list[FacetValue], allowed: set[str] | None = None) -> list[FacetValue]:
    chosen = [v for v in values if allowed is None or v.slug in allowed]
    return chosen[:FACET_VALUES_SHOWN]


def _listing_key(path: str, params: ListingParams) -> str:
    """The canonical address of a listing: equivalent query strings share a cache entry."""
    return f"{path}?{params.query(page=params.page)}"


@router.get("/categories/{slug}")
async def category_page(request: Request, slug: Slug) -> Response:
    params = read_listing_params(request.query_params)
    params.category = ""

    async def build(session: AsyncSession) -> PageContent:
        tree = await catalog_service.category_tree(session)
        found = _find_category(tree.roots, slug)
        if found is None:
            raise NotFound(f"There is no category '{slug[:60]}'.")
        category, ancestors = found
        page, messages = await _listing(session, params, category_slug=slug)
        children = {child.slug for child in category.children}
        return PageContent(
            "storefront/listing.html",
            {
                "heading": category.name,
                "description": category.description,
                "breadcrumb": ancestors,
                "base_path": f"/categories/{slug}",
                "category_facet": _facet(page.category_facet, children),  # type: ignore[attr-defined]
                "category_links_search": False,
                "page": page,
                "params": params,
                "sort_choices": SORT_CHOICES,
                "search_query": "",
            },
            messages,
        )

    return await catalog_page(request, _listing_key(f"/categories/{slug}", params), build)


@router.get("/search")
async def search_page(request: Request) -> Response:
    params = read_listing_params(request.query_params)

    async def build(session: AsyncSession) -> PageContent:
        page, messages = await _listing(session, params, category_slug=params.category or None)
        tree = await catalog_service.category_tree(session)
        roots = {node.slug for node in tree.roots}
        return PageContent(
            "storefront/listing.html",
            {
                "heading": f"Results for “{params.q}”" if params.q else "All products",
                "description": "",
                "breadcrumb": [],
                "base_path": "/search",
                "category_facet": _facet(page.category_facet, roots),  # type: ignore[attr-defined]
                "category_links_search": True,
                "page": page,
                "params": params,
                "sort_choices": SORT_CHOICES,
                "search_query": params.q,
            },
            messages,
        )

    return await catalog_page(request, _listing_key("/search", params), build)


@router.get("/search/suggest")
async def search_suggestions(request: Request, session: ReadSession) -> Response:
    text = request.query_params.get("q", "").strip()[:MAX_QUERY_LENGTH]
    search = parse_search(text) if text else None
    items = []
    if search is not None and not search.matches_nothing:
        page = await catalog_service.list_products(
            session,
            ProductFilters(search=search),
            sort=ProductSort.RELEVANCE,
            page=PageRequest(1, SUGGESTION_COUNT),
        )
        items = page.items
    return render_fragment(request, "storefront/_suggestions.html", {"items": items, "query": text})


# --- product page --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class VariantChoice:
    variant: VariantView
    label: str
    stock_state: str  # in_stock | low | out
    stock_text: str


def stock_state(variant: VariantView) -> tuple[str, str]:
    if not variant.track_inventory:
        return "in_stock", "In stock"
    if variant.stock_quantity <= 0:
        return "out", "Out of stock"
    if variant.stock_quantity <= variant.low_stock_threshold:
        return "low", f"Only {variant.stock_quantity} left"
    return "in_stock", "In stock"


def variant_label(variant: VariantView) -> str:
    values = [str(value) for value in variant.options.values()]
    return " / ".join(values) if values else (variant.title or variant.sku)


def variant_choices(product: ProductView) -> list[VariantChoice]:
    choices = []
    for variant in product.variants:
        if not variant.is_active:
            continue
        state, text = stock_state(variant)
        choices.append(VariantChoice(variant, variant_label(variant), state, text))
    return choices


def wanted_variant(request: Request) -> int | None:
    """The `variant` query parameter when it can be a variant id (ASCII digits)."""
    wanted = request.query_params.get("variant", "")
    if wanted.isascii() and wanted.isdigit() and len(wanted) <= 18:
        return int(wanted)
    return None


def _selected(choices: list[VariantChoice], wanted: int | None) -> VariantChoice | None:
    if wanted is not None:
        for choice in choices:
            if choice.variant.id == wanted:
                return choice
    in_stock = [c for c in choices if c.stock_state != "out"]
    candidates = in_stock or choices
    return candidates[0] if candidates else None


async def _product_content(
    session: AsyncSession,
    product: ProductView,
    shopper: Shopper | None,
    wanted: int | None,
    *,
    review_errors: dict[str, str] | None = None,
    review_values: dict[str, str] | None = None,
) -> PageContent:
    choices = variant_choices(product)
    reviews = await reviews_service.product_reviews(
        session, product.id, PageRequest(1, REVIEWS_SHOWN)
    )
    return PageContent(
        "storefront/product.html",
        {
            "product": product,
            "choices": choices,
            "selected": _selected(choices, wanted),
            "reviews": reviews,
            "shopper": shopper,
            "review_errors": review_errors or {},
            "review_values": review_values or {},
            "money": money,
        },
    )


@router.get("/products/{slug}")
async def product_page(request: Request, slug: Slug) -> Response:
    wanted = wanted_variant(request)

    async def build(session: AsyncSession) -> PageContent | Response:
        product = await catalog_service.get_public_product(session, slug)
        if product.slug != slug:  # reached by id: one address per product
            return see_other(f"/products/{product.slug}")
        return await _product_content(session, product, None, wanted)

    def review_form(shopper: Shopper | None) -> list[PersonalPart]:
        # The cached page is only ever the one at the product's own slug.
        context: dict[str, object] = {
            "product_slug": slug,
            "shopper": shopper,
            "review_errors": {},
            "review_values": {},
        }
        return [PersonalPart("review-form", REVIEW_FORM_TEMPLATE, context)]

    key = f"/products/{slug}" + (f"?variant={wanted}" if wanted is not None else "")
    response = await catalog_page(request, key, build, personal=review_form)
    if response.status_code == 200:
        metrics.count_funnel_step("product_view")
    return response


@router.post("/products/{slug}/reviews")
async def post_review(
    request: Request,
    slug: Slug,
    session: WriteSession,
    shopper: SignedInShopper,
    _csrf: CsrfProtected,
) -> Response:
    product = await catalog_service.get_public_product(session, slug)
    form = await request.form()
    values = {
        "rating": text_field(form, "rating", max_length=2),
        "title": text_field(form, "title", max_length=200),
        "body": text_field(form, "body", max_length=5000),
    }
    try:
        data = ReviewCreate.model_validate(
            {"rating": values["rating"] or None, "title": values["title"], "body": values["body"]}
        )
    except ValidationError as error:
        content = await _product_content(
            session,
            product,
            shopper,
            wanted_variant(request),
            review_errors=field_errors(error),
            review_values=values,
        )
        return await render(request, content.template, content.context, status_code=422)
    back = f"/products/{product.slug}#reviews"
    try:
        await reviews_service.create_review(
            session,
            user_id=shopper.user_id,
            product_id=product.id,
            rating=data.rating,
            title=data.title,
            body=data.body,
        )
    except ShopError as error:
        return redirect_with_flash(
            request,
            back,
            "You have already reviewed this product."
            if error.code == "review_exists"
            else as_sentence(error.message),
            kind="error",
        )
    return redirect_with_flash(
        request, back, "Thank you! Your review will appear once it has been approved."
    )
