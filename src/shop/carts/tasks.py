"""Cart housekeeping run by the worker."""

from __future__ import annotations

import logging
from datetime import timedelta

from shop.carts import service as carts_service
from shop.jobs.registry import JobContext, register_periodic

log = logging.getLogger(__name__)


@register_periodic("carts.remove_idle", every=timedelta(minutes=30))
async def remove_idle_carts(ctx: JobContext) -> None:
    older_than = timedelta(days=ctx.settings.cart_idle_days)
    async with ctx.database.transaction() as session:
        removed = await carts_service.remove_idle_carts(session, older_than=older_than)
    if removed:
        log.info("removed %d carts idle for more than %s", removed, older_than)
