"""Catalog CSV export and import, on both databases (sessions rolled back at the end)."""

from __future__ import annotations

import csv
import io

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from shop.catalog import admin_service
from shop.catalog.csv_rows import COLUMNS, RowError
from shop.catalog.csv_transfer import IMPORT_REASON, export_csv, import_csv
from shop.inventory import service as inventory_service
from shop.models.catalog import ProductStatus, Variant
from shop.models.inventory import InventoryMovement, MovementKind
from tests.builders import catalog as b

USD = "USD"


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def _csv(rows: list[dict[str, str]]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS)
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


def _mine(text: str, prefix: str) -> list[dict[str, str]]:
    return [row for row in _rows(text) if row["product_slug"].startswith(prefix)]


async def _arrange(session: AsyncSession, prefix: str) -> None:
    clothing = await b.create_category(
        session, name=f"{prefix} Clothing", slug=f"{prefix}-clothing"
    )
    brand = await b.create_brand(session, name=f"{prefix} Acme", slug=f"{prefix}-acme")
    await b.create_product(
        session,
        name='Tee, "classic"',
        slug=f"{prefix}-tee",
        description="Soft cotton.\nTwo lines.",
        category=clothing,
        brand=brand,
        featured=True,
        variants=[
            b.variant(
                sku=f"{prefix}-TEE-M",
                price=1999,
                compare_at=2499,
                options={"Size": "M"},
                stock_quantity=7,
            ),
            b.variant(sku=f"{prefix}-TEE-L", price=2099, options={"Size": "L"}, stock_quantity=0),
        ],
    )
    await b.create_product(
        session, name="Empty", slug=f"{prefix}-empty", status=ProductStatus.DRAFT, variants=[]
    )


class TestExport:
    async def test_one_row_per_variant_with_every_column(self, session: AsyncSession) -> None:
        await _arrange(session, "ex")
        text = await export_csv(session)
        assert text.splitlines()[0] == ",".join(COLUMNS)
        rows = _mine(text, "ex-")
        assert rows == [
            {
                "product_slug": "ex-tee",
                "product_name": 'Tee, "classic"',
                "status": "active",
                "featured": "true",
                "category_slug": "ex-clothing",
                "brand_slug": "ex-acme",
                "description": "Soft cotton.\nTwo lines.",
                "sku": "ex-TEE-M",
                "variant_title": "M",
                "options": "Size=M",
                "price": "19.99",
                "compare_at_price": "24.99",
                "stock": "7",
                "track_inventory": "true",
                "low_stock_threshold": "5",
                "active": "true",
            },
            {
                "product_slug": "ex-tee",
                "product_name": 'Tee, "classic"',
                "status": "active",
                "featured": "true",
                "category_slug": "ex-clothing",
                "brand_slug": "ex-acme",
                "description": "Soft cotton.\nTwo lines.",
                "sku": "ex-TEE-L",
                "variant_title": "L",
                "options": "Size=L",
                "price": "20.99",
                "compare_at_price": "",
                "stock": "0",
                "track_inventory": "true",
                "low_stock_threshold": "5",
                "active": "true",
            },
            {
                "product_slug": "ex-empty",
                "product_name": "Empty",
                "status": "draft",
                "featured": "false",
                "category_slug": "",
                "brand_slug": "",
                "description": "",
                "sku": "",
                "variant_title": "",
                "options": "",
                "price": "",
                "compare_at_price": "",
                "stock": "",
                "track_inventory": "",
                "low_stock_threshold": "",
                "active": "",
            },
        ]


class TestRoundTrip:
    async def test_importing_an_export_changes_nothing(self, session: AsyncSession) -> None:
        await _arrange(session, "rt")
        exported = await export_csv(session)
        report = await import_csv(session, exported, currency=USD, dry_run=False)
        assert report.errors == []
        assert report.changes == 0
        assert report.applied
        assert await export_csv(session) == exported

    async def test_an_export_recreates_its_products_elsewhere(self, session: AsyncSession) -> None:
        await _arrange(session, "src")
        original = _mine(await export_csv(session), "src-")
        # The same catalog under new slugs and SKUs: every product and variant is created.
        copied = [
            {
                k: (
                    v.replace("src-", "dst-").replace("src-TEE", "dst-TEE")
                    if k in {"product_slug", "sku"}
                    else v
                )
                for k, v in row.items()
            }
            for row in original
        ]
        report = await import_csv(session, _csv(copied), currency=USD, dry_run=False)
        assert report.errors == []
        assert (report.products_created, report.variants_created) == (2, 2)
        assert report.stock_changes == 1  # only the M variant has stock
        assert _mine(await export_csv(session), "dst-") == copied

    async def test_changes_are_applied_and_stock_goes_through_the_ledger(
        self, session: AsyncSession
    ) -> None:
        await _arrange(session, "ch")
        rows = _mine(await export_csv(session), "ch-tee")
        rows[0] |= {"price": "17.50", "stock": "25", "product_name": "Tee v2"}
        rows[1] |= {"product_name": "Tee v2"}
        rows.append(
            {**rows[1], "sku": "ch-TEE-XL", "options": "Size=XL", "variant_title": "", "stock": "3"}
        )
        report = await import_csv(
            session, _csv(rows), currency=USD, dry_run=False, actor_user_id=None
        )
        assert report.errors == []
        assert (report.products_updated, report.variants_updated, report.variants_created) == (
            1,
            1,
            1,
        )
        assert report.stock_changes == 2

        after = _mine(await export_csv(session), "ch-tee")
        assert [(r["sku"], r["price"], r["stock"], r["product_name"]) for r in after] == [
            ("ch-TEE-M", "17.50", "25", "Tee v2"),
            ("ch-TEE-L", "20.99", "0", "Tee v2"),
            ("ch-TEE-XL", "20.99", "3", "Tee v2"),
        ]
        variant = await session.scalar(select(Variant).where(Variant.sku == "ch-TEE-M"))
        assert variant is not None
        movements = list(
            await session.scalars(
                select(InventoryMovement)
                .where(InventoryMovement.variant_id == variant.id)
                .order_by(InventoryMovement.id)
            )
        )
        assert [(m.kind, m.delta) for m in movements][-1] == (MovementKind.IMPORT, 18)
        assert movements[-1].reason == IMPORT_REASON
        assert await inventory_service.ledger_balance(session, variant.id) == 25


