"""Products, CSV import/export and categories through the back-office pages."""

from __future__ import annotations

import csv
import io
from typing import Any

from sqlalchemy import func, select

from shop.db.session import Database
from shop.models.accounts import Role
from shop.models.catalog import Category, Product, ProductImage, Variant
from shop.models.inventory import InventoryMovement, MovementKind
from tests.builders import catalog as b
from tests.shop.admin.conftest import audit_entries, flash_of
from tests.shop.integrations.storage.images import PNG, SVG
from tests.shop.storefront.html import parse


async def _count(database: Database, model: type[Any]) -> int:
    async with database.read() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def _product(database: Database, slug: str) -> Product | None:
    async with database.read() as session:
        product = await session.scalar(select(Product).where(Product.slug == slug))
        session.expunge_all()
        return product


NEW_PRODUCT = {
    "name": "Trail Mug",
    "slug": "trail-mug",
    "description": "Enamel.",
    "status": "active",
    "category_id": "",
    "brand_id": "",
    "featured": "on",
    "sku": "MUG-1",
    "price": "12.50",
    "stock": "8",
}


class TestProducts:
    async def test_create_edit_variant_image_archive(
        self, browsers: Any, database: Database
    ) -> None:
        manager = await browsers(Role.MANAGER)
        form = await manager.page("/admin/products/new")
        assert form.find("product-form").get("method") == "post"

        created = await manager.post(
            "/admin/products", NEW_PRODUCT, form_page="/admin/products/new"
        )
        assert created.status_code == 303, created.text[:1000]
        product = await _product(database, "trail-mug")
        assert product is not None
        assert product.price_amount == 1250
        assert product.featured
        edit_url = f"/admin/products/{product.id}"
        assert created.headers["location"] == edit_url
        page = await manager.page(edit_url)
        assert "Trail Mug" in flash_of(page)
        listing = await manager.page("/admin/products?q=trail")
        assert [row.get("data-slug") for row in listing.find_all("product-row")] == ["trail-mug"]

        changed = await manager.post(
            edit_url,
            {**NEW_PRODUCT, "name": "Trail Mug XL", "price": "14.00", "stock": "5"},
            form_page=edit_url,
        )
        assert changed.status_code == 303, changed.text[:1000]
        added = await manager.post(
            f"{edit_url}/variants",
            {"sku": "MUG-2", "price": "15.00", "stock": "2", "options": "Size=XL"},
            form_page=edit_url,
        )
        assert added.status_code == 303
        uploaded = await manager.post(
            f"{edit_url}/images",
            {"alt": "The mug"},
            form_page=edit_url,
            files={"file": ("mug.png", PNG, "image/png")},
        )
        assert uploaded.status_code == 303
        refused = await manager.post(
            f"{edit_url}/images",
            {},
            form_page=edit_url,
            files={"file": ("innocent.png", SVG, "image/png")},
        )
        assert refused.status_code == 303
        assert "not a PNG, JPEG, WebP or GIF" in flash_of(await manager.page(edit_url))

        page = await manager.page(edit_url)
        assert [row.get("data-sku") for row in page.find_all("variant-row")] == ["MUG-1", "MUG-2"]
        images = page.find_all("product-image")
        assert len(images) == 1
        image_url = images[0].children[0].get("src") or ""
        assert image_url.startswith(f"/media/products/{product.id}/")
        assert image_url.endswith(".png")
        served = await manager.http.get(image_url)
        assert (served.status_code, served.content) == (200, PNG)

        archived = await manager.post(f"{edit_url}/archive", form_page=edit_url)
        assert archived.status_code == 303
        assert (await manager.page(edit_url)).find("product-status").text == "archived"

        async with database.read() as session:
            variant = await session.scalar(select(Variant).where(Variant.sku == "MUG-1"))
            assert variant is not None
            assert (variant.price_amount, variant.stock_quantity) == (1400, 5)
            assert await session.scalar(select(func.count()).select_from(ProductImage)) == 1
        actions = [e.action for e in await audit_entries(database)]
        assert actions == [
            "product.create",
            "product.update",
            "variant.create",
            "product.image_add",
            "product.archive",
        ]
        update = (await audit_entries(database, "product.update"))[0]
        assert update.before is not None
        assert update.after is not None
        assert (update.before["name"], update.after["name"]) == ("Trail Mug", "Trail Mug XL")
        assert update.user_agent == "admin-page-test/1.0"

    async def test_bad_input_shows_the_form_again_and_writes_nothing(
        self, browsers: Any, database: Database
    ) -> None:
        manager = await browsers(Role.MANAGER)
        response = await manager.post(
            "/admin/products",
            {**NEW_PRODUCT, "name": "", "price": "12.345", "stock": "-3", "category_id": "x"},
            form_page="/admin/products/new",
        )
        assert response.status_code == 422
        page = parse(response.text)
        assert page.find("form-errors")
        text = page.find("form-errors").text
        for name in ("price", "stock", "category_id"):
            assert name in text
        assert page.named("price")[0].get("value") == "12.345"  # what was typed stays
        taken = await manager.post("/admin/products", NEW_PRODUCT, form_page="/admin/products/new")
        assert taken.status_code == 303
        again = await manager.post(
            "/admin/products", {**NEW_PRODUCT, "sku": "MUG-9"}, form_page="/admin/products/new"
        )
        assert again.status_code == 422
        assert "trail-mug" in parse(again.text).find("form-errors").text
        assert await _count(database, Product) == 1
        assert [e.action for e in await audit_entries(database)] == ["product.create"]

    async def test_a_form_without_its_csrf_token_is_refused(
        self, browsers: Any, database: Database
    ) -> None:
        manager = await browsers(Role.MANAGER)
        response = await manager.post("/admin/products", NEW_PRODUCT, csrf=False)
        assert response.status_code == 403
        assert await _count(database, Product) == 0


