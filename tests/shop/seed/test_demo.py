from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from shop.auth import passwords
from shop.db.session import Database
from shop.models.accounts import Role, User
from shop.models.catalog import (
    Brand,
    Category,
    Product,
    ProductAttribute,
    ProductImage,
    ProductStatus,
    Variant,
)
from shop.seed import demo
from shop.seed.demo import DEMO_USERS, build_demo_catalog, catalog_is_empty, seed_demo
from tests.builders.accounts import create_user
from tests.shop.seed.checks import product_files, search_rows
from tests.shop.seed.conftest import DemoShop

SVG_NS = "{http://www.w3.org/2000/svg}"


async def catalog_snapshot(database: Database) -> dict[str, Any]:
    """Everything that must come out the same in every demo shop (ids aside)."""
    async with database.read() as session:
        products = (
            await session.execute(
                select(
                    Product.slug,
                    Product.name,
                    Product.description,
                    Product.status,
                    Product.featured,
                    Product.price_amount,
                    Product.created_at,
                    Category.slug,
                    Brand.slug,
                )
                .join(Category, Product.category_id == Category.id)
                .join(Brand, Product.brand_id == Brand.id)
                .order_by(Product.slug)
            )
        ).all()
        variants = (
            await session.execute(
                select(
                    Variant.sku,
                    Variant.title,
                    Variant.options,
                    Variant.price_amount,
                    Variant.compare_at_amount,
                    Variant.stock_quantity,
                    Variant.track_inventory,
                ).order_by(Variant.sku)
            )
        ).all()
        images = (
            await session.execute(
                select(ProductImage.url, ProductImage.alt, ProductImage.position).order_by(
                    ProductImage.url
                )
            )
        ).all()
        attributes = (
            await session.execute(
                select(Product.slug, ProductAttribute.name, ProductAttribute.value)
                .join(Product, ProductAttribute.product_id == Product.id)
                .order_by(Product.slug, ProductAttribute.name)
            )
        ).all()
    return {
        "products": [tuple(r) for r in products],
        "variants": [tuple(r) for r in variants],
        "images": [tuple(r) for r in images],
        "attributes": [tuple(r) for r in attributes],
    }


async def count(session: AsyncSession, entity: type[Any]) -> int:
    return int(await session.scalar(select(func.count()).select_from(entity)) or 0)


class TestBuildDemoCatalog:
    def test_same_plans_on_every_call(self) -> None:
        assert build_demo_catalog() == build_demo_catalog()

    def test_statuses_and_featured(self) -> None:
        plans = build_demo_catalog()
        statuses = Counter(plan.status for plan in plans)
        assert statuses == {
            ProductStatus.ACTIVE: 220,
            ProductStatus.DRAFT: 8,
            ProductStatus.ARCHIVED: 6,
        }
        featured = [plan for plan in plans if plan.featured]
        assert len(featured) == 16
        assert {plan.status for plan in featured} == {ProductStatus.ACTIVE}

    def test_every_category_has_products(self) -> None:
        per_category = Counter(plan.category_slug for plan in build_demo_catalog())
        assert len(per_category) == 16
        assert min(per_category.values()) >= 10

    def test_slugs_and_skus_are_unique(self) -> None:
        plans = build_demo_catalog()
        skus = [variant.sku for plan in plans for variant in plan.variants]
        assert len({plan.slug for plan in plans}) == len(plans)
        assert len(set(skus)) == len(skus)

    def test_sku_format(self) -> None:
        first = build_demo_catalog()[0]
        assert [v.sku for v in first.variants] == ["BOT-0001-43-BLK", "BOT-0001-44-BLK"]
        assert first.variants[0].options == {"size": "EU 43", "color": "Black"}
        assert first.variants[0].title == "EU 43 / Black"

    def test_one_to_six_variants(self) -> None:
        sizes = Counter(len(plan.variants) for plan in build_demo_catalog())
        assert set(sizes) == {1, 2, 3, 4, 5, 6}

    def test_prices_in_minor_units_ending_in_99(self) -> None:
        variants = [v for plan in build_demo_catalog() for v in plan.variants]
        assert min(v.price_amount for v in variants) >= 499
        assert max(v.price_amount for v in variants) <= 24999
        assert {v.price_amount % 100 for v in variants} == {99}
        discounted = [v for v in variants if v.compare_at_amount is not None]
        assert discounted
        assert all(v.compare_at_amount > v.price_amount for v in discounted)  # type: ignore[operator]

    def test_stock_mix(self) -> None:
        variants = [v for plan in build_demo_catalog() for v in plan.variants]
        sold_out = [v for v in variants if v.track_inventory and v.stock_quantity == 0]
        running_low = [v for v in variants if v.track_inventory and 0 < v.stock_quantity < 5]
        untracked = [v for v in variants if not v.track_inventory]
        assert sold_out
        assert running_low
        assert untracked
        assert len(sold_out) + len(running_low) + len(untracked) < len(variants) // 3

    def test_typed_attributes(self) -> None:
        attributes = {
            (a.name, a.type.value, a.value) for p in build_demo_catalog() for a in p.attributes
        }
        names = {name for name, _, _ in attributes}
        assert {"material", "weight_g", "waterproof"} <= names
        for _, kind, value in attributes:
            if kind == "number":
                assert value.isdigit()
            elif kind == "boolean":
                assert value in {"true", "false"}


