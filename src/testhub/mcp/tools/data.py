"""Data tools (`admin`): create a customer, product or coupon, or reset the shop to its demo data.
Only against a shop in test mode (SHOP_ENV=test), and never against production."""

from __future__ import annotations

import secrets
from typing import Annotated, Any, Literal

from mcp.server.mcpserver import Context
from pydantic import BaseModel, Field

from testhub.mcp.guard import ToolRegistry
from testhub.mcp.scopes import Scope
from testhub.mcp.shop_client import ShopClient
from testhub.mcp.tools.shop import BaseUrl

# Published in the tool description: a throwaway account of a test shop, so no secret travels
# back in the result (results are redacted anyway).
DEFAULT_CUSTOMER_PASSWORD = "mcp-test-customer-password"  # noqa: S105


class Created(BaseModel):
    kind: Literal["customer", "product", "coupon"]
    id: int
    reference: str = Field(description="Email, product slug or coupon code")
    details: dict[str, Any]


class ResetDone(BaseModel):
    deleted: dict[str, int]
    seeded: dict[str, int]
    mails_deleted: int


async def _require_test_mode(shop: ShopClient) -> None:
    if not await shop.is_test_mode():
        raise ValueError(
            f"{shop.base_url} is not in test mode (SHOP_ENV=test); "
            "data tools only change test shops"
        )


def register(tools: ToolRegistry) -> None:
    runtime = tools.runtime

    @tools.tool(scope=Scope.ADMIN, title="Create test data", destructive=True)
    async def data_create(
        ctx: Context,
        kind: Annotated[
            Literal["customer", "product", "coupon"], Field(description="What to create")
        ],
        email: Annotated[str | None, Field(max_length=254, description="customer")] = None,
        first_name: Annotated[str, Field(max_length=100, description="customer")] = "Test",
        last_name: Annotated[str, Field(max_length=100, description="customer")] = "Shopper",
        name: Annotated[str | None, Field(max_length=200, description="product")] = None,
        price: Annotated[
            int, Field(ge=0, le=100_000_000, description="product, minor units")
        ] = 1999,
        stock: Annotated[int, Field(ge=0, le=1_000_000, description="product")] = 10,
        sku: Annotated[
            str | None, Field(max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9._/-]*$")
        ] = None,
        code: Annotated[
            str | None, Field(min_length=3, max_length=40, description="coupon")
        ] = None,
        coupon_kind: Annotated[
            Literal["percentage", "fixed", "free_shipping"], Field(description="coupon")
        ] = "percentage",
        percent_off: Annotated[int, Field(ge=1, le=100, description="coupon")] = 10,
        amount_off: Annotated[
            int, Field(ge=1, le=100_000_000, description="coupon, minor units")
        ] = 500,
        currency: Annotated[str, Field(pattern=r"^[A-Z]{3}$")] = "USD",
        base_url: BaseUrl = None,
    ) -> Created:
        """Create a customer (password: mcp-test-customer-password), an active product with one
        variant in stock, or a coupon, in a shop in test mode. Unset fields get unique values."""
        suffix = secrets.token_hex(4)
        async with runtime.shop(runtime.base_url(base_url)) as shop:
            await _require_test_mode(shop)
            if kind == "customer":
                address = email or f"mcp-{suffix}@example.com"
                body = await shop.register_customer(
                    {
                        "email": address,
                        "password": DEFAULT_CUSTOMER_PASSWORD,
                        "first_name": first_name,
                        "last_name": last_name,
                    }
                )
                return Created(
                    kind=kind,
                    id=body["id"],
                    reference=body["email"],
                    details={"first_name": body["first_name"], "last_name": body["last_name"]},
                )
            if kind == "product":
                body = await shop.create_product(
                    {
                        "name": name or f"MCP test product {suffix}",
                        "status": "active",
                        "variants": [
                            {
                                "sku": sku or f"MCP-{suffix.upper()}",
                                "price": {"amount": price, "currency": currency},
                                "stock_quantity": stock,
                            }
                        ],
                    }
                )
                variant = body["variants"][0]
                return Created(
                    kind=kind,
                    id=body["id"],
                    reference=body["slug"],
                    details={
                        "name": body["name"],
                        "variant_id": variant["id"],
                        "sku": variant["sku"],
                        "price": price,
                        "stock": stock,
                    },
                )
            coupon: dict[str, Any] = {"code": code or f"MCP{suffix.upper()}", "kind": coupon_kind}
            if coupon_kind == "percentage":
                coupon["percent_off"] = percent_off
            elif coupon_kind == "fixed":
                coupon["amount_off"] = {"amount": amount_off, "currency": currency}
            body = await shop.create_coupon(coupon)
            return Created(
                kind=kind,
                id=body["id"],
                reference=body["code"],
                details={
                    "kind": body["kind"],
                    "percent_off": body.get("percent_off"),
                    "amount_off": body.get("amount_off"),
                },
            )

    @tools.tool(scope=Scope.ADMIN, title="Reset the test shop", destructive=True)
    async def data_reset(ctx: Context, base_url: BaseUrl = None) -> ResetDone:
        """Delete all data of a shop in test mode and load its demo data again (and empty its
        mail outbox)."""
        async with runtime.shop(runtime.base_url(base_url)) as shop:
            await _require_test_mode(shop)
            body = await shop.reset()
        return ResetDone(
            deleted={str(k): int(v) for k, v in body.get("deleted", {}).items()},
            seeded={str(k): int(v) for k, v in body.get("seeded", {}).items()},
            mails_deleted=int(body.get("mails_deleted", 0)),
        )
