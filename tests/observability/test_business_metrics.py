"""Business and security events counted where they happen: the checkout funnel, orders and their
value, payments by outcome, gateway errors, failed and throttled sign-ins, background jobs, the
job queue and low stock."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from fastapi import FastAPI

from shop.config import Settings
from shop.db.session import Database
from shop.inventory import tasks as inventory_tasks
from shop.jobs import service as jobs_service
from shop.jobs import tasks as jobs_tasks
from shop.jobs.registry import JobContext, Registry
from shop.jobs.runner import Worker
from shop.models.catalog import Product
from shop.observability import metrics
from tests.builders.orders import change_variant, checkout_body, create_cart, create_variant
from tests.observability.samples import value
from tests.shop.checkout.payment_fixtures import (  # noqa: F401 (fixtures)
    app_settings,
    provider_down,
    sandbox_server,
    webhook_receiver,
)


def funnel(step: str) -> float:
    return value("shop_checkout_funnel_total", step=step)


class TestCheckoutFunnel:
    async def test_a_paid_order_counts_every_step_and_its_value(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        async with database.transaction() as session:
            variant = await create_variant(session, price=1500, stock=5)
            cart, token = await create_cart(session, lines=[])
            slug = (await session.get_one(Product, variant.product_id)).slug
        before = {step: funnel(step) for step in metrics.FUNNEL_STEPS}
        orders = value("shop_orders_placed_total", currency="USD")
        revenue = value("shop_order_value_minor_units_sum", currency="USD")
        captured = value("shop_payments_total", provider="sandbox", outcome="captured")

        assert (await client.get(f"/api/v1/products/{slug}")).status_code == 200
        added = await client.post(
            f"/api/v1/carts/{cart.id}/items",
            json={"variant_id": variant.id, "quantity": 2},
            headers={"X-Cart-Token": token},
        )
        assert added.status_code == 200, added.text
        placed = await client.post(
            "/api/v1/checkout",
            json=checkout_body(cart.id),
            headers={"Idempotency-Key": "funnel-1", "X-Cart-Token": token},
        )
        assert placed.status_code == 201, placed.text
        total = placed.json()["totals"]["total"]["amount"]
        replay = await client.post(
            "/api/v1/checkout",
            json=checkout_body(cart.id),
            headers={"Idempotency-Key": "funnel-1", "X-Cart-Token": token},
        )
        assert replay.headers["Idempotent-Replayed"] == "true"

        assert {step: funnel(step) - before[step] for step in metrics.FUNNEL_STEPS} == {
            "product_view": 1,
            "add_to_cart": 1,
            "checkout_started": 1,  # the replay is no new checkout
            "order_placed": 1,
        }
        assert value("shop_orders_placed_total", currency="USD") == orders + 1
        assert value("shop_order_value_minor_units_sum", currency="USD") == revenue + total
        assert value("shop_payments_total", provider="sandbox", outcome="captured") == captured + 1

    async def test_a_declined_payment_places_no_order(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        async with database.transaction() as session:
            variant = await create_variant(session, price=1500, stock=5)
            cart, token = await create_cart(session, lines=[(variant, 1)])
        orders = value("shop_orders_placed_total", currency="USD")
        declined = value("shop_payments_total", provider="sandbox", outcome="declined")

        response = await client.post(
            "/api/v1/checkout",
            json=checkout_body(cart.id, token="tok_chargeDeclined"),
            headers={"Idempotency-Key": "declined-1", "X-Cart-Token": token},
        )

        assert response.status_code == 402
        assert value("shop_orders_placed_total", currency="USD") == orders
        assert value("shop_payments_total", provider="sandbox", outcome="declined") == declined + 1

    @pytest.mark.usefixtures("provider_down")
    async def test_an_unreachable_provider_is_a_gateway_error(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        async with database.transaction() as session:
            variant = await create_variant(session, price=1500, stock=5)
            cart, token = await create_cart(session, lines=[(variant, 1)])
        errors = value("shop_payment_gateway_errors_total", provider="sandbox", kind="unavailable")
        unknown = value("shop_order_processing_errors_total", stage="payment_outcome_unknown")

        response = await client.post(
            "/api/v1/checkout",
            json=checkout_body(cart.id),
            headers={"Idempotency-Key": "down-1", "X-Cart-Token": token},
        )

        assert response.status_code == 503
        assert (
            value("shop_payment_gateway_errors_total", provider="sandbox", kind="unavailable")
            == errors + 1
        )
        assert (
            value("shop_order_processing_errors_total", stage="payment_outcome_unknown")
            == unknown + 1
        )


LOGIN = "/api/v1/auth/login"


class TestSignIns:
    async def test_failures_and_throttling_are_counted(self, client: httpx.AsyncClient) -> None:
        failures = value("shop_login_failures_total")
        limited = value("shop_rate_limited_requests_total", limiter="login")
        attempt = {"email": "target@example.com", "password": "Not-the-password-1"}

        statuses = [(await client.post(LOGIN, json=attempt)).status_code for _ in range(4)]

        # Two free failures, then a growing delay: the next attempts are refused with 429.
        assert statuses[:2] == [401, 401]
        assert set(statuses[2:]) == {429}
        assert value("shop_login_failures_total") == failures + 2
        assert value("shop_rate_limited_requests_total", limiter="login") == limited + 2


class TestJobs:
    async def test_runs_are_timed_and_failures_counted(
        self, app: FastAPI, database: Database
    ) -> None:
        settings: Settings = app.state.settings
        own = Registry()

        @own.register("observability.works")
        async def works(ctx: JobContext, payload: dict[str, object]) -> None:
            return None

        @own.register("observability.fails")
        async def fails(ctx: JobContext, payload: dict[str, object]) -> None:
            raise RuntimeError("boom")

        async with database.transaction() as session:
            await jobs_service.enqueue(session, "observability.works", {})
            await jobs_service.enqueue(session, "observability.fails", {})
        runs = value("shop_job_duration_seconds_count", topic="observability.works")
        failed_runs = value("shop_job_duration_seconds_count", topic="observability.fails")
        failures = value("shop_job_failures_total", topic="observability.fails")

        assert await Worker(database, settings, registry=own).run_once() == 2

        assert value("shop_job_duration_seconds_count", topic="observability.works") == runs + 1
        assert (
            value("shop_job_duration_seconds_count", topic="observability.fails") == failed_runs + 1
        )
        assert value("shop_job_failures_total", topic="observability.fails") == failures + 1
        assert value("shop_job_failures_total", topic="observability.works") == 0

    async def test_queue_depth_is_sampled_by_state(self, app: FastAPI, database: Database) -> None:
        settings: Settings = app.state.settings
        async with database.transaction() as session:
            for _ in range(3):
                await jobs_service.enqueue(session, "observability.later", {})
        context = Worker(database, settings, registry=Registry()).context

        await jobs_tasks.sample_queue_depth(context)

        assert value("shop_job_queue_depth", state="due") == 3
        assert value("shop_job_queue_depth", state="stopped") == 0
        assert jobs_tasks.sample_queue_depth.__name__ in {
            task.function.__name__ for task in jobs_tasks_registry().periodic.values()
        }


def jobs_tasks_registry() -> Registry:
    from shop.jobs.registry import load_all

    return load_all()


class TestLowStock:
    async def test_sellable_variants_at_their_threshold_are_counted(
        self, app: FastAPI, database: Database
    ) -> None:
        settings: Settings = app.state.settings
        async with database.transaction() as session:
            low = await create_variant(session, stock=2)
            await create_variant(session, stock=50)
            untracked = await create_variant(session, stock=0, track_inventory=False)
            await change_variant(session, low.id, low_stock_threshold=5)
            await change_variant(session, untracked.id, low_stock_threshold=5)
        context = Worker(database, settings, registry=Registry()).context

        await inventory_tasks.sample_low_stock(context)

        assert value("shop_inventory_low_stock_variants") == 1
        assert jobs_tasks_registry().periodic["inventory.sample_low_stock"].every == timedelta(
            minutes=1
        )
