"""The catalog read cache: responses are served from memory and dropped by every committed
change to catalog data: admin edits, stock movements, raw index rebuilds; across processes
through Redis."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx
import pytest
from redis.asyncio import Redis
from sqlalchemy import update

from shop.catalog import changes, service
from shop.catalog.read_cache import CatalogReadCache, build_catalog_cache
from shop.config import Settings
from shop.db.session import Database
from shop.inventory import service as inventory_service
from shop.models.carts import Cart
from shop.models.catalog import Variant
from tests.builders.accounts import create_user
from tests.builders.catalog import create_product
from tests.conftest import make_settings

REDIS_URL = "redis://127.0.0.1:6379/0"


async def product_json(client: httpx.AsyncClient, slug: str) -> dict[str, Any]:
    response = await client.get(f"/api/v1/products/{slug}")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def cache_of(client_app: Any) -> CatalogReadCache:
    cache: CatalogReadCache = client_app.state.catalog_cache
    return cache


class TestApiResponses:
    async def test_second_read_is_a_hit_with_the_same_body(
        self, app: Any, client: httpx.AsyncClient, database: Database
    ) -> None:
        async with database.transaction() as session:
            await create_product(session, slug="mug", price=1200)
        first = await client.get("/api/v1/products/mug")
        second = await client.get("/api/v1/products/mug")
        assert first.content == second.content
        assert second.headers["content-type"] == "application/json"
        assert cache_of(app).near.hits == 1

    async def test_listing_and_search_bodies_match_the_uncached_rendering(
        self, app_settings: Settings, client: httpx.AsyncClient, database: Database, tmp_path: Path
    ) -> None:
        async with database.transaction() as session:
            await create_product(session, slug="blue-mug", name="Blue mug", price=1200)
            await create_product(session, slug="red-cup", name="Red cup", price=900)
        from shop.main import AppRole, create_app

        uncached_app = create_app(
            AppRole.API,
            settings=make_settings(
                app_settings.database_url, tmp_path / "other", catalog_cache_entries=0
            ),
        )
        async with uncached_app.router.lifespan_context(uncached_app):
            transport = httpx.ASGITransport(app=uncached_app)
            async with httpx.AsyncClient(transport=transport, base_url="http://t") as uncached:
                for path in (
                    "/api/v1/products?page_size=1&sort=price_asc",
                    "/api/v1/products?q=mug",
                    "/api/v1/products/red-cup",
                    "/api/v1/categories",
                    "/api/v1/brands",
                ):
                    await client.get(path)  # fill the cache
                    cached = await client.get(path)
                    plain = await uncached.get(path)
                    assert cached.status_code == plain.status_code == 200
                    assert cached.json() == plain.json(), path

    async def test_admin_edit_is_visible_at_once(
        self, client: httpx.AsyncClient, database: Database, manager: dict[str, str]
    ) -> None:
        async with database.transaction() as session:
            product = await create_product(session, slug="lamp", name="Lamp", price=1200)
        assert (await product_json(client, "lamp"))["name"] == "Lamp"
        response = await client.patch(
            f"/api/v1/admin/products/{product.id}", json={"name": "Desk lamp"}, headers=manager
        )
        assert response.status_code == 200, response.text
        assert (await product_json(client, "lamp"))["name"] == "Desk lamp"

    async def test_stock_movement_is_visible_at_once(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        async with database.transaction() as session:
            product = await create_product(session, slug="kettle", price=3000)
        assert (await product_json(client, "kettle"))["in_stock"] is True
        async with database.transaction() as session:
            await inventory_service.set_on_hand(
                session, product.variants[0].id, 0, reason="counted: none left"
            )
        assert (await product_json(client, "kettle"))["in_stock"] is False

    async def test_failed_transaction_keeps_the_cache(
        self, app: Any, client: httpx.AsyncClient, database: Database
    ) -> None:
        async with database.transaction() as session:
            await create_product(session, slug="vase", price=500)
        await product_json(client, "vase")
        generation = cache_of(app).generation

        async def write_then_fail() -> None:
            async with database.transaction() as session:
                await session.execute(update(Variant).values(price_amount=1))
                raise RuntimeError("rolled back")

        with pytest.raises(RuntimeError):
            await write_then_fail()
        assert cache_of(app).generation == generation


class TestChangeDetection:
    async def test_orm_flush_of_a_catalog_row(self, session: Any) -> None:
        await create_product(session, price=100)
        assert changes.was_changed(session.info)

    async def test_update_statement_on_variants(self, session: Any) -> None:
        await session.execute(update(Variant).where(Variant.id == -1).values(price_amount=1))
        assert changes.was_changed(session.info)

    async def test_raw_index_rebuild(self, session: Any) -> None:
        await service.reindex_search(session, [-1])
        assert changes.was_changed(session.info)

    async def test_other_tables_do_not_count(self, session: Any) -> None:
        session.info.pop(changes.CHANGED, None)
        await session.execute(update(Cart).where(Cart.id == -1).values(coupon_code=None))
        assert not changes.was_changed(session.info)

    async def test_a_users_first_name_counts_product_pages_show_it(self, session: Any) -> None:
        user = await create_user(session, first_name="Ada")
        session.info.pop(changes.CHANGED, None)
        user.last_name = "Lovelace"  # shown nowhere public
        await session.flush()
        assert not changes.was_changed(session.info)

        user.first_name = ""  # as an account deletion does
        await session.flush()
        assert changes.was_changed(session.info)


@pytest.mark.redis
class TestAcrossProcesses:
    async def test_a_commit_elsewhere_reaches_this_cache(self, tmp_path: Path) -> None:
        settings = make_settings("sqlite+aiosqlite:///unused.db", tmp_path)
        redis = Redis.from_url(REDIS_URL)
        reader = build_catalog_cache(settings, redis)
        writer = build_catalog_cache(settings, redis)
        listening = asyncio.create_task(reader.listen())
        try:
            for _ in range(100):  # until subscribed
                if reader.trusted:
                    break
                await asyncio.sleep(0.02)
            assert reader.trusted
            reader.put("k", b"v", generation=reader.generation)
            assert reader.get("k") == b"v"
            await writer.after_commit({changes.CHANGED: True})
            for _ in range(100):
                if reader.get("k") is None:
                    break
                await asyncio.sleep(0.02)
            assert reader.get("k") is None
        finally:
            listening.cancel()
            await redis.aclose()

    async def test_nothing_is_served_before_the_subscription(self, tmp_path: Path) -> None:
        settings = make_settings("sqlite+aiosqlite:///unused.db", tmp_path)
        redis = Redis.from_url(REDIS_URL)
        try:
            cache = build_catalog_cache(settings, redis)
            cache.put("k", b"v", generation=cache.generation)
            assert cache.get("k") is None
        finally:
            await redis.aclose()

    async def test_redis_is_closed_after_the_listener_stopped(
        self, app_settings: Settings, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        # Closing Redis under the live subscription made its listener retry, and the shutdown
        # then hung on it for good (a pod would wait out its grace period and be killed).
        from shop.main import AppRole, create_app

        settings = app_settings.model_copy(
            update={"redis_url": REDIS_URL, "worker_in_process": True}
        )
        close = Redis.aclose
        listening_at_close: list[bool] = []

        async def recording_close(redis: Redis) -> None:
            listening_at_close.append(
                any(
                    task.get_coro().__qualname__ == "CatalogReadCache.listen"  # type: ignore[union-attr]
                    for task in asyncio.all_tasks()
                    if not task.done()
                )
            )
            await close(redis)

        monkeypatch.setattr(Redis, "aclose", recording_close)
        application = create_app(AppRole.ALL, settings=settings)
        lifespan = application.router.lifespan_context(application)
        await lifespan.__aenter__()
        await asyncio.wait_for(lifespan.__aexit__(None, None, None), timeout=10)
        assert listening_at_close == [False]
