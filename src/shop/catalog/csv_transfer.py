"""Catalog CSV export and import (format: `shop.catalog.csv_rows`).

An import is all or nothing. Every row is read and checked first; then the changes are made
inside a savepoint through the admin service (so prices, search and the stock ledger stay
right), and the savepoint is rolled back when any row fails or when it is a dry run. The
report lists every error by row, or what the import did (or would do).

Stock is a counted value: a row's `stock` becomes the variant's on-hand, and the difference
is recorded in the ledger as an `import` movement. Importing an export changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession

from shop.catalog import admin_service, repository
from shop.catalog.csv_rows import (
    ParsedRow,
    ProductFields,
    RowError,
    VariantFields,
    format_amount,
    format_options,
    parse,
    write,
)
from shop.catalog.schemas import ProductCreate, ProductUpdate, VariantCreate, VariantUpdate
from shop.errors import ShopError
from shop.inventory import service as inventory_service
from shop.kit.money import MoneyIn
from shop.models.catalog import Product, ProductStatus, Variant
from shop.models.inventory import MovementKind

IMPORT_REASON = "csv import"


@dataclass(slots=True)
class ImportReport:
    dry_run: bool
    rows: int = 0
    products_created: int = 0
    products_updated: int = 0
    variants_created: int = 0
    variants_updated: int = 0
    stock_changes: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def applied(self) -> bool:
        return not self.dry_run and not self.errors

    @property
    def changes(self) -> int:
        return (
            self.products_created
            + self.products_updated
            + self.variants_created
            + self.variants_updated
            + self.stock_changes
        )


# --- export ---------------------------------------------------------------------------------


def _bool(value: bool) -> str:
    return "true" if value else "false"


async def export_csv(session: AsyncSession) -> str:
    """Every product of any status, one row per variant (a product without any: one row)."""
    rows: list[dict[str, str]] = []
    for product, variant, category_slug, brand_slug in await repository.export_rows(session):
        row = {
            "product_slug": product.slug,
            "product_name": product.name,
            "status": str(product.status),
            "featured": _bool(product.featured),
            "category_slug": category_slug or "",
            "brand_slug": brand_slug or "",
            "description": product.description,
        }
        if variant is not None:
            row |= {
                "sku": variant.sku,
                "variant_title": variant.title,
                "options": format_options(variant.options),
                "price": format_amount(variant.price_amount),
                "compare_at_price": format_amount(variant.compare_at_amount),
                "stock": str(variant.stock_quantity),
                "track_inventory": _bool(variant.track_inventory),
                "low_stock_threshold": str(variant.low_stock_threshold),
                "active": _bool(variant.is_active),
            }
        rows.append(row)
    return write(rows)


# --- import ---------------------------------------------------------------------------------


@dataclass(slots=True)
class _Plan:
    """The rows of one product, in file order."""

    first_row: int
    fields: ProductFields
    variants: list[tuple[int, VariantFields]] = field(default_factory=list)


class _Importer:
    def __init__(
        self, session: AsyncSession, report: ImportReport, currency: str, actor_user_id: int | None
    ) -> None:
        self.session = session
        self.report = report
        self.currency = currency
        self.actor_user_id = actor_user_id
        self.categories: dict[str, int] = {}
        self.brands: dict[str, int] = {}
        self.products: dict[str, Product] = {}
        self.variants: dict[str, Variant] = {}

    def fail(self, row: int, column: str, message: str) -> None:
        self.report.errors.append(RowError(row, column, message))

    async def load(self, plans: dict[str, _Plan]) -> None:
        self.categories = {c.slug: c.id for c in await admin_service.list_categories(self.session)}
        self.brands = {b.slug: b.id for b in await admin_service.list_brands(self.session)}
        self.products = await repository.products_by_slug(self.session, list(plans))
        skus = [v.sku for plan in plans.values() for _, v in plan.variants]
        self.variants = await repository.variants_by_sku(self.session, skus)

    def check(self, plans: dict[str, _Plan]) -> None:
        """References: categories, brands, and SKUs that belong to another product."""
        for slug, plan in plans.items():
            fields, row = plan.fields, plan.first_row
            if fields.category_slug and fields.category_slug not in self.categories:
                self.fail(
                    row, "category_slug", f"no category has the slug {fields.category_slug!r}"
                )
            if fields.brand_slug and fields.brand_slug not in self.brands:
                self.fail(row, "brand_slug", f"no brand has the slug {fields.brand_slug!r}")
            product = self.products.get(slug)
            for variant_row, variant in plan.variants:
                existing = self.variants.get(variant.sku)
                if existing is not None and (product is None or existing.product_id != product.id):
                    self.fail(variant_row, "sku", f"SKU {variant.sku!r} belongs to another product")

    def _money(self, amount: int) -> MoneyIn:
        return MoneyIn(amount=amount, currency=self.currency)

    def _new_variant(self, variant: VariantFields, position: int) -> VariantCreate:
        return VariantCreate(
            sku=variant.sku,
            title=variant.title,
            options=variant.options,
            price=self._money(variant.price),
            compare_at_price=None
            if variant.compare_at is None
            else self._money(variant.compare_at),
            stock_quantity=0,  # through the ledger below, as an import movement
            track_inventory=True if variant.track_inventory is None else variant.track_inventory,
            low_stock_threshold=5
            if variant.low_stock_threshold is None
            else variant.low_stock_threshold,
            is_active=True if variant.active is None else variant.active,
            position=position,
        )

    async def _set_stock(self, variant_id: int, current: int, wanted: int | None) -> None:
        if wanted is None or wanted == current:
            return
        await inventory_service.adjust(
            self.session,
            variant_id,
            wanted - current,
            reason=IMPORT_REASON,
            actor_user_id=self.actor_user_id,
            kind=MovementKind.IMPORT,
        )
        self.report.stock_changes += 1

    async def apply(self, slug: str, plan: _Plan) -> None:
        fields = plan.fields
        category_id = self.categories.get(fields.category_slug or "")
        brand_id = self.brands.get(fields.brand_slug or "")
        product = self.products.get(slug)
        if product is None:
            created = await admin_service.create_product(
                self.session,
                ProductCreate(
                    name=fields.name,
                    slug=slug,
                    description=fields.description,
                    status=fields.status or ProductStatus.DRAFT,
                    featured=bool(fields.featured),
                    category_id=category_id,
                    brand_id=brand_id,
                    variants=[
                        self._new_variant(v, position)
                        for position, (_, v) in enumerate(plan.variants)
                    ],
                ),
                currency=self.currency,
            )
            self.report.products_created += 1
            self.report.variants_created += len(plan.variants)
            for (_, variant), view in zip(plan.variants, created.variants, strict=True):
                await self._set_stock(view.id, 0, variant.stock)
            return
        await self._update_product(product, fields, category_id, brand_id)
        for position, (_, variant) in enumerate(plan.variants):
            await self._upsert_variant(product, variant, position)

    async def _update_product(
        self, product: Product, fields: ProductFields, category_id: int | None, brand_id: int | None
    ) -> None:
        wanted: dict[str, object] = {
            "name": fields.name,
            "description": fields.description,
            "category_id": category_id,
            "brand_id": brand_id,
        }
        if fields.status is not None:
            wanted["status"] = fields.status
        if fields.featured is not None:
            wanted["featured"] = fields.featured
        changes = {k: v for k, v in wanted.items() if getattr(product, k) != v}
        if changes:
            await admin_service.update_product(
                self.session, product.id, ProductUpdate.model_validate(changes)
            )
            self.report.products_updated += 1

    async def _upsert_variant(
        self, product: Product, variant: VariantFields, position: int
    ) -> None:
        existing = self.variants.get(variant.sku)
        if existing is None:
            created = await admin_service.add_variant(
                self.session,
                product.id,
                self._new_variant(variant, position),
                currency=self.currency,
            )
            self.report.variants_created += 1
            await self._set_stock(created.id, 0, variant.stock)
            return
        wanted: dict[str, object] = {
            "options": variant.options,
            "price_amount": variant.price,
            "compare_at_amount": variant.compare_at,
        }
        if variant.title is not None:
            wanted["title"] = variant.title
        for name, value in (
            ("track_inventory", variant.track_inventory),
            ("low_stock_threshold", variant.low_stock_threshold),
            ("is_active", variant.active),
        ):
            if value is not None:
                wanted[name] = value
        changes = {k: v for k, v in wanted.items() if getattr(existing, k) != v}
        if changes:
            update: dict[str, object] = {
                k: v for k, v in changes.items() if k not in {"price_amount", "compare_at_amount"}
            }
            if "price_amount" in changes:
                update["price"] = self._money(variant.price)
            if "compare_at_amount" in changes:
                update["compare_at_price"] = (
                    None if variant.compare_at is None else self._money(variant.compare_at)
                )
            await admin_service.update_variant(
                self.session,
                product.id,
                existing.id,
                VariantUpdate.model_validate(update),
                currency=self.currency,
            )
            self.report.variants_updated += 1
        await self._set_stock(existing.id, existing.stock_quantity, variant.stock)


def _group(rows: list[ParsedRow], report: ImportReport) -> dict[str, _Plan]:
    """Rows by product; a SKU twice, or product columns that differ between rows, are errors."""
    plans: dict[str, _Plan] = {}
    seen_skus: dict[str, int] = {}
    for row in rows:
        plan = plans.get(row.product.slug)
        if plan is None:
            plan = plans[row.product.slug] = _Plan(row.row, row.product)
        elif row.product != plan.fields:
            report.errors.append(
                RowError(
                    row.row,
                    "product_slug",
                    f"product columns differ from row {plan.first_row} of the same product",
                )
            )
        if row.variant is None:
            continue
        first = seen_skus.setdefault(row.variant.sku, row.row)
        if first != row.row:
            report.errors.append(RowError(row.row, "sku", f"SKU also on row {first}"))
            continue
        plan.variants.append((row.row, row.variant))
    return plans


async def import_csv(
    session: AsyncSession,
    text: str,
    *,
    currency: str,
    dry_run: bool,
    actor_user_id: int | None = None,
) -> ImportReport:
    """Check, then apply in a savepoint; nothing stays written on a dry run or any error."""
    report = ImportReport(dry_run=dry_run)
    parsed = parse(text)
    report.rows = len(parsed.rows)
    report.errors.extend(parsed.errors)
    plans = _group(parsed.rows, report)
    importer = _Importer(session, report, currency, actor_user_id)
    await importer.load(plans)
    importer.check(plans)
    if report.errors:
        report.errors.sort(key=lambda e: (e.row, e.column))
        return report
    savepoint = await session.begin_nested()
    try:
        for slug, plan in plans.items():
            try:
                await importer.apply(slug, plan)
            except ShopError as exc:
                report.errors.append(RowError(plan.first_row, "", exc.message))
                break
    except BaseException:
        await savepoint.rollback()
        raise
    if report.errors or dry_run:
        await savepoint.rollback()
    else:
        await savepoint.commit()
    return report
