"""Catalog fixtures: staff tokens, a small catalog arranged through the admin service, and
databases shared per backend.

Cloning and dropping a PostgreSQL database costs one to three seconds here, so only tests that
write through the API get a fresh database (`client`). Service tests run in a transaction
rolled back at the end on a database shared by all of them (`catalog_session`); read-only API
tests share one committed catalog (`shop_api`).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from shop.catalog.product_view import ProductView
from shop.db.session import Database
from shop.main import AppRole, create_app
from shop.models.accounts import Role, User
from shop.models.catalog import Brand, Category, Product, ProductStatus, Variant
from tests.builders import catalog as b
from tests.builders.accounts import bearer, create_user
from tests.conftest import TEST_SECRET, make_settings
from tests.databases import PostgresTemplate, SqliteTemplate


async def _headers(database: Database, role: Role) -> dict[str, str]:
    async with database.transaction() as session:
        user = await create_user(session, role=role)
    return bearer(user, secret=TEST_SECRET)


@pytest.fixture
async def manager(database: Database) -> dict[str, str]:
    """Authorization header of a manager (may write the catalog)."""
    return await _headers(database, Role.MANAGER)


@pytest.fixture
async def support(database: Database) -> dict[str, str]:
    """Authorization header of a support agent (staff, read-only for the catalog)."""
    return await _headers(database, Role.SUPPORT)


@pytest.fixture
async def customer(database: Database) -> dict[str, str]:
    return await _headers(database, Role.CUSTOMER)


@dataclass
class Shop:
    """A small catalog: Clothing > T-Shirts, Clothing > Jackets, Home; two brands."""

    clothing: Category
    tshirts: Category
    jackets: Category
    home: Category
    acme: Brand
    globex: Brand
    tee: ProductView  # Acme, T-Shirts, 1500, in stock, featured, material=cotton, weight_g=180
    jacket: ProductView  # Globex, Jackets, 9900 (compare at 12900), out of stock, waterproof
    lamp: ProductView  # Acme, Home, 4500, untracked inventory
    draft: ProductView  # T-Shirts, draft
    archived: ProductView  # T-Shirts, archived


async def build_shop(session: AsyncSession) -> Shop:
    clothing = await b.create_category(session, name="Clothing", position=1)
    tshirts = await b.create_category(session, name="T-Shirts", parent=clothing)
    jackets = await b.create_category(session, name="Jackets", parent=clothing)
    home = await b.create_category(session, name="Home", position=2)
    acme = await b.create_brand(session, name="Acme")
    globex = await b.create_brand(session, name="Globex")
    tee = await b.create_product(
        session,
        name="Classic Tee",
        description="A soft everyday shirt.",
        brand=acme,
        category=tshirts,
        featured=True,
        images=[("/media/tee-front.jpg", "Front"), ("/media/tee-back.jpg", "Back")],
        attributes={"material": "cotton", "weight_g": 180},
        variants=[
            b.variant(sku="TEE-BLK-M", price=1500, options={"size": "M", "color": "Black"}),
            b.variant(sku="TEE-BLK-L", price=1700, options={"size": "L", "color": "Black"}),
        ],
    )
    jacket = await b.create_product(
        session,
        name="Storm Jacket",
        description="Keeps the rain out.",
        brand=globex,
        category=jackets,
        attributes={"waterproof": True, "weight_g": 950.5},
        variants=[b.variant(sku="JKT-01", price=9900, compare_at=12900, stock_quantity=0)],
    )
    lamp = await b.create_product(
        session,
        name="Desk Lamp",
        description="Warm light for a tee-shirt folding table.",
        brand=acme,
        category=home,
        variants=[b.variant(sku="LMP-01", price=4500, stock_quantity=0, track_inventory=False)],
    )
    draft = await b.create_product(
        session, name="Draft Tee", category=tshirts, status=ProductStatus.DRAFT
    )
    archived = await b.create_product(
        session, name="Old Tee", category=tshirts, status=ProductStatus.ARCHIVED
    )
    return Shop(clothing, tshirts, jackets, home, acme, globex, tee, jacket, lamp, draft, archived)


@pytest.fixture
async def fresh_shop(database: Database) -> Shop:
    """The small catalog, committed in the test's own fresh database (API write tests)."""
    async with database.transaction() as session:
        return await build_shop(session)


