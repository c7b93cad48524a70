"""Public catalog API. These tests only read: they share one committed catalog (`shop_api`)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.shop.catalog.conftest import SharedApp, Shop

USD = "USD"


def usd(amount: int) -> dict[str, Any]:
    return {"amount": amount, "currency": USD}


async def get(shared: SharedApp, path: str, **params: Any) -> Any:
    response = await shared.client.get(f"/api/v1{path}", params=params)
    assert response.status_code == 200, response.text
    return response.json()


async def problem(shared: SharedApp, path: str, status: int, **params: Any) -> dict[str, Any]:
    response = await shared.client.get(f"/api/v1{path}", params=params)
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    return body


def slugs(body: dict[str, Any]) -> list[str]:
    return [item["slug"] for item in body["items"]]


class TestListCategories:
    async def test_tree(self, shop_api: SharedApp, shop: Shop) -> None:
        def node(category: Any, children: list[Any]) -> dict[str, Any]:
            return {
                "id": category.id,
                "slug": category.slug,
                "name": category.name,
                "description": "",
                "children": children,
            }

        assert await get(shop_api, "/categories") == [
            node(shop.clothing, [node(shop.jackets, []), node(shop.tshirts, [])]),
            node(shop.home, []),
        ]


class TestListBrands:
    async def test_by_name(self, shop_api: SharedApp, shop: Shop) -> None:
        assert await get(shop_api, "/brands") == [
            {"id": shop.acme.id, "slug": "acme", "name": "Acme"},
            {"id": shop.globex.id, "slug": "globex", "name": "Globex"},
        ]


class TestListProducts:
    async def test_shape(self, shop_api: SharedApp, shop: Shop) -> None:
        body = await get(shop_api, "/products", page_size=2)
        assert body == {
            "items": [
                {
                    "id": shop.lamp.id,
                    "slug": "desk-lamp",
                    "name": "Desk Lamp",
                    "price": usd(4500),
                    "compare_at_price": None,
                    "brand": {"slug": "acme", "name": "Acme"},
                    "category": {"slug": "home", "name": "Home"},
                    "image": None,
                    "in_stock": True,
                    "featured": False,
                },
                {
                    "id": shop.jacket.id,
                    "slug": "storm-jacket",
                    "name": "Storm Jacket",
                    "price": usd(9900),
                    "compare_at_price": usd(12900),
                    "brand": {"slug": "globex", "name": "Globex"},
                    "category": {"slug": "jackets", "name": "Jackets"},
                    "image": None,
                    "in_stock": False,
                    "featured": False,
                },
            ],
            "total": 3,
            "page": 1,
            "page_size": 2,
            "facets": {
                "category": [
                    {"slug": "clothing", "name": "Clothing", "count": 2},
                    {"slug": "home", "name": "Home", "count": 1},
                    {"slug": "jackets", "name": "Jackets", "count": 1},
                    {"slug": "t-shirts", "name": "T-Shirts", "count": 1},
                ],
                "brand": [
                    {"slug": "acme", "name": "Acme", "count": 2},
                    {"slug": "globex", "name": "Globex", "count": 1},
                ],
            },
        }

    async def test_first_image(self, shop_api: SharedApp, shop: Shop) -> None:
        body = await get(shop_api, "/products", featured="true")
        assert [item["image"] for item in body["items"]] == [
            {"url": "/media/tee-front.jpg", "alt": "Front"}
        ]

    @pytest.mark.parametrize(
        ("params", "expected"),
        [
            ({}, ["desk-lamp", "storm-jacket", "classic-tee"]),
            ({"sort": "newest"}, ["desk-lamp", "storm-jacket", "classic-tee"]),
            ({"sort": "price_asc"}, ["classic-tee", "desk-lamp", "storm-jacket"]),
            ({"sort": "price_desc"}, ["storm-jacket", "desk-lamp", "classic-tee"]),
            ({"sort": "name"}, ["classic-tee", "desk-lamp", "storm-jacket"]),
            ({"category": "clothing"}, ["storm-jacket", "classic-tee"]),
            ({"category": "t-shirts"}, ["classic-tee"]),
            ({"category": "no-such-category"}, []),
            ({"brand": "acme"}, ["desk-lamp", "classic-tee"]),
            ({"brand": "no-such-brand"}, []),
            ({"min_price": 1600, "max_price": 9900}, ["desk-lamp", "storm-jacket"]),
            ({"in_stock": "true"}, ["desk-lamp", "classic-tee"]),
            ({"in_stock": "false"}, ["storm-jacket"]),
            ({"featured": "true"}, ["classic-tee"]),
            ({"attr.material": "cotton"}, ["classic-tee"]),
            ({"attr.weight_g": "180.0"}, ["classic-tee"]),
            ({"attr.waterproof": "true"}, ["storm-jacket"]),
            ({"attr.material": "cotton", "attr.weight_g": "950.5"}, []),
            ({"q": "tee"}, ["classic-tee", "desk-lamp"]),
            ({"q": "tee", "sort": "price_desc"}, ["desk-lamp", "classic-tee"]),
            ({"q": "TEE-BLK-M"}, ["classic-tee"]),
            ({"q": "jack"}, ["storm-jacket"]),
            ({"q": ""}, ["desk-lamp", "storm-jacket", "classic-tee"]),
            ({"q": "draft"}, []),
            ({"color": "red", "utm_source": "mail"}, ["desk-lamp", "storm-jacket", "classic-tee"]),
        ],
    )
    async def test_filters_and_sorts(
        self, shop_api: SharedApp, params: dict[str, Any], expected: list[str]
    ) -> None:
        body = await get(shop_api, "/products", **params)
        assert slugs(body) == expected
        assert body["total"] == len(expected)

    async def test_pages(self, shop_api: SharedApp) -> None:
        pages = [
            await get(shop_api, "/products", sort="price_asc", page=n, page_size=2)
            for n in (1, 2, 3)
        ]
        assert [slugs(p) for p in pages] == [["classic-tee", "desk-lamp"], ["storm-jacket"], []]
        assert {p["total"] for p in pages} == {3}

    @pytest.mark.parametrize(
        "q",
        [
            '"',
            "'",
            "*",
            "(",
            ")",
            "AND",
            "NOT",
            "OR",
            "-",
            "tee*",
            '"tee',
            "(tee OR",
            "-tee",
            "^",
            ":",
        ],
    )
    async def test_hostile_search_text_is_safe(self, shop_api: SharedApp, q: str) -> None:
        body = await get(shop_api, "/products", q=q)
        assert slugs(body) in ([], ["classic-tee", "desk-lamp"])

    @pytest.mark.parametrize(
        ("params", "field"),
        [
            ({"sort": "cheapest"}, "sort"),
            ({"page_size": 1000}, "page_size"),
            ({"page_size": 0}, "page_size"),
            ({"page": 0}, "page"),
            ({"page": "two"}, "page"),
            ({"min_price": -1}, "min_price"),
            ({"max_price": 10**12}, "max_price"),
            ({"in_stock": "maybe"}, "in_stock"),
            ({"q": "x" * 1000}, "q"),
        ],
    )
    async def test_bad_parameters(
        self, shop_api: SharedApp, params: dict[str, Any], field: str
    ) -> None:
        body = await problem(shop_api, "/products", 422, **params)
        assert body["code"] == "validation_error"
        assert [e["field"] for e in body["errors"]] == [field]

    async def test_unknown_sort_names_the_allowed_ones(self, shop_api: SharedApp) -> None:
        body = await problem(shop_api, "/products", 422, sort="cheapest")
        for allowed in ("relevance", "newest", "price_asc", "price_desc", "name"):
            assert allowed in body["detail"]

    @pytest.mark.parametrize(
        ("params", "code"),
        [
            ({"sort": "relevance"}, "relevance_needs_query"),
            ({"min_price": 10, "max_price": 5}, "invalid_price_range"),
            ({f"attr.a{i}": "x" for i in range(11)}, "too_many_attribute_filters"),
            ({"attr.": "x"}, "invalid_attribute_filter"),
            ({"attr.color": "x" * 201}, "invalid_attribute_filter"),
        ],
    )
    async def test_refused_combinations(
        self, shop_api: SharedApp, params: dict[str, Any], code: str
    ) -> None:
        body = await problem(shop_api, "/products", 422, **params)
        assert body["code"] == code
        assert body["detail"]


class TestGetProduct:
    async def test_by_slug(self, shop_api: SharedApp, shop: Shop) -> None:
        medium, large = shop.tee.variants
        assert await get(shop_api, "/products/classic-tee") == {
            "id": shop.tee.id,
            "slug": "classic-tee",
            "name": "Classic Tee",
            "description": "A soft everyday shirt.",
            "featured": True,
            "price": usd(1500),
            "compare_at_price": None,
            "in_stock": True,
            "brand": {"id": shop.acme.id, "slug": "acme", "name": "Acme"},
            "category": {
                "id": shop.tshirts.id,
                "slug": "t-shirts",
                "name": "T-Shirts",
                "path": [
                    {"slug": "clothing", "name": "Clothing"},
                    {"slug": "t-shirts", "name": "T-Shirts"},
                ],
            },
            "images": [
                {"url": "/media/tee-front.jpg", "alt": "Front"},
                {"url": "/media/tee-back.jpg", "alt": "Back"},
            ],
            "attributes": {"material": "cotton", "weight_g": 180},
            "variants": [
                {
                    "id": medium.id,
                    "sku": "TEE-BLK-M",
                    "title": "M / Black",
                    "options": {"size": "M", "color": "Black"},
                    "price": usd(1500),
                    "compare_at_price": None,
                    "in_stock": True,
                },
                {
                    "id": large.id,
                    "sku": "TEE-BLK-L",
                    "title": "L / Black",
                    "options": {"size": "L", "color": "Black"},
                    "price": usd(1700),
                    "compare_at_price": None,
                    "in_stock": True,
                },
            ],
        }

    async def test_by_id_with_typed_attributes(self, shop_api: SharedApp, shop: Shop) -> None:
        body = await get(shop_api, f"/products/{shop.jacket.id}")
        assert body["slug"] == "storm-jacket"
        assert body["attributes"] == {"waterproof": True, "weight_g": 950.5}
        assert (body["price"], body["compare_at_price"], body["in_stock"]) == (
            usd(9900),
            usd(12900),
            False,
        )
        assert "stock_quantity" not in body["variants"][0]

    @pytest.mark.parametrize(
        "reference",
        [
            "draft-tee",
            "old-tee",
            "nope",
            "0",
            "3000000000",
            str(2**63 - 1),
            str(2**63),
            "99999999999999999999",
            "9" * 5000,
            "%2A",
            "x" * 300,
        ],
    )
    async def test_not_found(self, shop_api: SharedApp, reference: str) -> None:
        body = await problem(shop_api, f"/products/{reference}", 404)
        assert body["code"] == "product_not_found"

    async def test_draft_and_archived_by_id(self, shop_api: SharedApp, shop: Shop) -> None:
        for product in (shop.draft, shop.archived):
            body = await problem(shop_api, f"/products/{product.id}", 404)
            assert body["code"] == "product_not_found"