class TestDemoUsers:
    @pytest.mark.parametrize("user", DEMO_USERS, ids=lambda u: u.role.value)
    def test_password_satisfies_the_rules(self, user: demo.DemoUser) -> None:
        assert passwords.password_problems(user.password, email=user.email) == []

    def test_one_of_each_role(self) -> None:
        assert {user.role for user in DEMO_USERS} == set(Role)


class TestCatalogIsEmpty:
    async def test_fresh_database(self, database: Database) -> None:
        assert await catalog_is_empty(database) is True

    async def test_after_seeding(self, demo_shop: DemoShop) -> None:
        assert await catalog_is_empty(demo_shop.database) is False


class TestSeedDemo:
    async def test_same_rows_in_two_fresh_databases(
        self, database: Database, other_database: Database, tmp_path: Path
    ) -> None:
        await seed_demo(database, media_dir=tmp_path / "one")
        await seed_demo(other_database, media_dir=tmp_path / "two")

        first = await catalog_snapshot(database)
        assert first == await catalog_snapshot(other_database)
        plans = build_demo_catalog()
        assert [row[0] for row in first["products"]] == sorted(plan.slug for plan in plans)
        assert [row[0] for row in first["variants"]] == sorted(
            v.sku for plan in plans for v in plan.variants
        )
        assert product_files(tmp_path / "one") == product_files(tmp_path / "two")
        assert len(product_files(tmp_path / "one")) == sum(plan.image_count for plan in plans)

    async def test_catalog_counts(self, demo_shop: DemoShop) -> None:
        report = demo_shop.report

        async with demo_shop.database.read() as session:
            statuses = dict(
                (
                    await session.execute(
                        select(Product.status, func.count()).group_by(Product.status)
                    )
                ).all()
            )
            assert statuses == {"active": 220, "draft": 8, "archived": 6}
            assert await count(session, Category) == 22
            assert await count(session, Brand) == 15
            assert await count(session, Variant) == report.variants
            assert await count(session, ProductImage) == report.images
            parent = aliased(Category)
            children = (
                await session.execute(
                    select(parent.slug, func.count())
                    .join(Category, Category.parent_id == parent.id)
                    .group_by(parent.slug)
                )
            ).all()
            assert dict(children) == {
                "apparel": 4,
                "footwear": 2,
                "home": 3,
                "outdoor": 3,
                "electronics": 2,
                "stationery": 2,
            }
        assert report.catalog_seeded is True
        assert report.categories_created == 22
        assert report.brands_created == 15

    async def test_product_price_is_the_lowest_variant_price(self, demo_shop: DemoShop) -> None:
        async with demo_shop.database.read() as session:
            lowest = (
                select(Variant.product_id, func.min(Variant.price_amount).label("low"))
                .group_by(Variant.product_id)
                .subquery()
            )
            mismatched = await session.scalar(
                select(func.count())
                .select_from(Product)
                .join(lowest, lowest.c.product_id == Product.id)
                .where(Product.price_amount.is_distinct_from(lowest.c.low))
            )
            assert mismatched == 0

    async def test_search_index_is_filled(self, demo_shop: DemoShop) -> None:
        async with demo_shop.database.read() as session:
            assert await search_rows(session) == await count(session, Product) == 234

    async def test_users_with_their_roles(self, demo_shop: DemoShop) -> None:
        async with demo_shop.database.read() as session:
            rows = (await session.execute(select(User.email, User.role, User.password_hash))).all()
        assert {email: role for email, role, _ in rows} == {
            "admin@example.com": "admin",
            "manager@example.com": "manager",
            "support@example.com": "support",
            "shopper@example.com": "customer",
        }
        for user in DEMO_USERS:
            password_hash = next(h for email, _, h in rows if email == user.email)
            assert password_hash.startswith("$argon2id$")
            assert await passwords.verify_password(password_hash, user.password)
        assert demo_shop.report.users_created == list(DEMO_USERS)

    async def test_images_are_valid_svg_files(self, demo_shop: DemoShop) -> None:
        async with demo_shop.database.read() as session:
            rows = (
                await session.execute(
                    select(Product.name, ProductImage.url, ProductImage.alt, ProductImage.position)
                    .join(Product, ProductImage.product_id == Product.id)
                    .order_by(ProductImage.url)
                )
            ).all()
        assert len(product_files(demo_shop.media_dir)) == len(rows)
        for name, url, alt, position in rows:
            assert url.startswith("/media/products/")
            file = demo_shop.media_dir / url.removeprefix("/media/")
            root = ET.fromstring(file.read_bytes())  # noqa: S314 (our own files)
            assert root.tag == f"{SVG_NS}svg"
            assert root.attrib["aria-label"] == name
            assert root.findtext(f"{SVG_NS}title") == name
            assert alt.startswith(f"{name}, ")
            assert url.endswith(f"-{position + 1}.svg")

    async def test_report(self, demo_shop: DemoShop) -> None:
        report = demo_shop.report

        lines = str(report).splitlines()
        assert lines[0] == (
            f"demo catalog: 234 products (220 active, 8 draft, 6 archived), {report.variants} "
            f"variants, {report.images} images in {demo_shop.media_dir}; 22 categories and "
            "15 brands created"
        )
        assert lines[1] == "demo accounts (sign in with POST /api/v1/auth/login):"
        assert lines[2] == "  admin     admin@example.com      password: admin-demo-password"
        assert len(lines) == 6

    async def test_second_run_adds_nothing(self, database: Database, media_dir: Path) -> None:
        await seed_demo(database, media_dir=media_dir)
        before = await catalog_snapshot(database)

        report = await seed_demo(database, media_dir=media_dir)

        assert await catalog_snapshot(database) == before
        async with database.read() as session:
            assert await count(session, User) == 4
        assert report.catalog_seeded is False
        assert report.users_created == []
        assert report.users_existing == list(DEMO_USERS)
        assert str(report).startswith("demo catalog: skipped, the catalog already has products")

    async def test_keeps_an_existing_account(self, database: Database, media_dir: Path) -> None:
        async with database.transaction() as session:
            existing = await create_user(session, email="admin@example.com", role=Role.CUSTOMER)

        report = await seed_demo(database, media_dir=media_dir)

        async with database.read() as session:
            admin = (
                await session.execute(
                    select(User.role, User.password_hash).where(User.email == "admin@example.com")
                )
            ).one()
            assert await count(session, User) == 4
        assert tuple(admin) == (Role.CUSTOMER, existing.password_hash)
        assert [u.email for u in report.users_existing] == ["admin@example.com"]
        assert "admin@example.com      already existed; password unchanged" in str(report)
