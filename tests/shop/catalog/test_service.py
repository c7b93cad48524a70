from __future__ import annotations

import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from shop.catalog import service
from shop.catalog.attribute_values import match_for
from shop.catalog.listing import FacetValue, ProductFilters, ProductPage, ProductSort
from shop.catalog.search_terms import parse_search
from shop.errors import InvalidInput, NotFound
from shop.kit.pagination import PageRequest
from shop.models.catalog import AttributeType, Brand, Product, ProductStatus, Variant
from tests.builders import catalog as b
from tests.shop.catalog.conftest import Shop


def names(page: ProductPage) -> list[str]:
    return [item.name for item in page.items]


def search(text: str, **others: object) -> ProductFilters:
    return ProductFilters(search=parse_search(text), **others)  # type: ignore[arg-type]


class TestListProducts:
    async def test_public_shows_only_active_newest_first(
        self, shop_session: AsyncSession, shop: Shop
    ) -> None:
        page = await service.list_products(shop_session, ProductFilters())
        assert names(page) == ["Desk Lamp", "Storm Jacket", "Classic Tee"]
        assert page.total == 3
        assert (page.page, page.page_size) == (1, 24)

    async def test_admin_sees_every_status(self, shop_session: AsyncSession, shop: Shop) -> None:
        page = await service.list_products(shop_session, ProductFilters(statuses=None))
        assert names(page) == ["Old Tee", "Draft Tee", "Desk Lamp", "Storm Jacket", "Classic Tee"]

    async def test_one_status(self, shop_session: AsyncSession, shop: Shop) -> None:
        page = await service.list_products(
            shop_session, ProductFilters(statuses=(ProductStatus.DRAFT,))
        )
        assert names(page) == ["Draft Tee"]

    async def test_item_fields(self, shop_session: AsyncSession, shop: Shop) -> None:
        page = await service.list_products(shop_session, ProductFilters(), sort=ProductSort.NAME)
        tee, lamp, jacket = page.items
        assert (tee.name, tee.slug, tee.price_amount, tee.compare_at_amount) == (
            "Classic Tee",
            "classic-tee",
            1500,
            None,
        )
        assert (tee.brand_slug, tee.brand_name, tee.category_slug, tee.category_name) == (
            "acme",
            "Acme",
            "t-shirts",
            "T-Shirts",
        )
        assert (tee.image_url, tee.image_alt, tee.in_stock, tee.featured) == (
            "/media/tee-front.jpg",
            "Front",
            True,
            True,
        )
        assert (jacket.price_amount, jacket.compare_at_amount, jacket.in_stock) == (
            9900,
            12900,
            False,
        )
        assert (lamp.image_url, lamp.in_stock, lamp.featured) == (None, True, False)

    async def test_price_sorts_put_products_without_price_last(
        self, shop_session: AsyncSession, shop: Shop
    ) -> None:
        await b.create_product(shop_session, name="Priceless", variants=[])
        ascending = await service.list_products(
            shop_session, ProductFilters(), sort=ProductSort.PRICE_ASC
        )
        descending = await service.list_products(
            shop_session, ProductFilters(), sort=ProductSort.PRICE_DESC
        )
        assert names(ascending) == ["Classic Tee", "Desk Lamp", "Storm Jacket", "Priceless"]
        assert names(descending) == ["Storm Jacket", "Desk Lamp", "Classic Tee", "Priceless"]
        assert ascending.items[-1].price_amount is None

    async def test_name_sort_ignores_case(self, catalog_session: AsyncSession) -> None:
        for name in ("banana", "Apple", "cherry"):
            await b.create_product(catalog_session, name=name)
        page = await service.list_products(catalog_session, ProductFilters(), sort=ProductSort.NAME)
        assert names(page) == ["Apple", "banana", "cherry"]

    async def test_relevance_needs_a_query(self, catalog_session: AsyncSession) -> None:
        with pytest.raises(InvalidInput) as caught:
            await service.list_products(
                catalog_session, ProductFilters(), sort=ProductSort.RELEVANCE
            )
        assert caught.value.code == "relevance_needs_query"

    async def test_category_includes_descendants(
        self, shop_session: AsyncSession, shop: Shop
    ) -> None:
        page = await service.list_products(shop_session, ProductFilters(category_slug="clothing"))
        assert names(page) == ["Storm Jacket", "Classic Tee"]
        leaf = await service.list_products(shop_session, ProductFilters(category_slug="jackets"))
        assert names(leaf) == ["Storm Jacket"]

    async def test_unknown_category_is_empty_but_keeps_facets(
        self, shop_session: AsyncSession, shop: Shop
    ) -> None:
        page = await service.list_products(shop_session, ProductFilters(category_slug="nope"))
        assert (page.items, page.total, page.brand_facet) == ([], 0, [])
        assert [f.slug for f in page.category_facet] == ["clothing", "home", "jackets", "t-shirts"]

    async def test_brand(self, shop_session: AsyncSession, shop: Shop) -> None:
        page = await service.list_products(shop_session, ProductFilters(brand_slug="acme"))
        assert names(page) == ["Desk Lamp", "Classic Tee"]
        unknown = await service.list_products(shop_session, ProductFilters(brand_slug="nope"))
        assert unknown.total == 0

    async def test_price_range_is_inclusive(self, shop_session: AsyncSession, shop: Shop) -> None:
        page = await service.list_products(
            shop_session,
            ProductFilters(min_price=1500, max_price=4500),
            sort=ProductSort.PRICE_ASC,
        )
        assert names(page) == ["Classic Tee", "Desk Lamp"]

    async def test_price_range_upside_down(self, catalog_session: AsyncSession) -> None:
        with pytest.raises(InvalidInput) as caught:
            await service.list_products(catalog_session, ProductFilters(min_price=10, max_price=5))
        assert caught.value.code == "invalid_price_range"

    async def test_in_stock(self, shop_session: AsyncSession, shop: Shop) -> None:
        # An inactive variant with stock does not count.
        await b.create_product(
            shop_session,
            name="Hidden Stock",
            variants=[b.variant(stock_quantity=9, is_active=False)],
        )
        in_stock = await service.list_products(shop_session, ProductFilters(in_stock=True))
        out = await service.list_products(shop_session, ProductFilters(in_stock=False))
        assert names(in_stock) == ["Desk Lamp", "Classic Tee"]
        assert names(out) == ["Hidden Stock", "Storm Jacket"]

    async def test_featured(self, shop_session: AsyncSession, shop: Shop) -> None:
        featured = await service.list_products(shop_session, ProductFilters(featured=True))
        others = await service.list_products(shop_session, ProductFilters(featured=False))
        assert names(featured) == ["Classic Tee"]
        assert names(others) == ["Desk Lamp", "Storm Jacket"]

    @pytest.mark.parametrize(
        ("filters", "expected"),
        [
            ({"material": "cotton"}, ["Classic Tee"]),
            ({"material": "Cotton"}, []),
            ({"weight_g": "180"}, ["Classic Tee"]),
            ({"weight_g": "180.00"}, ["Classic Tee"]),
            ({"weight_g": "950.5"}, ["Storm Jacket"]),
            ({"waterproof": "TRUE"}, ["Storm Jacket"]),
            ({"waterproof": "false"}, []),
            ({"material": "cotton", "weight_g": "180"}, ["Classic Tee"]),
            ({"material": "cotton", "weight_g": "950.5"}, []),
            ({"colour": "red"}, []),
        ],
    )
    async def test_attributes_are_anded_equalities(
        self,
        shop_session: AsyncSession,
        shop: Shop,
        filters: dict[str, str],
        expected: list[str],
    ) -> None:
        matches = tuple(match_for(name, value) for name, value in filters.items())
        page = await service.list_products(shop_session, ProductFilters(attributes=matches))
        assert names(page) == expected

    async def test_paging_with_ties_is_stable(self, catalog_session: AsyncSession) -> None:
        created = [
            await b.create_product(catalog_session, name=f"Same {i}", price=500) for i in range(7)
        ]
        seen: list[int] = []
        for number in range(1, 5):
            page = await service.list_products(
                catalog_session,
                ProductFilters(),
                sort=ProductSort.PRICE_ASC,
                page=PageRequest(page=number, page_size=2),
            )
            assert page.total == 7
            seen += [item.id for item in page.items]
        assert seen == sorted(p.id for p in created)

    async def test_page_past_the_end(self, shop_session: AsyncSession, shop: Shop) -> None:
        page = await service.list_products(
            shop_session, ProductFilters(), page=PageRequest(page=5, page_size=2)
        )
        assert (page.items, page.total, page.page) == ([], 3, 5)


