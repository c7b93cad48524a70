"""Shop tools (`read`): search the catalog, read a product or an order, check the shop's health."""

from __future__ import annotations

from typing import Annotated, Any

from mcp.server.mcpserver import Context
from prometheus_client.parser import text_string_to_metric_families
from pydantic import BaseModel, Field

from testhub.mcp.guard import ToolRegistry
from testhub.mcp.scopes import Scope

BaseUrl = Annotated[
    str | None, Field(description="The shop to use; default: the hub's TESTHUB_BASE_URL")
]


class Money(BaseModel):
    amount: int = Field(description="Minor units (cents)")
    currency: str

    @property
    def text(self) -> str:
        return f"{self.amount / 100:.2f} {self.currency}"


class ProductSummary(BaseModel):
    id: int
    slug: str
    name: str
    price: Money | None
    in_stock: bool
    brand: str | None
    category: str | None
    url: str


class SearchResult(BaseModel):
    total: int
    products: list[ProductSummary]


class Variant(BaseModel):
    id: int
    sku: str
    title: str
    options: dict[str, str]
    price: Money
    in_stock: bool


class ProductDetail(BaseModel):
    id: int
    slug: str
    name: str
    description: str
    price: Money | None
    in_stock: bool
    brand: str | None
    category: str | None
    variants: list[Variant]
    url: str


class OrderLine(BaseModel):
    sku: str
    product_name: str
    variant_title: str
    quantity: int
    unit_price: Money
    total: Money


class OrderDetail(BaseModel):
    number: str
    status: str
    email: str
    created_at: str
    lines: list[OrderLine]
    totals: dict[str, Money]
    coupon_code: str | None
    payment_status: str | None
    shipping_method: str
    events: list[str]


class Health(BaseModel):
    base_url: str
    live: bool
    ready: bool
    checks: dict[str, str]
    latency_ms: float | None
    test_mode: bool
    metrics: dict[str, float] = Field(
        description="Key figures from the shop's /metrics, when it exposes them"
    )


def _name(value: Any) -> str | None:
    if isinstance(value, dict):
        return str(value.get("name") or value.get("slug") or "") or None
    return None


def _money(value: Any) -> Money | None:
    return Money.model_validate(value) if isinstance(value, dict) else None


def _text(value: Any, limit: int) -> str:
    text = str(value or "")
    return text if len(text) <= limit else text[: limit - 1] + "…"


# Key figures read from the shop's metrics: sums over all label sets of the first family found.
_KEY_METRICS = {
    "http_requests": ("shop_http_requests", "http_requests"),
    "http_5xx": ("shop_http_server_errors", "http_server_errors"),
    "orders_placed": ("shop_orders_placed", "orders_placed"),
    "payments_failed": ("shop_payments_failed", "payment_failures"),
    "requests_in_flight": ("shop_http_requests_in_progress", "http_requests_in_progress"),
}


def key_metrics(text: str) -> dict[str, float]:
    totals: dict[str, float] = {}
    families = {family.name: family for family in text_string_to_metric_families(text)}
    for label, candidates in _KEY_METRICS.items():
        for name in candidates:
            family = families.get(name) or families.get(name.removesuffix("_total"))
            if family is None:
                continue
            samples = [s for s in family.samples if not s.name.endswith(("_created", "_bucket"))]
            if label == "http_5xx" and not samples:
                continue
            totals[label] = float(sum(sample.value for sample in samples))
            break
    requests = families.get("shop_http_requests")
    if requests is not None and "http_5xx" not in totals:
        totals["http_5xx"] = float(
            sum(
                s.value
                for s in requests.samples
                if s.name.endswith("_total") and str(s.labels.get("status", "")).startswith("5")
            )
        )
    return totals


