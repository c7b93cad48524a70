"""The catalog CSV format: one row per variant, product columns repeated on each of its rows.

Reading turns each row into typed fields or into errors that name the row and the column, so
that a person can fix the spreadsheet. Rows are numbered as a spreadsheet shows them: the
header is row 1, the first product row is row 2.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from decimal import InvalidOperation

from shop.kit.money import MAX_AMOUNT, parse_major
from shop.kit.slugs import SLUG_PATTERN
from shop.models.catalog import ProductStatus

COLUMNS = (
    "product_slug",
    "product_name",
    "status",
    "featured",
    "category_slug",
    "brand_slug",
    "description",
    "sku",
    "variant_title",
    "options",
    "price",
    "compare_at_price",
    "stock",
    "track_inventory",
    "low_stock_threshold",
    "active",
)
REQUIRED_COLUMNS = frozenset({"product_slug", "product_name", "sku", "price"})
MAX_ROWS = 10_000
MAX_STOCK = 1_000_000_000
_SKU = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,63}$")
_TRUE = {"true", "1", "yes", "y"}
_FALSE = {"false", "0", "no", "n"}


@dataclass(frozen=True, slots=True)
class RowError:
    row: int
    column: str
    message: str


@dataclass(frozen=True, slots=True)
class ProductFields:
    slug: str
    name: str
    description: str
    status: ProductStatus | None  # None: draft when new, unchanged otherwise
    featured: bool | None
    category_slug: str | None
    brand_slug: str | None


@dataclass(frozen=True, slots=True)
class VariantFields:
    sku: str
    title: str | None  # None: derived from the options
    options: dict[str, str]
    price: int
    compare_at: int | None
    stock: int | None  # None: 0 when new, unchanged otherwise
    track_inventory: bool | None
    low_stock_threshold: int | None
    active: bool | None


@dataclass(slots=True)
class ParsedRow:
    row: int
    product: ProductFields
    variant: VariantFields | None  # None: a product without variants (empty sku and price)


@dataclass(slots=True)
class ParsedFile:
    rows: list[ParsedRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)


class _Row:
    """Reads the cells of one row, collecting an error per bad cell."""

    def __init__(self, number: int, cells: dict[str, str], errors: list[RowError]) -> None:
        self.number = number
        self.cells = cells
        self.errors = errors

    def fail(self, column: str, message: str) -> None:
        self.errors.append(RowError(self.number, column, message))

    def text(self, column: str, *, max_length: int, required: bool = False) -> str:
        value = (self.cells.get(column) or "").strip()
        if required and not value:
            self.fail(column, "is required")
        elif len(value) > max_length:
            self.fail(column, f"is longer than {max_length} characters")
        return value

    def slug(self, column: str, *, max_length: int, required: bool = False) -> str | None:
        value = self.text(column, max_length=max_length, required=required)
        if not value:
            return None
        if not re.fullmatch(SLUG_PATTERN, value):
            self.fail(column, "must be lowercase letters, digits and single hyphens")
        elif column == "product_slug" and value.isdigit():
            self.fail(column, "cannot be only digits")
        return value

    def boolean(self, column: str) -> bool | None:
        value = (self.cells.get(column) or "").strip().lower()
        if not value:
            return None
        if value in _TRUE:
            return True
        if value in _FALSE:
            return False
        self.fail(column, "must be true or false")
        return None

    def integer(self, column: str, *, maximum: int) -> int | None:
        value = (self.cells.get(column) or "").strip()
        if not value:
            return None
        if not value.isdigit() or int(value) > maximum:
            self.fail(column, f"must be a whole number from 0 to {maximum}")
            return None
        return int(value)

    def money(self, column: str, *, required: bool = False) -> int | None:
        value = (self.cells.get(column) or "").strip().lstrip("$")
        if not value:
            if required:
                self.fail(column, "is required")
            return None
        try:
            amount = parse_major(value)
        except (ValueError, InvalidOperation):
            self.fail(column, "must be an amount such as 12.34")
            return None
        if not 0 <= amount <= MAX_AMOUNT:
            self.fail(column, f"must be between 0.00 and {MAX_AMOUNT // 100}.00")
            return None
        return amount

    def options(self, column: str) -> dict[str, str]:
        value = (self.cells.get(column) or "").strip()
        options: dict[str, str] = {}
        if not value:
            return options
        for part in value.split("|"):
            name, equals, option = (p.strip() for p in part.partition("="))
            if not equals or not name or not option or len(name) > 40 or len(option) > 100:
                self.fail(column, "must look like Size=M|Colour=Blue")
                return {}
            if name in options:
                self.fail(column, f"names {name!r} twice")
                return {}
            options[name] = option
        if len(options) > 10:
            self.fail(column, "has more than 10 options")
            return {}
        return options

    def status(self, column: str) -> ProductStatus | None:
        value = (self.cells.get(column) or "").strip().lower()
        if not value:
            return None
        try:
            return ProductStatus(value)
        except ValueError:
            self.fail(column, "must be draft, active or archived")
            return None


def _product(row: _Row) -> ProductFields:
    return ProductFields(
        slug=row.slug("product_slug", max_length=140, required=True) or "",
        name=row.text("product_name", max_length=200, required=True),
        description=row.text("description", max_length=20_000),
        status=row.status("status"),
        featured=row.boolean("featured"),
        category_slug=row.slug("category_slug", max_length=120),
        brand_slug=row.slug("brand_slug", max_length=120),
    )


def _variant(row: _Row) -> VariantFields | None:
    sku = row.text("sku", max_length=64)
    if not sku and not (row.cells.get("price") or "").strip():
        return None
    if not sku:
        row.fail("sku", "is required")
    elif not _SKU.fullmatch(sku):
        row.fail("sku", "must start with a letter or digit; letters, digits and . _ / - only")
    price = row.money("price", required=True)
    compare_at = row.money("compare_at_price")
    if price is not None and compare_at is not None and compare_at <= price:
        row.fail("compare_at_price", "must be greater than price")
    title = row.text("variant_title", max_length=200)
    return VariantFields(
        sku=sku,
        title=title or None,
        options=row.options("options"),
        price=price or 0,
        compare_at=compare_at,
        stock=row.integer("stock", maximum=MAX_STOCK),
        track_inventory=row.boolean("track_inventory"),
        low_stock_threshold=row.integer("low_stock_threshold", maximum=MAX_STOCK),
        active=row.boolean("active"),
    )


def parse(text: str) -> ParsedFile:
    """Every row parsed, or the errors found; structure problems (header, size) are row 1."""
    parsed = ParsedFile()
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = [name.strip() for name in reader.fieldnames or []]
    missing = sorted(REQUIRED_COLUMNS - set(header))
    if missing:
        parsed.errors.append(
            RowError(1, ",".join(missing), "the header lacks the column(s): " + ", ".join(missing))
        )
        return parsed
    reader.fieldnames = header
    try:
        for index, cells in enumerate(reader, start=2):
            if index - 1 > MAX_ROWS:
                parsed.errors.append(
                    RowError(index, "", f"more than {MAX_ROWS} rows; split the file")
                )
                break
            if None in cells:
                parsed.errors.append(RowError(index, "", "has more cells than the header"))
                continue
            if not any((value or "").strip() for value in cells.values()):
                continue  # a blank line
            row = _Row(index, {k: v or "" for k, v in cells.items()}, parsed.errors)
            before = len(parsed.errors)
            product, variant = _product(row), _variant(row)
            if len(parsed.errors) == before:
                parsed.rows.append(ParsedRow(index, product, variant))
    except csv.Error as exc:
        parsed.errors.append(RowError(reader.line_num, "", f"is not valid CSV: {exc}"))
    return parsed


def write(rows: list[dict[str, str]]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


def format_amount(amount: int | None) -> str:
    if amount is None:
        return ""
    units, cents = divmod(amount, 100)
    return f"{units}.{cents:02d}"


def format_options(options: dict[str, object]) -> str:
    return "|".join(f"{name}={value}" for name, value in options.items())
