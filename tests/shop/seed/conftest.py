"""Fixtures of the seeding tests: a second fresh database, a media folder, and one demo shop
per backend shared by the read-only tests (seeding hashes four argon2id passwords)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from shop.db.session import Database
from shop.seed.demo import DemoReport, seed_demo
from tests.conftest import BACKENDS, make_settings
from tests.databases import PostgresTemplate, SqliteTemplate


@pytest.fixture
def media_dir(tmp_path: Path) -> Path:
    return tmp_path / "media"


@pytest.fixture
async def other_database(
    backend: str, request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[Database]:
    """Another fresh, migrated database next to `database`, to compare two seedings."""
    template: SqliteTemplate | PostgresTemplate = request.getfixturevalue(f"{backend}_template")
    url = template.clone()
    database = Database(make_settings(url, tmp_path / "other"))
    try:
        yield database
    finally:
        await database.dispose()
        template.drop(url)


@dataclass(frozen=True, slots=True)
class DemoShop:
    database: Database
    report: DemoReport
    media_dir: Path


@pytest.fixture(scope="module", params=BACKENDS)
async def demo_shop(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[DemoShop]:
    """A database seeded once with the demo data. Tests using it must only read."""
    template: SqliteTemplate | PostgresTemplate = request.getfixturevalue(
        f"{request.param}_template"
    )
    url = template.clone()
    var_dir = tmp_path_factory.mktemp("demo-shop")
    database = Database(make_settings(url, var_dir))
    try:
        report = await seed_demo(database, media_dir=var_dir / "media")
        yield DemoShop(database, report, var_dir / "media")
    finally:
        await database.dispose()
        template.drop(url)