class TestFacets:
    async def test_counts_over_all_filters(self, shop_session: AsyncSession, shop: Shop) -> None:
        page = await service.list_products(shop_session, ProductFilters())
        assert page.category_facet == [
            FacetValue("clothing", "Clothing", 2),
            FacetValue("home", "Home", 1),
            FacetValue("jackets", "Jackets", 1),
            FacetValue("t-shirts", "T-Shirts", 1),
        ]
        assert page.brand_facet == [
            FacetValue("acme", "Acme", 2),
            FacetValue("globex", "Globex", 1),
        ]

    async def test_each_facet_sets_its_own_filter_aside(
        self, shop_session: AsyncSession, shop: Shop
    ) -> None:
        page = await service.list_products(
            shop_session, ProductFilters(category_slug="clothing", brand_slug="acme")
        )
        assert (names(page), page.total) == (["Classic Tee"], 1)
        # Categories: Acme products anywhere. Brands: clothing products of any brand.
        assert page.category_facet == [
            FacetValue("clothing", "Clothing", 1),
            FacetValue("home", "Home", 1),
            FacetValue("t-shirts", "T-Shirts", 1),
        ]
        assert page.brand_facet == [
            FacetValue("acme", "Acme", 1),
            FacetValue("globex", "Globex", 1),
        ]

    async def test_other_filters_apply_to_both(
        self, shop_session: AsyncSession, shop: Shop
    ) -> None:
        page = await service.list_products(shop_session, ProductFilters(in_stock=True))
        assert page.category_facet == [
            FacetValue("clothing", "Clothing", 1),
            FacetValue("home", "Home", 1),
            FacetValue("t-shirts", "T-Shirts", 1),
        ]
        assert page.brand_facet == [FacetValue("acme", "Acme", 2)]

    async def test_products_without_brand_or_category_count_in_total_only(
        self, catalog_session: AsyncSession
    ) -> None:
        await b.create_product(catalog_session, name="Loose")
        page = await service.list_products(catalog_session, ProductFilters())
        assert (page.total, page.category_facet, page.brand_facet) == (1, [], [])