class TestDryRun:
    async def test_reports_what_would_change_and_writes_nothing(
        self, session: AsyncSession
    ) -> None:
        await _arrange(session, "dr")
        before = await export_csv(session)
        rows = _mine(before, "dr-")
        rows[0]["stock"] = "99"
        rows.append({**rows[0], "product_slug": "dr-new", "sku": "dr-NEW-1", "stock": "4"})
        report = await import_csv(session, _csv(rows), currency=USD, dry_run=True)
        assert report.errors == []
        assert report.dry_run
        assert not report.applied
        assert (report.products_created, report.variants_created, report.stock_changes) == (1, 1, 2)
        assert await export_csv(session) == before


class TestErrors:
    async def test_every_bad_row_is_reported_and_nothing_is_written(
        self, session: AsyncSession
    ) -> None:
        await _arrange(session, "er")
        other = await b.create_product(
            session, slug="er-other", variants=[b.variant(sku="er-OTHER")]
        )
        before = await export_csv(session)
        good = _mine(before, "er-tee")[0]
        rows = [
            {**good, "stock": "50"},  # row 2: valid, must not be applied either
            {**good, "sku": "er-A", "price": "12.345"},  # row 3
            {**good, "sku": "er-B", "featured": "maybe"},  # row 4
            {**good, "product_slug": "er-x", "category_slug": "nowhere", "sku": "er-C"},  # row 5
            {**good, "sku": "er-TEE-M"},  # row 6: same SKU as row 2
            {**good, "product_slug": "er-y", "sku": other.variants[0].sku},  # row 7
            {**good, "sku": "er-D", "compare_at_price": "1.00"},  # row 8
            {**good, "product_slug": "", "sku": "er-E"},  # row 9
        ]
        report = await import_csv(session, _csv(rows), currency=USD, dry_run=False)
        assert report.errors == [
            RowError(3, "price", "must be an amount such as 12.34"),
            RowError(4, "featured", "must be true or false"),
            RowError(5, "category_slug", "no category has the slug 'nowhere'"),
            RowError(6, "sku", "SKU also on row 2"),
            RowError(7, "sku", "SKU 'er-OTHER' belongs to another product"),
            RowError(8, "compare_at_price", "must be greater than price"),
            RowError(9, "product_slug", "is required"),
        ]
        assert not report.applied
        assert await export_csv(session) == before

    async def test_product_columns_must_agree_between_rows(self, session: AsyncSession) -> None:
        await _arrange(session, "ag")
        rows = _mine(await export_csv(session), "ag-tee")
        rows[1]["product_name"] = "Another name"
        report = await import_csv(session, _csv(rows), currency=USD, dry_run=True)
        assert report.errors == [
            RowError(3, "product_slug", "product columns differ from row 2 of the same product")
        ]

    async def test_a_file_without_the_required_columns(self, session: AsyncSession) -> None:
        report = await import_csv(session, "name,price\nMug,3.00\n", currency=USD, dry_run=False)
        assert report.errors == [
            RowError(
                1,
                "product_name,product_slug,sku",
                "the header lacks the column(s): product_name, product_slug, sku",
            )
        ]

    async def test_an_empty_file(self, session: AsyncSession) -> None:
        report = await import_csv(session, "", currency=USD, dry_run=True)
        assert [e.row for e in report.errors] == [1]

    async def test_extra_cells(self, session: AsyncSession) -> None:
        text = ",".join(COLUMNS) + "\n" + ",".join(["x"] * (len(COLUMNS) + 2)) + "\n"
        report = await import_csv(session, text, currency=USD, dry_run=True)
        assert report.errors == [RowError(2, "", "has more cells than the header")]

    async def test_new_products_are_drafts_without_a_status(self, session: AsyncSession) -> None:
        row = {c: "" for c in COLUMNS} | {
            "product_slug": "nd-mug",
            "product_name": "Mug",
            "sku": "nd-MUG",
            "price": "$8",
        }
        report = await import_csv(session, _csv([row]), currency=USD, dry_run=False)
        assert report.errors == []
        exported = _mine(await export_csv(session), "nd-")
        assert [(r["status"], r["price"], r["stock"]) for r in exported] == [("draft", "8.00", "0")]
        listed = await admin_service.list_categories(session)
        assert all(c.slug != "nd-mug" for c in listed)