async def row_counts(database: Database) -> dict[str, int]:
    """Rows per catalog table: failure paths assert that these did not change."""
    async with database.read() as session:
        return {
            model.__tablename__: int(
                await session.scalar(select(func.count()).select_from(model)) or 0
            )
            for model in (Product, Variant, Category, Brand)
        }


@dataclass
class SharedApp:
    app: FastAPI
    database: Database
    client: httpx.AsyncClient
    url: str
    template: SqliteTemplate | PostgresTemplate
    shop: Shop | None = None


class SharedApps:
    """One app per (backend, purpose), created on first use and dropped at the end."""

    def __init__(self, request: pytest.FixtureRequest, directory: Path) -> None:
        self.request = request
        self.directory = directory
        self.apps: dict[tuple[str, str], SharedApp] = {}
        self.lifespans = AsyncExitStack()

    def _template(self, backend: str) -> SqliteTemplate | PostgresTemplate:
        template: SqliteTemplate | PostgresTemplate = self.request.getfixturevalue(
            f"{backend}_template"
        )
        return template

    async def get(self, backend: str, purpose: str) -> SharedApp:
        key = (backend, purpose)
        if key not in self.apps:
            template = self._template(backend)
            url = template.clone()
            application = create_app(
                AppRole.API, settings=make_settings(url, self.directory / f"{backend}-{purpose}")
            )
            await self.lifespans.enter_async_context(
                application.router.lifespan_context(application)
            )
            transport = httpx.ASGITransport(app=application, client=("203.0.113.7", 50000))
            shared = SharedApp(
                app=application,
                database=application.state.database,
                client=httpx.AsyncClient(transport=transport, base_url="http://testserver"),
                url=url,
                template=template,
            )
            self.apps[key] = shared
        return self.apps[key]

    async def close(self) -> None:
        for shared in self.apps.values():
            await shared.client.aclose()
        await self.lifespans.aclose()  # disposes the databases
        for shared in self.apps.values():
            shared.template.drop(shared.url)


@pytest.fixture(scope="session")
async def shared_apps(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[SharedApps]:
    apps = SharedApps(request, tmp_path_factory.mktemp("catalog-shared"))
    yield apps
    await apps.close()


async def _rolled_back(database: Database) -> AsyncIterator[AsyncSession]:
    async with database.primary.connect() as connection:
        transaction = await connection.begin()
        async with AsyncSession(
            bind=connection, expire_on_commit=False, join_transaction_mode="create_savepoint"
        ) as db_session:
            yield db_session
        await transaction.rollback()


@pytest.fixture
async def catalog_session(backend: str, shared_apps: SharedApps) -> AsyncIterator[AsyncSession]:
    """Like the shared `session` (rolled back at the end), on an empty database shared by the
    catalog's service tests."""
    shared = await shared_apps.get(backend, "empty")
    async for db_session in _rolled_back(shared.database):
        yield db_session


@pytest.fixture
async def shop_api(backend: str, shared_apps: SharedApps) -> SharedApp:
    """An app whose database holds the small catalog (committed once), shared by read-only
    API tests: they must not change anything."""
    shared = await shared_apps.get(backend, "shop")
    if shared.shop is None:
        async with shared.database.transaction() as db_session:
            shared.shop = await build_shop(db_session)
    return shared


@pytest.fixture
def shop(shop_api: SharedApp) -> Shop:
    """The small catalog of `shop_api` / `shop_session`."""
    assert shop_api.shop is not None
    return shop_api.shop


@pytest.fixture
async def shop_session(shop_api: SharedApp) -> AsyncIterator[AsyncSession]:
    """A rolled-back session on the database holding the small catalog (service tests)."""
    async for db_session in _rolled_back(shop_api.database):
        yield db_session


def staff_headers(role: Role) -> dict[str, str]:
    """A bearer header for a role; access tokens are checked without reading the user."""
    return bearer(User(id=999_999, role=role), secret=TEST_SECRET)