class TestSearch:
    async def test_name_match_ranks_above_description_match(
        self, shop_session: AsyncSession, shop: Shop
    ) -> None:
        page = await service.list_products(shop_session, search("tee"))
        # "Desk Lamp" only mentions a tee-shirt in its description.
        assert names(page) == ["Classic Tee", "Desk Lamp"]

    async def test_sku_typed_exactly_comes_first(
        self, shop_session: AsyncSession, shop: Shop
    ) -> None:
        await b.create_product(shop_session, name="JKT 01 poster", description="jkt-01 jkt-01")
        page = await service.list_products(shop_session, search("JKT-01"))
        assert names(page)[0] == "Storm Jacket"
        assert page.total == 2

    async def test_sku_in_lower_case(self, shop_session: AsyncSession, shop: Shop) -> None:
        page = await service.list_products(shop_session, search("tee-blk-l"))
        assert names(page) == ["Classic Tee"]

    async def test_last_word_is_a_prefix(self, shop_session: AsyncSession, shop: Shop) -> None:
        page = await service.list_products(shop_session, search("sto"))
        assert names(page) == ["Storm Jacket"]

    async def test_finds_by_brand_and_by_parent_category(
        self, shop_session: AsyncSession, shop: Shop
    ) -> None:
        by_brand = await service.list_products(shop_session, search("globex"))
        by_parent = await service.list_products(shop_session, search("clothing"))
        assert names(by_brand) == ["Storm Jacket"]
        assert sorted(names(by_parent)) == ["Classic Tee", "Storm Jacket"]

    async def test_all_words_must_match(self, shop_session: AsyncSession, shop: Shop) -> None:
        assert names(await service.list_products(shop_session, search("storm rain"))) == [
            "Storm Jacket"
        ]
        assert (await service.list_products(shop_session, search("storm lamp"))).total == 0

    async def test_stemming(self, shop_session: AsyncSession, shop: Shop) -> None:
        page = await service.list_products(shop_session, search("jackets"))
        assert names(page) == ["Storm Jacket"]

    async def test_drafts_stay_hidden(self, shop_session: AsyncSession, shop: Shop) -> None:
        page = await service.list_products(shop_session, search("draft"))
        assert page.total == 0

    async def test_combines_with_filters_and_other_sorts(
        self, shop_session: AsyncSession, shop: Shop
    ) -> None:
        page = await service.list_products(
            shop_session, search("tee", brand_slug="acme"), sort=ProductSort.PRICE_DESC
        )
        assert names(page) == ["Desk Lamp", "Classic Tee"]
        assert page.brand_facet == [FacetValue("acme", "Acme", 2)]

    @pytest.mark.parametrize(
        "text",
        ['"', "*", "(", ")", "AND", "NOT", "-", "'", 'tee" OR "x', "tee*", "(tee", "-tee", "NEAR"],
    )
    async def test_hostile_input_is_plain_text(
        self, shop_session: AsyncSession, shop: Shop, text: str
    ) -> None:
        page = await service.list_products(shop_session, search(text))
        assert names(page) in ([], ["Classic Tee", "Desk Lamp"])

    async def test_only_stop_words_match_nothing(
        self, shop_session: AsyncSession, shop: Shop
    ) -> None:
        page = await service.list_products(shop_session, search("the and"))
        assert (page.total, page.category_facet, page.brand_facet) == (0, [], [])


