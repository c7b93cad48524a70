"""Inventory work run by the worker."""

from __future__ import annotations

from datetime import timedelta

from shop.inventory import service
from shop.jobs.registry import JobContext, register_periodic
from shop.observability import metrics


@register_periodic("inventory.sample_low_stock", every=timedelta(minutes=1))
async def sample_low_stock(ctx: JobContext) -> None:
    """For the low-stock gauge and alert: one count over the variants, once a minute."""
    async with ctx.database.read() as session:
        metrics.set_low_stock_variants(await service.low_stock_count(session))
