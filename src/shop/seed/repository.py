"""Every SQL statement of seeding: lookups and set-based bulk inserts with SQLAlchemy Core.

Bulk inserts go through `executemany`, which SQLAlchemy batches into multi-row INSERTs
("insertmanyvalues") on both databases. New product ids come back with `RETURNING id, slug`
and are matched by slug: asking for rows in parameter order instead would make SQLite fall back
to one INSERT per row.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any, cast

from sqlalchemy import Table, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from shop.models.accounts import Role, User
from shop.models.catalog import Brand, Category, Product, ProductAttribute, ProductImage, Variant

Row = Mapping[str, Any]

CHUNK_ROWS = 2_000
SCALE_SKU_PREFIX = "SC-"
# Arbitrary constant naming the seeding lock among PostgreSQL advisory locks.
_SEED_LOCK_KEY = 0x5EED_0001

_categories = cast(Table, Category.__table__)
_brands = cast(Table, Brand.__table__)
_products = cast(Table, Product.__table__)
_variants = cast(Table, Variant.__table__)
_images = cast(Table, ProductImage.__table__)
_attributes = cast(Table, ProductAttribute.__table__)
_users = cast(Table, User.__table__)


def _chunks(rows: Sequence[Row], size: int = CHUNK_ROWS) -> Iterator[Sequence[Row]]:
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


async def lock_seeding(session: AsyncSession) -> None:
    """Serialise seeders (e.g. several pods running `seed --if-empty` at start-up) until the
    transaction ends. SQLite needs nothing: write transactions begin IMMEDIATE."""
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(select(func.pg_advisory_xact_lock(_SEED_LOCK_KEY)))


async def count_products(session: AsyncSession) -> int:
    return int(await session.scalar(select(func.count()).select_from(_products)) or 0)


async def category_ids(session: AsyncSession) -> dict[str, int]:
    rows = await session.execute(select(_categories.c.slug, _categories.c.id))
    return {slug: id_ for slug, id_ in rows}


async def brand_ids(session: AsyncSession) -> dict[str, int]:
    rows = await session.execute(select(_brands.c.slug, _brands.c.id))
    return {slug: id_ for slug, id_ in rows}


async def _insert_returning_slugs(
    session: AsyncSession, table: Table, rows: Sequence[Row]
) -> dict[str, int]:
    ids: dict[str, int] = {}
    statement = insert(table).returning(table.c.slug, table.c.id)
    for chunk in _chunks(rows):
        result = await session.execute(statement, list(chunk))
        ids.update({slug: id_ for slug, id_ in result})
    return ids


async def insert_categories(session: AsyncSession, rows: Sequence[Row]) -> dict[str, int]:
    return await _insert_returning_slugs(session, _categories, rows) if rows else {}


async def insert_brands(session: AsyncSession, rows: Sequence[Row]) -> dict[str, int]:
    return await _insert_returning_slugs(session, _brands, rows) if rows else {}


async def insert_products(session: AsyncSession, rows: Sequence[Row]) -> dict[str, int]:
    """Insert products; returns slug -> new id."""
    return await _insert_returning_slugs(session, _products, rows) if rows else {}


async def _insert_many(session: AsyncSession, table: Table, rows: Sequence[Row]) -> None:
    statement = insert(table)
    for chunk in _chunks(rows):
        await session.execute(statement, list(chunk))


async def insert_variants(session: AsyncSession, rows: Sequence[Row]) -> None:
    await _insert_many(session, _variants, rows)


async def insert_images(session: AsyncSession, rows: Sequence[Row]) -> None:
    await _insert_many(session, _images, rows)


async def insert_attributes(session: AsyncSession, rows: Sequence[Row]) -> None:
    await _insert_many(session, _attributes, rows)


async def last_scale_number(session: AsyncSession) -> int:
    """The highest product number used by earlier scale runs (their SKUs are SC-<7 digits>-...)."""
    digits = func.substr(_variants.c.sku, len(SCALE_SKU_PREFIX) + 1, 7)
    found = await session.scalar(
        select(func.max(digits)).where(_variants.c.sku.like(f"{SCALE_SKU_PREFIX}%"))
    )
    return int(found) if found and str(found).isdigit() else 0


async def roles_by_email(session: AsyncSession, emails: Sequence[str]) -> dict[str, Role]:
    rows = await session.execute(
        select(_users.c.email, _users.c.role).where(_users.c.email.in_(emails))
    )
    return {email: Role(role) for email, role in rows}


async def insert_users(session: AsyncSession, rows: Sequence[Row]) -> None:
    await _insert_many(session, _users, rows)