class TestGetPublicProduct:
    async def test_by_slug_and_by_id(self, shop_session: AsyncSession, shop: Shop) -> None:
        by_slug = await service.get_public_product(shop_session, "classic-tee")
        by_id = await service.get_public_product(shop_session, str(shop.tee.id))
        assert by_slug == by_id
        assert by_slug.id == shop.tee.id
        assert by_slug.category is not None
        assert by_slug.category.path == [("clothing", "Clothing"), ("t-shirts", "T-Shirts")]
        assert [v.sku for v in by_slug.variants] == ["TEE-BLK-M", "TEE-BLK-L"]
        assert by_slug.images == [
            ("/media/tee-front.jpg", "Front"),
            ("/media/tee-back.jpg", "Back"),
        ]
        assert by_slug.attributes == [
            ("material", AttributeType.TEXT, "cotton"),
            ("weight_g", AttributeType.NUMBER, "180"),
        ]

    async def test_inactive_variants_stay_in_the_view(
        self, shop_session: AsyncSession, shop: Shop
    ) -> None:
        await shop_session.execute(
            update(Variant).where(Variant.sku == "TEE-BLK-L").values(is_active=False)
        )
        product = await service.get_public_product(shop_session, "classic-tee")
        assert [v.sku for v in product.variants] == ["TEE-BLK-M", "TEE-BLK-L"]
        assert [v.sku for v in product.active_variants] == ["TEE-BLK-M"]

    @pytest.mark.parametrize(
        "reference", ["draft-tee", "old-tee", "nope", "0", "99999999999999999999", "x" * 500]
    )
    async def test_not_found(self, shop_session: AsyncSession, shop: Shop, reference: str) -> None:
        with pytest.raises(NotFound) as caught:
            await service.get_public_product(shop_session, reference)
        assert caught.value.code == "product_not_found"


class TestRefreshPrices:
    async def test_follows_active_variants(self, shop_session: AsyncSession, shop: Shop) -> None:
        tee_id, jacket_id = shop.tee.id, shop.jacket.id
        await shop_session.execute(
            update(Variant).where(Variant.sku == "TEE-BLK-M").values(is_active=False)
        )
        await shop_session.execute(
            update(Variant).where(Variant.product_id == jacket_id).values(is_active=False)
        )
        await service.refresh_prices(shop_session, [tee_id, jacket_id])
        rows = await shop_session.execute(
            select(Product.id, Product.price_amount).where(Product.id.in_([tee_id, jacket_id]))
        )
        prices = {product_id: price for product_id, price in rows.all()}
        assert prices == {tee_id: 1700, jacket_id: None}

    async def test_all_when_none(self, shop_session: AsyncSession, shop: Shop) -> None:
        await shop_session.execute(update(Variant).values(price_amount=Variant.price_amount + 1))
        await service.refresh_prices(shop_session)
        page = await service.list_products(shop_session, ProductFilters(), sort=ProductSort.NAME)
        assert [i.price_amount for i in page.items] == [1501, 4501, 9901]

    async def test_empty_list_is_a_no_op(self, catalog_session: AsyncSession) -> None:
        await service.refresh_prices(catalog_session, [])


class TestReindexSearch:
    async def test_picks_up_changes_made_behind_the_service(
        self, shop_session: AsyncSession, shop: Shop
    ) -> None:
        await shop_session.execute(
            update(Brand).where(Brand.id == shop.globex.id).values(name="Initech")
        )
        assert (await service.list_products(shop_session, search("initech"))).total == 0
        await service.reindex_search(shop_session, [shop.jacket.id])
        assert names(await service.list_products(shop_session, search("initech"))) == [
            "Storm Jacket"
        ]
        assert (await service.list_products(shop_session, search("globex"))).total == 0

    async def test_all_when_none(self, shop_session: AsyncSession, shop: Shop) -> None:
        await shop_session.execute(update(Product).values(description="velvet"))
        await service.reindex_search(shop_session)
        assert (await service.list_products(shop_session, search("velvet"))).total == 3

    async def test_many_ids_in_chunks(self, shop_session: AsyncSession, shop: Shop) -> None:
        await service.reindex_search(shop_session, list(range(1, 12_000)))
        assert names(await service.list_products(shop_session, search("lamp"))) == ["Desk Lamp"]