def register(tools: ToolRegistry) -> None:
    runtime = tools.runtime

    @tools.tool(scope=Scope.READ, title="Search the shop's catalog", read_only=True)
    async def shop_search(
        ctx: Context,
        query: Annotated[str | None, Field(max_length=200, description="Search words")] = None,
        category: Annotated[str | None, Field(max_length=140, description="Category slug")] = None,
        brand: Annotated[str | None, Field(max_length=140, description="Brand slug")] = None,
        limit: Annotated[int, Field(ge=1, le=50)] = 10,
        base_url: BaseUrl = None,
    ) -> SearchResult:
        """Search active products by words, category or brand; prices are in minor units."""
        url = runtime.base_url(base_url)
        async with runtime.shop(url) as shop:
            body = await shop.search_products(
                query=query, category=category, brand=brand, limit=limit
            )
        return SearchResult(
            total=int(body["total"]),
            products=[
                ProductSummary(
                    id=item["id"],
                    slug=item["slug"],
                    name=item["name"],
                    price=_money(item.get("price")),
                    in_stock=bool(item.get("in_stock")),
                    brand=_name(item.get("brand")),
                    category=_name(item.get("category")),
                    url=f"{url}/products/{item['slug']}",
                )
                for item in body["items"]
            ],
        )

    @tools.tool(scope=Scope.READ, title="Read a product", read_only=True)
    async def shop_product(
        ctx: Context,
        reference: Annotated[
            str,
            Field(
                min_length=1,
                max_length=140,
                pattern=r"^[A-Za-z0-9-]+$",
                description="Product id or slug",
            ),
        ],
        base_url: BaseUrl = None,
    ) -> ProductDetail:
        """An active product with its variants (SKU, options, price, stock state)."""
        url = runtime.base_url(base_url)
        async with runtime.shop(url) as shop:
            body = await shop.product(reference)
        return ProductDetail(
            id=body["id"],
            slug=body["slug"],
            name=body["name"],
            description=_text(body.get("description"), 1000),
            price=_money(body.get("price")),
            in_stock=bool(body.get("in_stock")),
            brand=_name(body.get("brand")),
            category=_name(body.get("category")),
            variants=[
                Variant(
                    id=variant["id"],
                    sku=variant["sku"],
                    title=variant.get("title") or "",
                    options={str(k): str(v) for k, v in (variant.get("options") or {}).items()},
                    price=Money.model_validate(variant["price"]),
                    in_stock=bool(variant.get("in_stock")),
                )
                for variant in body.get("variants", [])
            ],
            url=f"{url}/products/{body['slug']}",
        )

    @tools.tool(scope=Scope.READ, title="Read an order", read_only=True)
    async def shop_order(
        ctx: Context,
        number: Annotated[
            str,
            Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9-]+$"),
        ],
        base_url: BaseUrl = None,
    ) -> OrderDetail:
        """An order by number, through the admin API (the hub's staff credentials): status,
        lines, totals, payment and its history."""
        url = runtime.base_url(base_url)
        async with runtime.shop(url) as shop:
            body = await shop.order(number)
        payment = body.get("payment") or {}
        return OrderDetail(
            number=body["number"],
            status=str(body["status"]),
            email=body["email"],
            created_at=str(body.get("created_at", "")),
            lines=[
                OrderLine(
                    sku=line["sku"],
                    product_name=line["product_name"],
                    variant_title=line.get("variant_title") or "",
                    quantity=line["quantity"],
                    unit_price=Money.model_validate(line["unit_price"]),
                    total=Money.model_validate(line["total"]),
                )
                for line in body["lines"]
            ],
            totals={key: Money.model_validate(value) for key, value in body["totals"].items()},
            coupon_code=body.get("coupon_code"),
            payment_status=str(payment["status"]) if payment.get("status") else None,
            shipping_method=str(body.get("shipping_method", "")),
            events=[
                _text(
                    f"{event.get('created_at', '')} {event.get('type') or event.get('kind', '')}"
                    f" {event.get('message') or event.get('note') or ''}".strip(),
                    200,
                )
                for event in body.get("events", [])[:50]
            ],
        )

    @tools.tool(scope=Scope.READ, title="Check the shop's health", read_only=True)
    async def shop_health(ctx: Context, base_url: BaseUrl = None) -> Health:
        """Liveness, readiness (database, Redis), latency, test mode and key metrics."""
        url = runtime.base_url(base_url)
        async with runtime.shop(url) as shop:
            live_status, latency, _ = await shop.probe("/healthz")
            ready_status, _, ready_body = await shop.probe("/readyz")
            test_mode = await shop.is_test_mode() if live_status == 200 else False
            metrics_text = await shop.metrics_text() if live_status == 200 else None
        checks = ready_body.get("checks", {}) if isinstance(ready_body, dict) else {}
        return Health(
            base_url=url,
            live=live_status == 200,
            ready=ready_status == 200,
            checks={str(k): str(v) for k, v in checks.items()},
            latency_ms=round(latency * 1000, 1) if live_status is not None else None,
            test_mode=test_mode,
            metrics=key_metrics(metrics_text) if metrics_text else {},
        )
