"""Back-office catalog API.

Requests that must be refused run against the shared catalog (`shop_api`) and assert that no
row changed; requests that change things use `client`, with a fresh database per test.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from shop.db.session import Database
from shop.models.accounts import Role
from tests.shop.catalog.conftest import SharedApp, Shop, row_counts, staff_headers

ADMIN = "/api/v1/admin"
MANAGER = staff_headers(Role.MANAGER)
SUPPORT = staff_headers(Role.SUPPORT)


def usd(amount: int) -> dict[str, Any]:
    return {"amount": amount, "currency": "USD"}


def variant(sku: str, price: int = 1000, **extra: Any) -> dict[str, Any]:
    return {"sku": sku, "price": usd(price), **extra}


async def send(
    http: httpx.AsyncClient,
    method: str,
    path: str,
    expected: int,
    body: Any = None,
    *,
    headers: dict[str, str] = MANAGER,
    **params: Any,
) -> Any:
    response = await http.request(
        method, f"{ADMIN}{path}", json=body, headers=headers, params=params or None
    )
    assert response.status_code == expected, response.text
    return response.json() if response.content else None


async def refused(
    shared: SharedApp,
    method: str,
    path: str,
    status: int,
    code: str,
    body: Any = None,
    *,
    headers: dict[str, str] = MANAGER,
) -> dict[str, Any]:
    """Send a request that must be refused with a problem document, and change nothing."""
    before = await row_counts(shared.database)
    response = await shared.client.request(method, f"{ADMIN}{path}", json=body, headers=headers)
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem: dict[str, Any] = response.json()
    assert problem["code"] == code, problem
    assert problem["detail"]
    assert await row_counts(shared.database) == before
    return problem


async def public_slugs(http: httpx.AsyncClient, **params: Any) -> list[str]:
    response = await http.get("/api/v1/products", params=params)
    assert response.status_code == 200, response.text
    return [item["slug"] for item in response.json()["items"]]


class TestAccess:
    @pytest.mark.parametrize(
        ("method", "path"),
        [
            ("GET", "/products"),
            ("GET", "/products/1"),
            ("POST", "/products"),
            ("PATCH", "/products/1"),
            ("DELETE", "/products/1"),
            ("POST", "/products/1/variants"),
            ("PATCH", "/products/1/variants/1"),
            ("GET", "/categories"),
            ("POST", "/categories"),
            ("DELETE", "/categories/1"),
            ("GET", "/brands"),
            ("PATCH", "/brands/1"),
        ],
    )
    async def test_needs_a_token(self, shop_api: SharedApp, method: str, path: str) -> None:
        await refused(shop_api, method, path, 401, "not_authenticated", {}, headers={})

    async def test_customers_are_not_staff(self, shop_api: SharedApp) -> None:
        customer = staff_headers(Role.CUSTOMER)
        await refused(shop_api, "GET", "/products", 403, "staff_only", headers=customer)

    async def test_support_reads_but_cannot_write(self, shop_api: SharedApp, shop: Shop) -> None:
        body = await send(shop_api.client, "GET", f"/products/{shop.tee.id}", 200, headers=SUPPORT)
        assert body["slug"] == "classic-tee"
        problem = await refused(
            shop_api,
            "PATCH",
            f"/products/{shop.tee.id}",
            403,
            "missing_permission",
            {"name": "Hacked"},
            headers=SUPPORT,
        )
        assert problem["permission"] == "catalog:write"


class TestListProducts:
    async def test_every_status_by_default(self, shop_api: SharedApp) -> None:
        body = await send(shop_api.client, "GET", "/products", 200, headers=SUPPORT)
        assert [(i["slug"], i["status"]) for i in body["items"]] == [
            ("old-tee", "archived"),
            ("draft-tee", "draft"),
            ("desk-lamp", "active"),
            ("storm-jacket", "active"),
            ("classic-tee", "active"),
        ]
        assert body["total"] == 5

    async def test_status_and_public_filters(self, shop_api: SharedApp) -> None:
        body = await send(
            shop_api.client, "GET", "/products", 200, status="draft", category="clothing"
        )
        assert [i["slug"] for i in body["items"]] == ["draft-tee"]
        assert body["facets"]["category"] == [
            {"slug": "clothing", "name": "Clothing", "count": 1},
            {"slug": "t-shirts", "name": "T-Shirts", "count": 1},
        ]

    async def test_bad_status(self, shop_api: SharedApp) -> None:
        response = await shop_api.client.get(
            f"{ADMIN}/products", params={"status": "deleted"}, headers=MANAGER
        )
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "status"


class TestGetProduct:
    async def test_shows_all_variants_with_stock(self, shop_api: SharedApp, shop: Shop) -> None:
        body = await send(shop_api.client, "GET", f"/products/{shop.jacket.id}", 200)
        assert body["status"] == "active"
        assert {k: body["variants"][0][k] for k in ("sku", "stock_quantity", "is_active")} == {
            "sku": "JKT-01",
            "stock_quantity": 0,
            "is_active": True,
        }
        draft = await send(shop_api.client, "GET", f"/products/{shop.draft.id}", 200)
        assert draft["status"] == "draft"

    @pytest.mark.parametrize(
        "product_id", ["0", "-1", "424242", "3000000000", str(2**63), "99999999999999999999"]
    )
    async def test_not_found(self, shop_api: SharedApp, product_id: str) -> None:
        await refused(shop_api, "GET", f"/products/{product_id}", 404, "product_not_found")

    async def test_id_must_be_a_number(self, shop_api: SharedApp) -> None:
        await refused(shop_api, "GET", "/products/classic-tee", 422, "validation_error")


class TestCreateProduct:
    async def test_all_members(self, client: httpx.AsyncClient, fresh_shop: Shop) -> None:
        body = await send(
            client,
            "POST",
            "/products",
            201,
            {
                "name": "  Rain Boots ",
                "description": "Wellies.",
                "status": "active",
                "featured": True,
                "brand_id": fresh_shop.globex.id,
                "category_id": fresh_shop.clothing.id,
                "images": [{"url": "https://cdn.example.com/boots.jpg", "alt": "Boots"}],
                "attributes": {"waterproof": True, "height_cm": 32.5, "material": "rubber"},
                "variants": [
                    variant("BOOT-42", 5900, compare_at_price=usd(7900), options={"size": "42"}),
                    variant("BOOT-43", 4900, stock_quantity=3, title="Size 43"),
                ],
            },
        )
        assert {k: body[k] for k in ("name", "slug", "status", "featured", "price")} == {
            "name": "Rain Boots",
            "slug": "rain-boots",
            "status": "active",
            "featured": True,
            "price": usd(4900),
        }
        assert body["category"]["path"] == [{"slug": "clothing", "name": "Clothing"}]
        assert body["attributes"] == {"height_cm": 32.5, "material": "rubber", "waterproof": True}
        assert [(v["sku"], v["title"], v["stock_quantity"]) for v in body["variants"]] == [
            ("BOOT-42", "42", 0),
            ("BOOT-43", "Size 43", 3),
        ]
        assert body["variants"][0]["compare_at_price"] == usd(7900)
        assert await public_slugs(client, q="wellies") == ["rain-boots"]
        assert await public_slugs(client, q="BOOT-43") == ["rain-boots"]

    async def test_defaults_to_a_hidden_draft_with_unique_slug(
        self, client: httpx.AsyncClient, fresh_shop: Shop
    ) -> None:
        body = await send(client, "POST", "/products", 201, {"name": "Classic Tee"})
        assert (body["slug"], body["status"], body["price"], body["variants"]) == (
            "classic-tee-2",
            "draft",
            None,
            [],
        )
        again = await send(client, "POST", "/products", 201, {"name": "1984"})
        assert again["slug"] == "product-1984"
        response = await client.get(f"/api/v1/products/{body['id']}")
        assert response.status_code == 404

    @pytest.mark.parametrize(
        ("body", "status", "code"),
        [
            ({"name": "X", "slug": "classic-tee"}, 409, "slug_taken"),
            ({"name": "X", "variants": [variant("TEE-BLK-M")]}, 409, "sku_taken"),
            ({"name": "X", "variants": [variant("NEW-1"), variant("NEW-1")]}, 409, "sku_taken"),
            ({"name": "X", "brand_id": 424242}, 422, "unknown_brand"),
            ({"name": "X", "category_id": 424242}, 422, "unknown_category"),
            (
                {
                    "name": "X",
                    "variants": [{"sku": "A", "price": {"amount": 1, "currency": "EUR"}}],
                },
                422,
                "currency_mismatch",
            ),
            (
                {"name": "X", "variants": [variant("A", 1000, compare_at_price=usd(1000))]},
                422,
                "compare_at_not_above_price",
            ),
            (
                {
                    "name": "X",
                    "variants": [variant("A", 1000), variant("B", 500, compare_at_price=usd(100))],
                },
                422,
                "compare_at_not_above_price",
            ),
            ({"name": ""}, 422, "validation_error"),
            ({"name": "   "}, 422, "validation_error"),
            ({"name": "X" * 201}, 422, "validation_error"),
            ({"name": "Tee\x00"}, 422, "validation_error"),
            ({"name": "Two\nlines"}, 422, "validation_error"),
            ({"name": "X", "description": "bell\x07"}, 422, "validation_error"),
            (
                {"name": "X", "variants": [variant("A", options={"size": "M\x00"})]},
                422,
                "validation_error",
            ),
            ({"name": "X", "attributes": {"fit": "slim\x1b"}}, 422, "validation_error"),
            ({}, 422, "validation_error"),
            ({"name": 5}, 422, "validation_error"),
            ({"name": "X", "colour": "red"}, 422, "validation_error"),
            ({"name": "X", "status": "published"}, 422, "validation_error"),
            ({"name": "X", "featured": "yes"}, 422, "validation_error"),
            ({"name": "X", "slug": "Not A Slug"}, 422, "validation_error"),
            ({"name": "X", "slug": "12345"}, 422, "validation_error"),
            ({"name": "X", "brand_id": 2**63}, 422, "validation_error"),
            ({"name": "X", "brand_id": "1"}, 422, "validation_error"),
            ({"name": "X", "images": [{"url": "javascript:alert(1)"}]}, 422, "validation_error"),
            ({"name": "X", "attributes": {"bad name!": 1}}, 422, "validation_error"),
            ({"name": "X", "attributes": {"weight": 10**16}}, 422, "validation_error"),
            ({"name": "X", "attributes": {"list": [1]}}, 422, "validation_error"),
            ({"name": "X", "variants": [variant("A", -1)]}, 422, "validation_error"),
            ({"name": "X", "variants": [variant("A", 10**12)]}, 422, "validation_error"),
            (
                {
                    "name": "X",
                    "variants": [{"sku": "A", "price": {"amount": 9.99, "currency": "USD"}}],
                },
                422,
                "validation_error",
            ),
            (
                {
                    "name": "X",
                    "variants": [{"sku": "A", "price": {"amount": "999", "currency": "USD"}}],
                },
                422,
                "validation_error",
            ),
            (
                {"name": "X", "variants": [{"sku": "A", "price_amount": 999}]},
                422,
                "validation_error",
            ),
            ({"name": "X", "variants": [variant("has space")]}, 422, "validation_error"),
            ({"name": "X", "variants": [variant("A", stock_quantity=-1)]}, 422, "validation_error"),
            (
                {"name": "X", "variants": [variant("A", options={"size": 42})]},
                422,
                "validation_error",
            ),
            ([], 422, "validation_error"),
        ],
    )
    async def test_refused_without_writing(
        self, shop_api: SharedApp, body: Any, status: int, code: str
    ) -> None:
        await refused(shop_api, "POST", "/products", status, code, body)

    async def test_not_a_number_is_refused(self, shop_api: SharedApp) -> None:
        before = await row_counts(shop_api.database)
        response = await shop_api.client.post(
            f"{ADMIN}/products",
            content=b'{"name": "X", "attributes": {"ratio": NaN}}',
            headers={**MANAGER, "content-type": "application/json"},
        )
        assert response.status_code == 422
        assert await row_counts(shop_api.database) == before


class TestUpdateProduct:
    async def test_changes_and_reindexes(self, client: httpx.AsyncClient, fresh_shop: Shop) -> None:
        body = await send(
            client,
            "PATCH",
            f"/products/{fresh_shop.lamp.id}",
            200,
            {
                "name": "Reading Light",
                "brand_id": None,
                "category_id": fresh_shop.tshirts.id,
                "images": [{"url": "/media/light.jpg", "alt": "Light"}],
                "attributes": {"watts": 40},
            },
        )
        assert (body["name"], body["slug"], body["brand"], body["attributes"]) == (
            "Reading Light",
            "desk-lamp",
            None,
            {"watts": 40},
        )
        assert body["images"] == [{"url": "/media/light.jpg", "alt": "Light"}]
        assert body["category"]["path"][0]["slug"] == "clothing"
        assert await public_slugs(client, q="reading") == ["desk-lamp"]
        assert await public_slugs(client, q="acme") == ["classic-tee"]
        assert await public_slugs(client, **{"attr.watts": "40"}) == ["desk-lamp"]

    async def test_publish_a_draft(self, client: httpx.AsyncClient, fresh_shop: Shop) -> None:
        await send(client, "PATCH", f"/products/{fresh_shop.draft.id}", 200, {"status": "active"})
        response = await client.get("/api/v1/products/draft-tee")
        assert response.status_code == 200

    @pytest.mark.parametrize(
        ("body", "status", "code"),
        [
            ({"slug": "storm-jacket"}, 409, "slug_taken"),
            ({"brand_id": 424242}, 422, "unknown_brand"),
            ({"category_id": 424242}, 422, "unknown_category"),
            ({"name": None}, 422, "validation_error"),
            ({"status": None}, 422, "validation_error"),
            ({"variants": []}, 422, "validation_error"),
            ({"price_amount": 5}, 422, "validation_error"),
        ],
    )
    async def test_refused_without_writing(
        self, shop_api: SharedApp, shop: Shop, body: Any, status: int, code: str
    ) -> None:
        await refused(shop_api, "PATCH", f"/products/{shop.tee.id}", status, code, body)
        response = await shop_api.client.get(f"{ADMIN}/products/{shop.tee.id}", headers=MANAGER)
        assert (response.json()["slug"], response.json()["name"]) == ("classic-tee", "Classic Tee")

    async def test_unknown_product(self, shop_api: SharedApp) -> None:
        await refused(shop_api, "PATCH", "/products/424242", 404, "product_not_found", {})


class TestArchiveProduct:
    async def test_hides_and_is_idempotent(
        self, client: httpx.AsyncClient, fresh_shop: Shop
    ) -> None:
        for _ in range(2):
            await send(client, "DELETE", f"/products/{fresh_shop.tee.id}", 204)
        assert await public_slugs(client) == ["desk-lamp", "storm-jacket"]
        body = await send(client, "GET", f"/products/{fresh_shop.tee.id}", 200)
        assert body["status"] == "archived"

    async def test_unknown_product(self, shop_api: SharedApp) -> None:
        await refused(shop_api, "DELETE", "/products/424242", 404, "product_not_found")


class TestAddVariant:
    async def test_lowers_the_price(self, client: httpx.AsyncClient, fresh_shop: Shop) -> None:
        body = await send(
            client,
            "POST",
            f"/products/{fresh_shop.tee.id}/variants",
            201,
            variant("TEE-BLK-S", 1200, options={"size": "S", "color": "Black"}),
        )
        assert {k: body[k] for k in ("sku", "title", "price", "in_stock", "is_active")} == {
            "sku": "TEE-BLK-S",
            "title": "S / Black",
            "price": usd(1200),
            "in_stock": False,
            "is_active": True,
        }
        detail = (await client.get("/api/v1/products/classic-tee")).json()
        assert detail["price"] == usd(1200)
        assert await public_slugs(client, q="TEE-BLK-S") == ["classic-tee"]

    @pytest.mark.parametrize(
        ("path", "body", "status", "code"),
        [
            ("/products/424242/variants", variant("NEW-1"), 404, "product_not_found"),
            ("/products/{tee}/variants", variant("JKT-01"), 409, "sku_taken"),
            (
                "/products/{tee}/variants",
                variant("NEW-1", compare_at_price=usd(5)),
                422,
                "compare_at_not_above_price",
            ),
            ("/products/{tee}/variants", {"sku": "NEW-1"}, 422, "validation_error"),
        ],
    )
    async def test_refused_without_writing(
        self, shop_api: SharedApp, shop: Shop, path: str, body: Any, status: int, code: str
    ) -> None:
        await refused(shop_api, "POST", path.format(tee=shop.tee.id), status, code, body)


class TestUpdateVariant:
    async def test_price_and_activity_drive_the_product_price(
        self, client: httpx.AsyncClient, fresh_shop: Shop
    ) -> None:
        medium, large = fresh_shop.tee.variants
        body = await send(
            client,
            "PATCH",
            f"/products/{fresh_shop.tee.id}/variants/{large.id}",
            200,
            {"price": usd(1400), "stock_quantity": 0, "sku": "TEE-BLK-XL"},
        )
        assert (body["sku"], body["price"], body["in_stock"]) == ("TEE-BLK-XL", usd(1400), False)
        await send(
            client,
            "PATCH",
            f"/products/{fresh_shop.tee.id}/variants/{medium.id}",
            200,
            {"is_active": False},
        )
        detail = (await client.get("/api/v1/products/classic-tee")).json()
        assert (detail["price"], detail["in_stock"], [v["sku"] for v in detail["variants"]]) == (
            usd(1400),
            False,
            ["TEE-BLK-XL"],
        )
        assert await public_slugs(client, q="TEE-BLK-XL") == ["classic-tee"]
        assert await public_slugs(client, in_stock="true") == ["desk-lamp"]

    async def test_clear_compare_at(self, client: httpx.AsyncClient, fresh_shop: Shop) -> None:
        (jacket_variant,) = fresh_shop.jacket.variants
        path = f"/products/{fresh_shop.jacket.id}/variants/{jacket_variant.id}"
        body = await send(client, "PATCH", path, 200, {"compare_at_price": None})
        assert body["compare_at_price"] is None

    @pytest.mark.parametrize(
        ("body", "status", "code"),
        [
            ({"sku": "JKT-01"}, 409, "sku_taken"),
            ({"price": usd(20000)}, 422, "compare_at_not_above_price"),
            ({"compare_at_price": usd(9900)}, 422, "compare_at_not_above_price"),
            ({"price": {"amount": 100, "currency": "GBP"}}, 422, "currency_mismatch"),
            ({"price": None}, 422, "validation_error"),
            ({"stock_quantity": -5}, 422, "validation_error"),
        ],
    )
    async def test_refused_without_writing(
        self, shop_api: SharedApp, shop: Shop, body: Any, status: int, code: str
    ) -> None:
        (jacket_variant,) = shop.jacket.variants
        path = f"/products/{shop.jacket.id}/variants/{jacket_variant.id}"
        if body.get("sku"):  # a SKU clash needs a variant other than the jacket's own
            path = f"/products/{shop.tee.id}/variants/{shop.tee.variants[0].id}"
        await refused(shop_api, "PATCH", path, status, code, body)

    async def test_variant_of_another_product(self, shop_api: SharedApp, shop: Shop) -> None:
        (jacket_variant,) = shop.jacket.variants
        path = f"/products/{shop.tee.id}/variants/{jacket_variant.id}"
        await refused(shop_api, "PATCH", path, 404, "variant_not_found", {"title": "x"})


class TestCategories:
    async def test_create_read_update_delete(
        self, client: httpx.AsyncClient, fresh_shop: Shop
    ) -> None:
        created = await send(
            client,
            "POST",
            "/categories",
            201,
            {"name": "Rain Gear", "parent_id": fresh_shop.clothing.id, "position": 3},
        )
        assert {k: created[k] for k in ("slug", "name", "parent_id", "position")} == {
            "slug": "rain-gear",
            "name": "Rain Gear",
            "parent_id": fresh_shop.clothing.id,
            "position": 3,
        }
        path = f"/categories/{created['id']}"
        assert await send(client, "GET", path, 200) == created
        moved = await send(client, "PATCH", path, 200, {"parent_id": None, "slug": "rain"})
        assert (moved["parent_id"], moved["slug"]) == (None, "rain")
        await send(client, "DELETE", path, 204)
        await send(client, "GET", path, 404)
        listed = await send(client, "GET", "/categories", 200)
        assert [c["slug"] for c in listed] == ["jackets", "t-shirts", "clothing", "home"]

    async def test_rename_and_move_reindex_products(
        self, client: httpx.AsyncClient, fresh_shop: Shop
    ) -> None:
        await send(
            client, "PATCH", f"/categories/{fresh_shop.clothing.id}", 200, {"name": "Apparel"}
        )
        assert await public_slugs(client, q="apparel", sort="name") == [
            "classic-tee",
            "storm-jacket",
        ]
        await send(
            client,
            "PATCH",
            f"/categories/{fresh_shop.jackets.id}",
            200,
            {"parent_id": fresh_shop.home.id},
        )
        assert await public_slugs(client, q="apparel") == ["classic-tee"]
        assert await public_slugs(client, category="home") == ["desk-lamp", "storm-jacket"]

    @pytest.mark.parametrize(
        ("method", "target", "body", "status", "code"),
        [
            ("POST", "", {"name": "X", "slug": "home"}, 409, "slug_taken"),
            ("POST", "", {"name": "X", "parent_id": 424242}, 422, "unknown_category"),
            ("POST", "", {"name": ""}, 422, "validation_error"),
            ("PATCH", "clothing", {"parent_id": "clothing"}, 409, "category_cycle"),
            ("PATCH", "clothing", {"parent_id": "tshirts"}, 409, "category_cycle"),
            ("PATCH", "tshirts", {"slug": "jackets"}, 409, "slug_taken"),
            ("PATCH", "tshirts", {"name": None}, 422, "validation_error"),
            ("DELETE", "clothing", None, 409, "category_has_children"),
            ("DELETE", "tshirts", None, 409, "category_in_use"),
            ("GET", "missing", None, 404, "category_not_found"),
            ("DELETE", "missing", None, 404, "category_not_found"),
        ],
    )
    async def test_refused_without_writing(
        self,
        shop_api: SharedApp,
        shop: Shop,
        method: str,
        target: str,
        body: Any,
        status: int,
        code: str,
    ) -> None:
        def category_id(name: str) -> int:
            return 424242 if name == "missing" else int(getattr(shop, name).id)

        if body and isinstance(body.get("parent_id"), str):
            body = {"parent_id": category_id(body["parent_id"])}
        path = f"/categories/{category_id(target)}" if target else "/categories"
        await refused(shop_api, method, path, status, code, body)


class TestBrands:
    async def test_create_read_update_delete(self, client: httpx.AsyncClient) -> None:
        created = await send(client, "POST", "/brands", 201, {"name": "Néon & Co"})
        assert (created["slug"], created["name"]) == ("neon-co", "Néon & Co")
        path = f"/brands/{created['id']}"
        assert await send(client, "GET", path, 200) == created
        renamed = await send(client, "PATCH", path, 200, {"name": "Neon", "slug": "neon"})
        assert (renamed["slug"], renamed["name"]) == ("neon", "Neon")
        await send(client, "DELETE", path, 204)
        assert await send(client, "GET", "/brands", 200) == []

    async def test_rename_reindexes_products(
        self, client: httpx.AsyncClient, fresh_shop: Shop
    ) -> None:
        await send(client, "PATCH", f"/brands/{fresh_shop.globex.id}", 200, {"name": "Initech"})
        assert await public_slugs(client, q="initech") == ["storm-jacket"]
        assert await public_slugs(client, q="globex") == []

    @pytest.mark.parametrize(
        ("method", "target", "body", "status", "code"),
        [
            ("POST", None, {"name": "X", "slug": "acme"}, 409, "slug_taken"),
            ("PATCH", "globex", {"slug": "acme"}, 409, "slug_taken"),
            ("POST", None, {"name": "X", "slug": "-bad-"}, 422, "validation_error"),
            ("DELETE", "acme", None, 409, "brand_in_use"),
            ("GET", "missing", None, 404, "brand_not_found"),
        ],
    )
    async def test_refused_without_writing(
        self,
        shop_api: SharedApp,
        shop: Shop,
        method: str,
        target: str | None,
        body: Any,
        status: int,
        code: str,
    ) -> None:
        brand_id = {"acme": shop.acme.id, "globex": shop.globex.id, "missing": 424242}
        path = f"/brands/{brand_id[target]}" if target else "/brands"
        await refused(shop_api, method, path, status, code, body)


class TestAllOrNothing:
    async def test_a_failing_variant_leaves_no_product(
        self, client: httpx.AsyncClient, database: Database, fresh_shop: Shop
    ) -> None:
        before = await row_counts(database)
        body = {"name": "Half", "variants": [variant("OK-1"), variant("TEE-BLK-M")]}
        await send(client, "POST", "/products", 409, body)
        assert await row_counts(database) == before
        assert await public_slugs(client, q="half") == []
