"""Read-backs shared by the seeding tests: the full-text index size, the generated files."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession


async def search_rows(session: AsyncSession) -> int:
    """How many products the full-text index holds, on either database."""
    if session.get_bind().dialect.name == "sqlite":
        found = await session.scalar(text("SELECT count(*) FROM product_search"))
    else:
        found = await session.scalar(
            text("SELECT count(*) FROM products WHERE search_vector IS NOT NULL")
        )
    return int(found or 0)


def product_files(media_dir: Path) -> set[str]:
    """Names of the files under media_dir/products (none when the folder does not exist)."""
    folder = media_dir / "products"
    return {path.name for path in folder.iterdir()} if folder.is_dir() else set()