def _csv_rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def _csv(rows: list[dict[str, str]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue().encode()


class TestCsvPages:
    async def test_export_dry_run_errors_and_import(
        self, browsers: Any, database: Database
    ) -> None:
        async with database.transaction() as session:
            await b.create_product(
                session, slug="lamp", variants=[b.variant(sku="LAMP-1", stock_quantity=4)]
            )
        manager = await browsers(Role.MANAGER)
        exported = await manager.get("/admin/products/export.csv")
        assert exported.status_code == 200
        assert exported.headers["content-type"].startswith("text/csv")
        assert "attachment" in exported.headers["content-disposition"]
        rows = _csv_rows(exported.text)
        assert [r["sku"] for r in rows] == ["LAMP-1"]

        rows[0]["stock"] = "9"
        new = {**rows[0], "product_slug": "lamp-2", "sku": "LAMP-2", "stock": "1"}
        bad = {**rows[0], "product_slug": "lamp-3", "sku": "LAMP-3", "price": "cheap"}
        form = "/admin/products/import"

        dry = await manager.post(
            form,
            {"dry_run": "1"},
            form_page=form,
            files={"file": ("p.csv", _csv([rows[0], new]), "text/csv")},
        )
        assert dry.status_code == 200
        report = parse(dry.text).find("import-report")
        assert (report.get("data-dry-run"), report.get("data-applied")) == ("true", "false")
        assert parse(dry.text).find("import-products-created").text == "1"

        failing = await manager.post(
            form,
            {},
            form_page=form,
            files={"file": ("p.csv", _csv([rows[0], new, bad]), "text/csv")},
        )
        assert failing.status_code == 422
        errors = parse(failing.text).find_all("import-error")
        assert [e.get("data-row") for e in errors] == ["4"]
        assert "price" in errors[0].text

        assert await _product(database, "lamp-2") is None  # neither run wrote anything
        applied = await manager.post(
            form, {}, form_page=form, files={"file": ("p.csv", _csv([rows[0], new]), "text/csv")}
        )
        assert applied.status_code == 200
        assert parse(applied.text).find("import-report").get("data-applied") == "true"
        assert await _product(database, "lamp-2") is not None
        again = _csv_rows((await manager.get("/admin/products/export.csv")).text)
        assert [(r["sku"], r["stock"]) for r in again] == [("LAMP-1", "9"), ("LAMP-2", "1")]
        async with database.read() as session:
            kinds = list(
                await session.scalars(
                    select(InventoryMovement.kind).where(InventoryMovement.reason == "csv import")
                )
            )
        assert sorted(kinds) == [MovementKind.IMPORT, MovementKind.IMPORT]
        actions = [e.action for e in await audit_entries(database)]
        assert actions == ["catalog.export", "catalog.import", "catalog.export"]

    async def test_a_file_that_is_not_utf8_text(self, browsers: Any) -> None:
        manager = await browsers(Role.MANAGER)
        response = await manager.post(
            "/admin/products/import",
            {},
            form_page="/admin/products/import",
            files={"file": ("p.csv", b"\xff\xfe\x00binary", "text/csv")},
        )
        assert response.status_code == 422
        assert "UTF-8" in flash_of(parse(response.text))


class TestCategories:
    async def test_create_rename_refuse_cycle_delete(
        self, browsers: Any, database: Database
    ) -> None:
        manager = await browsers(Role.MANAGER)
        page = "/admin/categories"
        made = await manager.post(page, {"name": "Outdoor", "position": "1"}, form_page=page)
        assert made.status_code == 303
        child = await manager.post(page, {"name": "Tents"}, form_page=page)
        assert child.status_code == 303
        async with database.read() as session:
            ids = {c.slug: c.id for c in await session.scalars(select(Category))}
        moved = await manager.post(
            f"{page}/{ids['tents']}",
            {"name": "Tents", "parent_id": str(ids["outdoor"])},
            form_page=page,
        )
        assert moved.status_code == 303
        cycle = await manager.post(
            f"{page}/{ids['outdoor']}",
            {"name": "Outdoor", "parent_id": str(ids["tents"])},
            form_page=page,
        )
        assert cycle.status_code == 422
        assert "own subtree" in parse(cycle.text).find("form-errors").text
        blank = await manager.post(page, {"name": ""}, form_page=page)
        assert blank.status_code == 422
        refused = await manager.post(f"{page}/{ids['outdoor']}/delete", form_page=page)
        assert refused.status_code == 303
        assert "has subcategories" in flash_of(await manager.page(page))
        deleted = await manager.post(f"{page}/{ids['tents']}/delete", form_page=page)
        assert deleted.status_code == 303
        rows = (await manager.page(page)).find_all("category-row")
        assert [r.get("data-slug") for r in rows] == ["outdoor"]
        actions = [e.action for e in await audit_entries(database)]
        assert actions == [
            "category.create",
            "category.create",
            "category.update",
            "category.delete",
        ]
