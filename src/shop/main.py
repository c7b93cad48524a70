"""create_app(role): the only place that wires routers, middleware and the lifespan."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from enum import StrEnum

import httpx
from fastapi import APIRouter, FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.staticfiles import StaticFiles
from redis.asyncio import Redis

from shop.admin.install import install_back_office
from shop.auth import api as auth_api
from shop.carts import api as carts_api
from shop.carts import service as carts_service
from shop.catalog import admin_api as catalog_admin_api
from shop.catalog import api as catalog_api
from shop.catalog.read_cache import catalog_cache_running
from shop.checkout import api as checkout_api
from shop.config import Settings, get_settings
from shop.customers import admin_api as customers_admin_api
from shop.customers import api as customers_api
from shop.db.session import Database
from shop.health import api as health_api
from shop.integrations.payments.registry import SANDBOX_MOUNT_PATH, build_gateways
from shop.integrations.payments.sandbox_app import create_sandbox_app_from_settings
from shop.inventory import admin_api as inventory_admin_api
from shop.jobs.runner import in_process_worker
from shop.observability.install import install_observability
from shop.orders import admin_api as orders_admin_api
from shop.orders import api as orders_api
from shop.payments import api as payments_api
from shop.pricing import admin_api as pricing_admin_api
from shop.pricing import api as pricing_api
from shop.reviews import admin_api as reviews_admin_api
from shop.reviews import api as reviews_api
from shop.staff import api as staff_api
from shop.storefront.install import install_storefront
from shop.testmode import api as testmode_api
from shop.web.api_docs import install_api_docs
from shop.web.middleware import SecurityHeadersMiddleware
from shop.web.problems import PROBLEM_RESPONSES, install_problem_handlers
from shop.web.routing import PrefixedRouter
from shop.wishlists import api as wishlists_api

API_PREFIX = "/api/v1"


class AppRole(StrEnum):
    ALL = "all"
    API = "api"
    WEB = "web"


def api_router(settings: Settings) -> APIRouter:
    # The prefix is given where the app includes this router: FastAPI checks the paths of an
    # include without a prefix by building every route's dependency tree, which then is built
    # again for the app (a third of a second per app, paid by every test).
    router = PrefixedRouter(path_prefix=API_PREFIX, responses=PROBLEM_RESPONSES)
    for feature in (
        auth_api,
        catalog_api,
        carts_api,
        pricing_api,
        checkout_api,
        orders_api,
        payments_api,
        reviews_api,
        wishlists_api,
        customers_api,
        catalog_admin_api,
        pricing_admin_api,
        orders_admin_api,
        inventory_admin_api,
        reviews_admin_api,
        staff_api,
        customers_admin_api,
    ):
        router.include_router(feature.router)
    if settings.is_test:
        # Test-mode helpers (mail outbox, reset, webhook trigger) exist only with SHOP_ENV=test.
        router.include_router(testmode_api.router)
    return router


def create_app(role: AppRole = AppRole.ALL, settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.settings = settings
        app.state.database = Database(settings)
        app.state.redis = Redis.from_url(settings.redis_url) if settings.redis_url else None
        # One pooled HTTP client for every outgoing call (payment providers).
        app.state.http = httpx.AsyncClient(timeout=httpx.Timeout(15.0, connect=5.0))
        app.state.gateways = build_gateways(settings, app.state.http)
        async with AsyncExitStack() as stack:
            # Closed last, after what uses them (the stack unwinds in reverse): closing Redis
            # under the cache's live subscription made that listener retry forever and the
            # shutdown hang.
            if app.state.redis is not None:
                stack.push_async_callback(app.state.redis.aclose)
            stack.push_async_callback(app.state.database.dispose)
            stack.push_async_callback(app.state.http.aclose)
            app.state.catalog_cache = await stack.enter_async_context(
                catalog_cache_running(app.state.database, settings, app.state.redis)
            )
            if role is AppRole.ALL and settings.worker_in_process:
                await stack.enter_async_context(in_process_worker(app.state.database, settings))
            yield

    docs = settings.docs_enabled
    app = FastAPI(
        title="Shopwright",
        version="0.1.0",
        summary="An e-commerce platform that tests itself.",
        lifespan=lifespan,
        openapi_url=f"{API_PREFIX}/openapi.json" if docs else None,
        docs_url=None,
        redoc_url=None,
    )
    # Also set here so that the app works before the lifespan ran (e.g. schema generation).
    app.state.settings = settings
    app.state.login_hooks = [carts_service.merge_on_login]
    install_problem_handlers(app)
    if docs:
        install_api_docs(app, openapi_url=f"{API_PREFIX}/openapi.json")
    app.include_router(health_api.router, responses=PROBLEM_RESPONSES)
    if role in (AppRole.ALL, AppRole.API):
        app.include_router(api_router(settings), prefix=API_PREFIX)
    if "sandbox" in settings.providers and not settings.sandbox_url:
        # The embedded default: the sandbox provider answers inside the shop itself.
        app.mount(SANDBOX_MOUNT_PATH, create_sandbox_app_from_settings(settings))
    if role in (AppRole.ALL, AppRole.WEB):
        settings.media_dir.mkdir(parents=True, exist_ok=True)
        app.mount("/media", StaticFiles(directory=settings.media_dir), name="media")
        install_storefront(app, settings)
        install_back_office(app, settings)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["*"],
            allow_headers=["*"],
            expose_headers=["X-Request-Id"],
        )
    app.add_middleware(SecurityHeadersMiddleware, hsts=settings.public_url.startswith("https://"))
    install_observability(app, settings)
    return app


def app_from_environment() -> FastAPI:
    """Factory for uvicorn workers: `shop run` passes the role in SHOP_APP_ROLE."""
    import os

    app = create_app(AppRole(os.environ.get("SHOP_APP_ROLE", AppRole.ALL)))
    # What start-up built (modules, routes, models: most of the heap) lives as long as the
    # worker; left to the collector, every full collection walks it again while every request
    # in flight waits. Frozen, it is skipped (Instagram's gc.freeze finding).
    gc.collect()
    gc.freeze()
    return app
