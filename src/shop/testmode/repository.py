"""Every SQL statement of test mode: wiping the whole database back to its migrated state."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table, func, insert, select, text
from sqlalchemy.ext.asyncio import AsyncSession

import shop.models  # noqa: F401 (every table registered in Base.metadata)
from shop.db.base import Base
from shop.models.pricing import ShippingMethod, TaxRate

# What migration 20261126_0002 inserts; a reset puts it back (a test compares the two).
DEFAULT_SHIPPING_METHODS: tuple[dict[str, Any], ...] = (
    {
        "code": "standard",
        "name": "Standard (3-5 days)",
        "price_amount": 999,
        "free_over_amount": 5000,
        "is_active": True,
        "position": 1,
    },
    {
        "code": "express",
        "name": "Express (1-2 days)",
        "price_amount": 1999,
        "free_over_amount": None,
        "is_active": True,
        "position": 2,
    },
    {
        "code": "overnight",
        "name": "Overnight",
        "price_amount": 3999,
        "free_over_amount": None,
        "is_active": True,
        "position": 3,
    },
)
DEFAULT_TAX_RATES: tuple[dict[str, Any], ...] = (
    {
        "country": "*",
        "region": "",
        "name": "Default sales tax",
        "basis_points": 800,
        "applies_to_shipping": False,
    },
)


def _tables() -> list[Table]:
    return list(Base.metadata.sorted_tables)


async def count_rows(session: AsyncSession) -> dict[str, int]:
    counts = {}
    for table in _tables():
        counts[table.name] = int(await session.scalar(select(func.count()).select_from(table)) or 0)
    return counts


async def delete_everything(session: AsyncSession) -> None:
    """Empty every table and restart the id sequences, so that the demo data gets the same ids
    in every reset shop. The search index goes too (an FTS5 table on SQLite; on PostgreSQL a
    column of products)."""
    if session.get_bind().dialect.name == "postgresql":
        quote = session.get_bind().dialect.identifier_preparer.quote
        names = ", ".join(quote(table.name) for table in _tables())
        await session.execute(text(f"TRUNCATE TABLE {names} RESTART IDENTITY CASCADE"))
        return
    # Children first; SQLite reuses ids from 1 once a table (without AUTOINCREMENT) is empty.
    for table in reversed(_tables()):
        # A tree (categories) refuses to lose a parent before its children (ON DELETE RESTRICT,
        # checked row by row): cut the links first.
        links = {
            fk.parent.name: None
            for fk in table.foreign_keys
            if fk.column.table is table and fk.parent.nullable
        }
        if links:
            await session.execute(table.update().values(links))
        await session.execute(table.delete())
    await session.execute(text("DELETE FROM product_search"))
    has_sequences = await session.scalar(
        text("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'sqlite_sequence'")
    )
    if has_sequences:
        await session.execute(text("DELETE FROM sqlite_sequence"))


async def insert_reference_data(session: AsyncSession) -> None:
    await session.execute(insert(ShippingMethod), list(DEFAULT_SHIPPING_METHODS))
    await session.execute(insert(TaxRate), list(DEFAULT_TAX_RATES))
